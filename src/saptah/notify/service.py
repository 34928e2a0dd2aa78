"""Queue e-mails; enqueueing the same key twice queues one message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.db import utcnow
from saptah.notify import repository as repo
from saptah.notify.models import OutboxMessage

ERASED_DOMAIN = "@erased.invalid"  # the placeholder address of a person whose personal data was erased


@dataclass(frozen=True)
class Composed:
    """A message written at send time, or why it is not sent (`skip`, shown as the message's last error)."""

    subject: str = ""
    body: str = ""
    skip: str | None = None


Composer = Callable[[Session, object, str], Composed]
_composers: dict[str, Composer] = {}


def register_composer(kind: str, composer: Composer) -> None:
    """Messages of this kind queued without a body are written by `composer(session, settings, to_addr)` when they
    are sent: what they carry (a one-time link, say) is then made at the moment it goes out, not hours before in a
    queue throttled to the mail server's pace."""
    _composers[kind] = composer


def composer_of(kind: str) -> Composer | None:
    """The composer registered for a kind, if any."""
    return _composers.get(kind)


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


def enqueue_composed(session: Session, kind: str, keyed: Select[str, str]) -> None:
    """Queue a message of a kind that has a composer for each (dedupe_key, to_addr) row of a SELECT, each once per
    dedupe key: one statement, run in the database, and nothing is written for each message until it is sent."""
    if composer_of(kind) is None:
        raise LookupError(f"no composer is registered for {kind!r} messages")
    repo.add_selected(session, kind, keyed, utcnow())


def enqueue_many(session: Session, messages: Sequence[dict[str, str]]) -> None:
    """Queue many messages (dedupe_key, kind, to_addr, subject, body) in one write, each once per dedupe key."""
    if not messages:
        return
    now = utcnow()
    extra = {"status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now}
    repo.add_many(session, [{**m, **extra} for m in messages])
