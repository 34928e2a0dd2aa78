"""Fast row writing for bulk paths: PostgreSQL COPY, batched INSERTs on SQLite."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows fast: COPY (text format, large chunks) on PostgreSQL, batched INSERTs on SQLite; returns how many."""
    n = 0
    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.cursor()
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            chunk: list[str] = []
            for row in rows:
                chunk.append("\t".join([_pg_text(v) for v in row]))
                n += 1
                if len(chunk) == 20000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk = []
            if chunk:
                copy.write("\n".join(chunk) + "\n")
        return n
    marks = ", ".join(f":{i}" for i in range(len(columns)))
    stmt = text(f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in columns)}) VALUES ({marks})")
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({str(i): _sqlite_value(v) for i, v in enumerate(row)})
        n += 1
        if len(batch) == 5000:
            session.execute(stmt, batch)
            batch = []
    if batch:
        session.execute(stmt, batch)
    return n


def _pg_text(v: Any) -> str:
    """One value in COPY's text format."""
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, datetime):
        return v.isoformat()
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def next_id(session: Session, table: str) -> int:
    """The id after the largest stored one (bulk rows carry their own ids)."""
    return int(session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0) + 1


def fix_sequence(session: Session, table: str) -> None:
    """Move PostgreSQL's id sequence past rows written with explicit ids."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
