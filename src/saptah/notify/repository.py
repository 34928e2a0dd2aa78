"""Every query of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, delete, func, literal, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from saptah.core import bulk
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


def add_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert queued messages in one statement; a row whose dedupe key is taken is skipped."""
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    stmt, params = bulk.insert_rows(session, table, rows)
    bulk.run(session, stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]), params)


def add_selected(session: Session, kind: str, keyed: Select[str, str], now: datetime) -> None:
    """Queue a message of `kind` without a body for each (dedupe_key, to_addr) row the SELECT gives, in the
    database (no row passes through the app); a row whose dedupe key is taken is skipped."""
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    source = keyed.subquery()
    key, to = source.c
    cols = ["dedupe_key", "to_addr", "kind", "subject", "body", "status", "attempts", "next_attempt_at", "created_at"]
    values = [key, to, literal(kind), literal(""), literal(""), literal("queued"), literal(0)]
    values += [literal(now, OutboxMessage.next_attempt_at.type), literal(now, OutboxMessage.created_at.type)]
    insert = postgresql.insert if bulk.is_pg(session) else sqlite.insert
    # (SQLite reads "ON CONFLICT" after a bare SELECT ... FROM as a join's ON: a WHERE ends the SELECT)
    stmt = insert(table).from_select(cols, select(*values).where(literal_column("1") == 1))
    session.execute(stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]))


def count_keys(session: Session, keys: list[str]) -> int:
    """How many of these dedupe keys are queued or sent already."""
    if not keys:
        return 0
    stmt = select(func.count()).where(bulk.among(session, OutboxMessage.dedupe_key, keys))
    return int(session.scalar(stmt) or 0)
