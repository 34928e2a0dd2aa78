"""Audit rules: record an administrative act from wherever it came, and read a subtree's log.

Every domain records its acts by calling `record` inside the transaction that performs them, so the act and its
entry are committed together (or neither is). Where an act came from travels on the session: the web request
(`saptah.web.deps.get_db`) and the command line (`saptah.cli.factory_for`) stamp their sessions with an `Origin`,
so the web pages, the JSON API and the CLI all record through this one function without passing it along.
"""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import repository as repo
from saptah.audit.models import AuditEntry
from saptah.audit.schemas import SYSTEM, Act, AuditEntryOut, Filters, Origin

__all__ = ["Act", "Filters", "Origin", "record", "stamp"]
from saptah.core import exports
from saptah.core.errors import Forbidden
from saptah.core.timeutil import ist_start
from saptah.directory.models import Role
from saptah.directory.schemas import Principal

ORIGIN_KEY = "saptah.audit.origin"
EXPORT_HEADER = ["when (UTC)", "act", "actor", "entry point", "address", "organisation", "target", "person", "details"]


def stamp(session: Session, origin: Origin) -> None:
    """Say where this session's acts come from (the request or the command line)."""
    session.info[ORIGIN_KEY] = origin


def cli_origin() -> Origin:
    """The command line: the OS user and the host it runs on."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "unknown"
    host = socket.gethostname()
    return Origin("cli", host[:64], f"{user}@{host}"[:120])


def origin_of(session: Session) -> Origin:
    """Where this session's acts come from (the system, e.g. a background job, when nobody said)."""
    origin = session.info.get(ORIGIN_KEY)
    return origin if isinstance(origin, Origin) else SYSTEM


def record(
    session: Session,
    *,
    act: Act,
    actor_id: int | None,
    org_id: int | None = None,
    target_person_id: int | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one act to the log, in the caller's transaction.

    `org_id` is the organisation whose subtree the act concerns (its leaders read it); without one, the act of a
    person concerns their organisation, and any other act is national. Details must hold no personal data (names,
    e-mails): people are referred to by id, so that erasing a person leaves nothing of them in this log.
    """
    origin = origin_of(session)
    path = None
    if org_id is None and target_person_id is not None:
        found = repo.person_org(session, target_person_id)
        if found is not None:
            org_id, path = found
    elif org_id is not None:
        path = repo.org_path(session, org_id)
    entry = AuditEntry(
        act=act.value,
        actor_id=actor_id,
        actor_label=origin.label if actor_id is None else None,
        channel=origin.channel,
        address=origin.address,
        org_id=org_id,
        org_path=path,
        target_person_id=target_person_id,
        target=target[:200] if target else None,
        details=json.dumps(details, sort_keys=True, default=str) if details else None,
    )
    return repo.add(session, entry)


def _window(filters: Filters) -> dict[str, Any]:
    return {
        "actor": filters.actor or None,
        "act": filters.act or None,
        "since": ist_start(filters.since) if filters.since else None,
        "until": ist_start(filters.until + timedelta(days=1)) if filters.until else None,
    }


def _out(row: Any) -> AuditEntryOut:
    entry, actor_name, actor_email, target_name, org_code = row
    actor = f"{actor_name} <{actor_email}>" if entry.actor_id is not None else entry.actor_label or entry.channel
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        act=entry.act,
        actor=actor,
        actor_id=entry.actor_id,
        channel=entry.channel,
        address=entry.address,
        organisation=org_code,
        target=entry.target,
        target_person=target_name,
        details=json.loads(entry.details) if entry.details else None,
    )


def read(
    session: Session, *, paths: list[str] | None, filters: Filters, offset: int = 0, limit: int = 50
) -> tuple[int, list[AuditEntryOut]]:
    """A page of the log of these subtrees (None: the whole country), newest first, and the total."""
    window = _window(filters)
    total = repo.count(session, paths=paths, **window)
    rows = repo.entries(session, paths=paths, offset=offset, limit=limit, **window)
    return total, [_out(r) for r in rows]


def export_rows(session: Session, *, paths: list[str] | None, filters: Filters) -> Iterator[list[Any]]:
    """Every entry the filters give, as export rows (the caller makes the file)."""
    for row in repo.entries(session, paths=paths, **_window(filters)):
        e = _out(row)
        yield [
            e.at.replace(tzinfo=None),
            e.act,
            e.actor,
            e.channel,
            e.address or "",
            e.organisation or "",
            e.target or "",
            e.target_person or "",
            json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "",
        ]


def export(session: Session, *, paths: list[str] | None, filters: Filters, fmt: str) -> tuple[bytes, str]:
    """The filtered log as CSV or XLSX (formula-safe cells); returns the bytes and the media type."""
    rows = export_rows(session, paths=paths, filters=filters)
    if fmt == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return exports.to_xlsx(EXPORT_HEADER, rows, sheet="Audit log"), media
    return exports.to_csv(EXPORT_HEADER, rows), "text/csv; charset=utf-8"


def acts() -> list[str]:
    """The acts a reader can filter on."""
    return [a.value for a in Act]


def reader_paths(principal: Principal) -> list[str] | None:
    """The subtrees whose log this person reads: national organisers all (None), MDO leaders their own."""
    if principal.is_national:
        return None
    paths = principal.paths_for(Role.MDO_LEADER)
    if not paths:
        raise Forbidden("The audit log is for national organisers and MDO leaders.")
    return paths


def export_for(session: Session, principal: Principal, *, filters: Filters, fmt: str) -> tuple[bytes, str]:
    """A reader's export of their subtree's log; the export is itself recorded (the log names people)."""
    paths = reader_paths(principal)
    body, media = export(session, paths=paths, filters=filters, fmt=fmt)
    scope_org = None if paths is None else next(s.org_id for s in principal.scopes if s.path == paths[0])
    record(
        session,
        act=Act.PERSONAL_DATA_EXPORT,
        actor_id=principal.person_id,
        org_id=scope_org,
        target="audit log",
        details={"export": "audit_log", "format": fmt, "act": filters.act, "since": filters.since},
    )
    return body, media
