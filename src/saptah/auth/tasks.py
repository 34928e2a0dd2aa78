"""Sign-in wiring: an erased person's sessions and tokens go with their personal data."""

from __future__ import annotations

from saptah.auth import service
from saptah.core import signals
from saptah.notify import service as outbox


def register() -> None:
    """Subscribe to PersonErased and write welcome e-mails as they are sent (idempotent)."""
    signals.subscribe(signals.PersonErased, service.forget_person)
    outbox.register_composer(service.SETUP_KIND, service.compose_setup)
