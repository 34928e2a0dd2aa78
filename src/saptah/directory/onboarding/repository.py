"""Every query of bulk onboarding, including the fast bulk writes of people."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from saptah.directory import repository as directory_repo
from saptah.directory.models import PERSON_FIELDS, Organisation, Person
from saptah.directory.onboarding.files import SheetFormat
from saptah.directory.onboarding.models import Upload, UploadChunk
from saptah.directory.repository import in_subtrees

FIELDS = PERSON_FIELDS  # columns an upload may set on a person (besides org_id)
PEOPLE: Table = Person.__table__  # type: ignore[assignment]
INSERT_COLUMNS = (*FIELDS, "org_id", "preferred_language", "status", "created_at", "updated_at")
NewRow = tuple[Any, ...]  # FIELDS then org_id
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
    """An earlier import of the same file into the same organisation that did not finish (itself, or the welcome
    e-mails to the people it created)."""
    unwelcomed = and_(Upload.status == "done", Upload.created > 0, Upload.welcome_chunks_done < Upload.chunks_done)
    stmt = (
        select(Upload)
        .where(Upload.org_id == org_id, Upload.sha256 == sha256, Upload.mode == mode, Upload.dry_run.is_(False))
        .where(or_(Upload.status.in_(("queued", "running", "failed")), unwelcomed))
        .order_by(Upload.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def save_chunk(
    session: Session,
    upload_id: int,
    chunk_no: int,
    outcomes: list[list[str]],
    created: list[str],
    orgs: list[int] | None = None,
) -> None:
    """Store a chunk's outcomes (compressed) in the caller's transaction: the codes as one string and only the
    problems of failed rows, so a chunk of ten thousand mostly good rows is a few kilobytes to encode; with the
    e-mails of the people it created and the organisations whose staff it changed."""
    codes = "".join(code for code, _ in outcomes)
    errors = {str(i): text for i, (_, text) in enumerate(outcomes) if text}
    data = {"codes": codes, "errors": errors, "created": created, "orgs": orgs or []}
    blob = zlib.compress(json.dumps(data).encode(), 1)
    session.add(UploadChunk(upload_id=upload_id, chunk_no=chunk_no, outcomes=blob))
    session.flush()


def load_chunk(session: Session, upload_id: int, chunk_no: int) -> dict[str, Any]:
    """A chunk's outcomes: {'rows': [[code, errors], ...], 'created': [e-mails of people created], 'orgs': [ids of
    the organisations whose staff it changed] (absent from chunks stored by an earlier release)}."""
    blob = session.scalar(
        select(UploadChunk.outcomes).where(UploadChunk.upload_id == upload_id, UploadChunk.chunk_no == chunk_no)
    )
    if blob is None:
        return {"rows": [], "created": []}
    data: dict[str, Any] = json.loads(zlib.decompress(blob))
    if "codes" in data:
        errors = data.pop("errors")
        data["rows"] = [[code, errors.get(str(i), "")] for i, code in enumerate(data.pop("codes"))]
    return data


@dataclass(frozen=True)
class StoredFiles:
    """Where an upload's files are kept and how its staff list is read."""

    id: int
    stored_name: str
    result_name: str | None
    fmt: SheetFormat


def stored_files(session: Session) -> list[StoredFiles]:
    """Every upload's stored files, oldest first."""
    stmt = select(
        Upload.id,
        Upload.stored_name,
        Upload.result_name,
        Upload.file_kind,
        Upload.encoding,
        Upload.delimiter,
        Upload.sheet,
    ).order_by(Upload.id)
    return [
        StoredFiles(uid, stored, result, SheetFormat(kind, encoding, delimiter, sheet))
        for uid, stored, result, kind, encoding, delimiter, sheet in session.execute(stmt).all()
    ]


def raw_chunks(session: Session, upload_id: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(chunk number, stored outcomes as saved: codes, errors by place, created e-mails) of an upload, in order."""
    numbers = session.scalars(
        select(UploadChunk.chunk_no).where(UploadChunk.upload_id == upload_id).order_by(UploadChunk.chunk_no)
    ).all()
    for chunk_no in numbers:
        blob = session.scalar(
            select(UploadChunk.outcomes).where(UploadChunk.upload_id == upload_id, UploadChunk.chunk_no == chunk_no)
        )
        data: dict[str, Any] = {"codes": "", "errors": {}, "created": []}
        if blob is not None:
            data = json.loads(zlib.decompress(blob))
        if "rows" in data:  # a chunk of the first releases, stored row by row
            rows = data.pop("rows")
            data["codes"] = "".join(code for code, _ in rows)
            data["errors"] = {str(i): text for i, (_, text) in enumerate(rows) if text}
        yield chunk_no, data


def store_raw_chunk(session: Session, upload_id: int, chunk_no: int, data: dict[str, Any]) -> None:
    """Replace a chunk's stored outcomes."""
    blob = zlib.compress(json.dumps(data).encode(), 1)
    session.execute(
        update(UploadChunk)
        .where(UploadChunk.upload_id == upload_id, UploadChunk.chunk_no == chunk_no)
        .values(outcomes=blob)
    )


def chunk_sizes(session: Session, upload_id: int, chunks: int) -> list[int]:
    """How many rows each of the first `chunks` committed chunks holds, in order (an earlier run may have cut the
    file in chunks of another size)."""
    return [len(load_chunk(session, upload_id, chunk_no)["rows"]) for chunk_no in range(chunks)]


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
    stmt = (
        select(*_SNAPSHOT)
        .join(Organisation, Person.org_id == Organisation.id)
        .where(directory_repo.email_among(session, emails))
    )
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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def welcome_rows(session: Session, emails: Sequence[str]) -> list[tuple[int, str]]:
    """(id, email) of the people with these e-mails, in id order (to announce them)."""
    stmt = select(Person.id, Person.email).where(directory_repo.email_among(session, emails)).order_by(Person.id)
    return [(int(i), str(e)) for i, e in session.execute(stmt).all()]


def new_person_row(values: dict[str, Any]) -> NewRow:
    """The upload fields of a new person in FIELDS order, then the organisation id (no per-row dict is built)."""
    g = values.get
    return (
        g("full_name"),
        g("email"),
        g("mobile"),
        g("group"),
        g("designation"),
        g("gender"),
        g("category"),
        g("dob"),
        g("mother_tongue"),
        g("employee_id"),
        g("office_pin"),
        g("external_system_id"),
        g("external_system_name"),
        g("tags"),
        values["org_id"],
    )


def insert_people(session: Session, rows: Sequence[NewRow], now: datetime) -> None:
    """Insert new people in bulk: COPY text built straight from the row tuples on PostgreSQL, a driver-level
    executemany on SQLite. Every new person is active, English-speaking and stamped `now`."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        cols = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        text = _copy_text(rows, f"\ten\tactive\t{now.isoformat()}\t{now.isoformat()}\n")
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY people ({cols}) FROM STDIN") as cp:
            cp.write(text)
    else:
        dialect = conn.dialect
        stamp = _bind(dialect, "created_at")(now)
        day = _bind(dialect, "dob")
        dob = FIELDS.index("dob")
        params = [
            (*row[:dob], None if row[dob] is None else day(row[dob]), *row[dob + 1 :], "en", "active", stamp, stamp)
            for row in rows
        ]
        names = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        marks = ", ".join("?" for _ in INSERT_COLUMNS)
        conn.exec_driver_sql(f"INSERT INTO people ({names}) VALUES ({marks})", params)


def _copy_text(rows: Sequence[NewRow], tail: str) -> str:
    """Rows in COPY's text format. Only free text is escaped (tabs, line breaks, backslashes): the validated
    fields (e-mail, mobile, group, codes, tags) cannot hold those characters; str(date) is ISO."""
    esc, n = _COPY_ESCAPES, "\\N"
    return "".join(
        [
            f"{name.translate(esc)}\t{email}\t{mobile}\t{group}\t"
            f"{n if desig is None else desig.translate(esc)}\t{n if gender is None else gender.translate(esc)}\t"
            f"{n if cat is None else cat.translate(esc)}\t{n if dob is None else dob}\t"
            f"{n if tongue is None else tongue.translate(esc)}\t{n if emp is None else emp}\t"
            f"{n if pin is None else pin}\t{n if ext is None else ext}\t"
            f"{n if sysname is None else sysname.translate(esc)}\t{n if tags is None else tags}\t{org}{tail}"
            for name, email, mobile, group, desig, gender, cat, dob, tongue, emp, pin, ext, sysname, tags, org in rows
        ]
    )


def _bind(dialect: Any, column: str) -> Any:
    """The column type's own conversion of a Python value for this database (identity when it has none)."""
    process = PEOPLE.c[column].type.bind_processor(dialect)
    return process or (lambda v: v)


def update_people(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update people in bulk; every dict carries 'pid' and the same full set of fields."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "pid"]
    stmt = update(PEOPLE).where(PEOPLE.c.id == bindparam("pid")).values({c: bindparam(f"v_{c}") for c in columns})
    params = [{"pid": r["pid"], **{f"v_{c}": r[c] for c in columns}} for r in rows]
    session.connection().execute(stmt, params)
