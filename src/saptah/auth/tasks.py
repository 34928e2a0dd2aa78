"""Sign-in wiring: an erased person's sessions and tokens go with their personal data."""

from __future__ import annotations

from saptah.auth import service
from saptah.core import signals


def register() -> None:
    """Subscribe to PersonErased (idempotent)."""
    signals.subscribe(signals.PersonErased, service.forget_person)
