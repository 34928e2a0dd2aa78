"""Queue e-mails; enqueueing the same key twice queues one message."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.db import utcnow
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


def enqueue_many(session: Session, messages: Sequence[dict[str, str]], *, fresh_keys: bool = False) -> None:
    """Queue many messages (dedupe_key, kind, to_addr, subject, body) in one write, each once per dedupe key.

    `fresh_keys`: the caller minted every key just now (from a new random token), so none can be taken and the
    rows are streamed in without the conflict check (COPY on PostgreSQL)."""
    if not messages:
        return
    now = utcnow()
    extra = {"status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now}
    repo.add_many(session, [{**m, **extra} for m in messages], fresh_keys=fresh_keys)
