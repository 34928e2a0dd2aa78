"""Every query of the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from saptah.notify.models import OutboxMessage


def by_key(session: Session, key: str) -> OutboxMessage | None:
    """A message by its dedupe key."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


def due(session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    """Queued messages whose time has come, oldest first, locked where the database can."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def sent_since(session: Session, since: datetime) -> int:
    """Messages sent since a moment (for the throttle)."""
    stmt = select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at >= since)
    return session.scalar(stmt) or 0


def counts(session: Session) -> dict[str, int]:
    """Messages per status."""
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {s: n for s, n in rows}


def stuck_sending(session: Session, before: datetime) -> list[OutboxMessage]:
    """Messages claimed for sending before a moment and never finished (a crashed sender)."""
    stmt = select(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at < before)
    return list(session.scalars(stmt))


def delete_to(session: Session, address: str) -> int:
    """Remove every message to an address, sent or not (an erasure); returns how many."""
    result = session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == address))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
