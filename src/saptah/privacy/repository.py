"""Every query of personal data: the rows of every table that refer to a person, found from the schema itself.

Walking the tables' foreign keys to `people` (rather than a hand-kept list) means a table added later is in
every download without anyone remembering to add it; tests/privacy checks that no such table is left out.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, LargeBinary, Table, or_, select
from sqlalchemy.orm import Session

from saptah.core.db import Base

# secrets are never given out, not even to their owner: only that they exist
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret_hash", "id_token", "state_hash", "verifier"})
# tables where the person is found through something other than a foreign key (or also through it)
BY_EMAIL = {"outbox": "to_addr", "login_failures": "email"}
# xAPI data is found by the person's agent identifiers (indexed; statements carry no person index)
BY_ACTOR = {"lrs_statements": "actor_ifi", "lrs_state_documents": "agent_ifi", "lrs_agent_profiles": "agent_ifi"}


def person_tables() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Each table with the columns that refer to a person, in schema order.

    A column refers to a person when it is a foreign key to people.id, or is named person_id (the ledger and
    its aggregates carry the person key without a foreign key, as the shard key of a distributed PostgreSQL).
    """
    for table in Base.metadata.sorted_tables:
        if table.name == "people":
            continue
        cols = [
            c
            for c in table.columns
            if c.name == "person_id" or any(fk.column.table.name == "people" for fk in c.foreign_keys)
        ]
        if cols or table.name in BY_EMAIL or table.name in BY_ACTOR:
            yield table, cols


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    out = {}
    for col in table.columns:
        if col.name in SECRET_COLUMNS:
            continue
        value = row._mapping[col]
        if isinstance(col.type, LargeBinary) and value is not None and table.name != "lrs_agent_profiles":
            out[col.name] = f"({len(value)} bytes)"
            continue
        out[col.name] = _plain(value)
    return out


def rows_about(
    session: Session, *, person_id: int, email: str, actor_ifis: list[str]
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table name, rows) for every table holding rows about or by the person."""
    for table, cols in person_tables():
        conds: list[ColumnElement[bool]] = []
        if table.name in BY_ACTOR:
            conds.append(table.c[BY_ACTOR[table.name]].in_(actor_ifis))
        else:
            conds += [c == person_id for c in cols]
        if table.name in BY_EMAIL:
            conds.append(table.c[BY_EMAIL[table.name]] == email)
        rows = session.execute(select(table).where(or_(*conds))).all()
        if rows:
            yield table.name, [_row(table, r) for r in rows]


def person_row(session: Session, person_id: int) -> dict[str, Any]:
    """The person's own row, without their password hash."""
    table = Base.metadata.tables["people"]
    row = session.execute(select(table).where(table.c.id == person_id)).one()
    return _row(table, row)
