"""Every query of bulk onboarding, including the fast bulk writes of people."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from saptah.directory.models import Organisation, Person
from saptah.directory.onboarding.models import Upload, UploadChunk
from saptah.directory.repository import in_subtrees

# Columns an upload may set on a person (besides org_id).
FIELDS = (
    "full_name",
    "email",
    "mobile",
    "group",
    "designation",
    "gender",
    "category",
    "dob",
    "mother_tongue",
    "employee_id",
    "office_pin",
    "external_system_id",
    "external_system_name",
    "tags",
)
PEOPLE: Table = Person.__table__  # type: ignore[assignment]
INSERT_COLUMNS = (*FIELDS, "org_id", "preferred_language", "status", "created_at", "updated_at")
_SNAPSHOT = [Person.id, Person.org_id, Organisation.path, *[getattr(Person, f) for f in FIELDS]]


def get_upload(session: Session, upload_id: int, *, lock: bool = False) -> Upload | None:
    """An upload by id."""
    if lock:
        return session.scalar(select(Upload).where(Upload.id == upload_id).with_for_update())
    return session.get(Upload, upload_id)


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def history(session: Session, paths: Sequence[str] | None, *, limit: int = 50) -> list[tuple[Upload, str, str]]:
    """Recent uploads into the subtrees, newest first, with organisation name and uploader's name."""
    stmt = (
        select(Upload, Organisation.name_en, Person.full_name)
        .join(Organisation, Upload.org_id == Organisation.id)
        .outerjoin(Person, Upload.uploaded_by == Person.id)
        .where(in_subtrees(paths))
        .order_by(Upload.id.desc())
        .limit(limit)
    )
    return [(u, org, who or "command line") for u, org, who in session.execute(stmt).all()]


def unfinished_same_file(session: Session, *, org_id: int, sha256: str, mode: str) -> Upload | None:
    """An earlier import of the same file into the same organisation that did not finish."""
    stmt = (
        select(Upload)
        .where(Upload.org_id == org_id, Upload.sha256 == sha256, Upload.mode == mode, Upload.dry_run.is_(False))
        .where(Upload.status.in_(("queued", "running", "failed")))
        .order_by(Upload.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def save_chunk(session: Session, upload_id: int, chunk_no: int, outcomes: list[list[str]], created: list[str]) -> None:
    """Store a chunk's outcomes (compressed) in the caller's transaction."""
    blob = zlib.compress(json.dumps({"rows": outcomes, "created": created}).encode(), 3)
    session.add(UploadChunk(upload_id=upload_id, chunk_no=chunk_no, outcomes=blob))
    session.flush()


def load_chunk(session: Session, upload_id: int, chunk_no: int) -> dict[str, Any]:
    """A chunk's outcomes: {'rows': [[code, errors], ...], 'created': [e-mails of people created]}."""
    blob = session.scalar(
        select(UploadChunk.outcomes).where(UploadChunk.upload_id == upload_id, UploadChunk.chunk_no == chunk_no)
    )
    if blob is None:
        return {"rows": [], "created": []}
    data: dict[str, Any] = json.loads(zlib.decompress(blob))
    return data


def orgs_by_codes(session: Session, codes: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    """(id, path, name) of organisations keyed by code."""
    stmt = select(Organisation.code, Organisation.id, Organisation.path, Organisation.name_en).where(
        Organisation.code.in_(list(codes))
    )
    return {code: (oid, path, name) for code, oid, path, name in session.execute(stmt).all()}


def people_by_emails(session: Session, emails: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored people (id, org, organisation path and upload fields) keyed by e-mail."""
    if not emails:
        return {}
    stmt = select(*_SNAPSHOT).join(Organisation, Person.org_id == Organisation.id).where(_email_in(session, emails))
    return {row.email: dict(row._mapping) for row in session.execute(stmt)}


def people_by_external_ids(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    """Stored people keyed by (organisation id, external system ID)."""
    if not keys:
        return {}
    org_ids = {k[0] for k in keys}
    ext_ids = {k[1] for k in keys}
    stmt = (
        select(*_SNAPSHOT)
        .join(Organisation, Person.org_id == Organisation.id)
        .where(Person.org_id.in_(org_ids), Person.external_system_id.in_(ext_ids))
    )
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for row in session.execute(stmt):
        key = (row.org_id, row.external_system_id)
        if key in keys:
            found.setdefault(key, dict(row._mapping))
    return found


def _email_in(session: Session, emails: Sequence[str]) -> ColumnElement[bool]:
    """e-mail IN (...): one array parameter on PostgreSQL (thousands of parameters cost more to send)."""
    if session.get_bind().dialect.name == "postgresql":
        return Person.email == any_(bindparam("emails", list(emails), type_=ARRAY(String)))
    return Person.email.in_(list(emails))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def people_for_emails(session: Session, emails: Sequence[str]) -> list[Person]:
    """People by e-mail (the welcome job)."""
    return list(session.scalars(select(Person).where(_email_in(session, emails)).order_by(Person.id)))


def insert_people(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new people in bulk: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        cols = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        raw: Any = conn.connection.driver_connection
        lines = ["\t".join([_copy_value(row.get(c)) for c in INSERT_COLUMNS]) for row in rows]
        with raw.cursor() as cur, cur.copy(f"COPY people ({cols}) FROM STDIN") as cp:
            cp.write("\n".join(lines) + "\n")
    else:
        session.execute(insert(PEOPLE), [{c: row.get(c) for c in INSERT_COLUMNS} for row in rows])


def update_people(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update people in bulk; every dict carries 'pid' and the same full set of fields."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "pid"]
    stmt = update(PEOPLE).where(PEOPLE.c.id == bindparam("pid")).values({c: bindparam(f"v_{c}") for c in columns})
    params = [{"pid": r["pid"], **{f"v_{c}": r[c] for c in columns}} for r in rows]
    session.connection().execute(stmt, params)
