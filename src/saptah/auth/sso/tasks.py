"""Single sign-on wiring: an erased person's linked identities go with their personal data."""

from __future__ import annotations

from saptah.auth.sso import service
from saptah.core import signals


def register() -> None:
    """Subscribe to PersonErased (idempotent)."""
    signals.subscribe(signals.PersonErased, service.forget_person)
