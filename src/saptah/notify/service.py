"""Queue e-mails; enqueueing the same key twice queues one message."""

from __future__ import annotations

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.notify import repository as repo
from saptah.notify.models import OutboxMessage

ERASED_DOMAIN = "@erased.invalid"  # the placeholder address of a person whose personal data was erased


def enqueue(session: Session, *, to: str, subject: str, body: str, kind: str, dedupe_key: str) -> OutboxMessage:
    """Queue a message once per dedupe key; nothing is queued to an erased person (the message is not stored)."""
    if to.lower().endswith(ERASED_DOMAIN):
        return OutboxMessage(dedupe_key=dedupe_key, kind=kind, to_addr=to, subject=subject, body="", status="failed")
    existing = repo.by_key(session, dedupe_key)
    if existing is not None:
        return existing
    msg = OutboxMessage(dedupe_key=dedupe_key, kind=kind, to_addr=to, subject=subject, body=body)
    with session.begin_nested():  # a concurrent enqueue of the same key loses quietly
        session.add(msg)
    return msg


def forget_recipient(session: Session, event: signals.PersonErased) -> None:
    """An erased person: the e-mails to them (which carry their name) are removed, sent or queued."""
    repo.delete_to(session, event.email)
