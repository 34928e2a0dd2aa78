"""Queries of per-person attendance rows and viewer-minute counters: the presence ping path's locked merge
writes, imported minutes, publishing credit to the campaign engine, and reading rows back.

Split from repository.py (which keeps the calendar, registrations, nominations and per-event figures).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Integer, String, Table, and_, any_, bindparam, case, func, literal, or_, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from saptah.core.bulk import streamed
from saptah.core.db import utcnow
from saptah.events.models import Attendance, Event, EventKind, ViewerMinute

if TYPE_CHECKING:
    from saptah.events.attendance import LiveRow


def get_attendance(session: Session, event_id: int, person_id: int, *, lock: bool = False) -> Attendance | None:
    """A person's attendance row for an event (locked when it will be merged into)."""
    stmt = select(Attendance).where(Attendance.event_id == event_id, Attendance.person_id == person_id)
    if lock:  # the ping path writes with Core SQL: refresh an object this session may hold
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def ensure_attendance(session: Session, *, event_id: int, person_id: int) -> Attendance:
    """The attendance row, created race-free (two tabs' first pings may arrive together), locked."""
    row = get_attendance(session, event_id, person_id, lock=True)
    if row is not None:
        return row
    _create_attendance(session, event_id, person_id)
    row = get_attendance(session, event_id, person_id, lock=True)
    assert row is not None
    return row


def _create_attendance(session: Session, event_id: int, person_id: int) -> None:
    from saptah.directory.models import Person

    org = select(Person.org_id).where(Person.id == person_id).scalar_subquery()
    values = {"event_id": event_id, "person_id": person_id, "org_id": org, "tabs": {}}
    session.execute(_insert(session, Attendance).values(**values).on_conflict_do_nothing())


_ATT = cast(Table, Attendance.__table__)
_VM = cast(Table, ViewerMinute.__table__)
_LIVE_COLUMNS = (
    _ATT.c.id, _ATT.c.closed_seconds, _ATT.c.open_start, _ATT.c.open_end, _ATT.c.last_minute, _ATT.c.tabs,
    _ATT.c.imported_minutes, _ATT.c.source, _ATT.c.minutes, _ATT.c.attended, _ATT.c.person_id,
)  # fmt: skip


def lock_live_many(
    session: Session, *, event_id: int, person_ids: Sequence[int], create_first: Sequence[int] = ()
) -> dict[int, LiveRow]:
    """People's merge columns for an event, locked in person order (so concurrent batches cannot deadlock on
    them) and created on a first ping; Core SQL, one statement for the lot.

    `create_first`: people who probably have no row yet; their rows are created before the lock, which saves
    the caller a statement (a row found missing anyway is created and locked after).
    """
    from saptah.events.attendance import LiveRow

    if not person_ids:
        return {}
    conn = session.connection()
    stmts = _live_statements(session)

    def lock(ids: Sequence[int]) -> dict[int, LiveRow]:
        rows = conn.execute(stmts["lock"], {"event_id": event_id, "ids": list(ids)})
        return {r.person_id: LiveRow(**r._mapping) for r in rows}

    if create_first:
        conn.execute(stmts["create"], {"event_id": event_id, "ids": sorted(create_first), "now": utcnow()})
    found = lock(person_ids)
    missing = [p for p in person_ids if p not in found]
    if missing:
        conn.execute(stmts["create"], {"event_id": event_id, "ids": missing, "now": utcnow()})
        found.update(lock(missing))
    return found


def insert_live_many(session: Session, *, event_id: int, rows: Sequence[LiveRow], now: datetime) -> set[int] | None:
    """Insert first pings' rows already merged, in person order; the people whose row was inserted (a row that
    exists is left alone). None where this is not done (SQLite: rows are created, then locked and updated)."""
    stmts = _live_statements(session)
    if stmts["insert_merged"] is None:
        return None
    params = {
        "event_id": event_id, "now": now, "pid": [r.person_id for r in rows], "cs": [r.closed_seconds for r in rows],
        "os": [r.open_start for r in rows], "oe": [r.open_end for r in rows], "lm": [r.last_minute for r in rows],
        "tb": [json.dumps(r.tabs) for r in rows], "mn": [r.minutes for r in rows], "at": [r.attended for r in rows],
        "np": [r.pings for r in rows],
    }  # fmt: skip
    return set(session.connection().scalars(stmts["insert_merged"], params))


_LIVE: dict[str, dict[str, Any]] = {}


def _live_statements(session: Session) -> dict[str, Any]:
    """The ping path's statements, built once per dialect. On PostgreSQL a batch's ids travel as one array
    (`= ANY`), so each statement has one text whatever the batch size and is prepared once per connection;
    rows are written with one set-based UPDATE and one counter upsert from arrays."""
    dialect = session.get_bind().dialect.name
    if dialect in _LIVE:
        return _LIVE[dialect]
    from saptah.directory.models import Person

    pg = dialect == "postgresql"

    def among(column: Any) -> Any:
        if pg:
            return column == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
        return column.in_(bindparam("ids", expanding=True))

    lock = (
        select(*_LIVE_COLUMNS)
        .where(_ATT.c.event_id == bindparam("event_id"), among(_ATT.c.person_id))
        .order_by(_ATT.c.person_id)
        .with_for_update()
    )
    people = (
        select(
            bindparam("event_id", type_=Integer), Person.id, Person.org_id, literal(0), literal(-1),
            literal({}, _ATT.c.tabs.type), literal(0), literal("live"), literal(0), literal(False), literal(-1),
            literal(False), bindparam("now", type_=_ATT.c.updated_at.type),
        )
        .where(among(Person.id))
        .order_by(Person.id)
    )  # fmt: skip
    names = [
        "event_id", "person_id", "org_id", "closed_seconds", "last_minute", "tabs", "pings", "source", "minutes",
        "attended", "published_minutes", "published_attended", "updated_at",
    ]  # fmt: skip
    create = _insert(session, Attendance).from_select(names, people).on_conflict_do_nothing()
    _LIVE[dialect] = {"lock": lock, "create": create, "save": _SAVE, "add_viewers": None, "insert_merged": None}
    if pg:
        _LIVE[dialect].update(save=_SAVE_PG, add_viewers=_ADD_VIEWERS_PG, insert_merged=_INSERT_MERGED_PG)
    return _LIVE[dialect]


_SAVE_VALUES = {
    "closed_seconds": bindparam("cs"), "open_start": bindparam("os", type_=_ATT.c.open_start.type),
    "open_end": bindparam("oe", type_=_ATT.c.open_end.type), "last_minute": bindparam("lm"),
    "tabs": bindparam("tb", type_=_ATT.c.tabs.type), "minutes": bindparam("mn"), "attended": bindparam("at"),
    "pings": _ATT.c.pings + bindparam("np"), "updated_at": bindparam("now", type_=_ATT.c.updated_at.type),
}  # fmt: skip
_SAVE = update(_ATT).where(_ATT.c.id == bindparam("rid")).values(_SAVE_VALUES)
_SAVE_PG = text(
    """UPDATE event_attendance AS a SET closed_seconds = v.cs, open_start = v.os, open_end = v.oe,
    last_minute = v.lm, tabs = CAST(v.tb AS json), minutes = v.mn, attended = v.at, pings = a.pings + v.np,
    updated_at = :now
    FROM unnest(CAST(:rid AS integer[]), CAST(:cs AS integer[]), CAST(:os AS timestamptz[]),
        CAST(:oe AS timestamptz[]), CAST(:lm AS integer[]), CAST(:tb AS text[]), CAST(:mn AS integer[]),
        CAST(:at AS boolean[]), CAST(:np AS integer[])) AS v(rid, cs, os, oe, lm, tb, mn, at, np)
    WHERE a.id = v.rid"""
).bindparams(bindparam("now", type_=_ATT.c.updated_at.type))
_INSERT_MERGED_PG = text(
    """INSERT INTO event_attendance (event_id, person_id, org_id, closed_seconds, open_start, open_end,
        last_minute, tabs, pings, source, minutes, attended, published_minutes, published_attended, updated_at)
    SELECT :event_id, p.id, p.org_id, v.cs, v.os, v.oe, v.lm, CAST(v.tb AS json), v.np, 'live', v.mn, v.at, -1,
        false, :now
    FROM unnest(CAST(:pid AS integer[]), CAST(:cs AS integer[]), CAST(:os AS timestamptz[]),
        CAST(:oe AS timestamptz[]), CAST(:lm AS integer[]), CAST(:tb AS text[]), CAST(:mn AS integer[]),
        CAST(:at AS boolean[]), CAST(:np AS integer[])) AS v(pid, cs, os, oe, lm, tb, mn, at, np)
    JOIN people AS p ON p.id = v.pid
    ORDER BY v.pid
    ON CONFLICT DO NOTHING
    RETURNING person_id"""
).bindparams(bindparam("now", type_=_ATT.c.updated_at.type))
_ADD_VIEWERS_PG = text(
    """INSERT INTO event_viewer_minutes (event_id, minute, shard, viewers)
    SELECT :event_id, v.m, v.s, v.n
    FROM unnest(CAST(:m AS integer[]), CAST(:s AS integer[]), CAST(:n AS integer[])) WITH ORDINALITY AS v(m, s, n, i)
    ORDER BY v.i
    ON CONFLICT (event_id, minute, shard) DO UPDATE SET viewers = event_viewer_minutes.viewers + excluded.viewers"""
)


def save_live_many(
    session: Session, rows: Sequence[LiveRow], *, event_id: int, now: datetime, counts: Mapping[tuple[int, int], int]
) -> None:
    """Write merged rows and add viewers to the (minute, shard) counters, last and in key order, so those shared
    rows stay locked only until the commit that follows. PostgreSQL: one statement each; SQLite: pipelined."""
    conn = session.connection()
    stmts = _live_statements(session)
    keys = sorted(counts)
    if stmts["add_viewers"] is not None:  # PostgreSQL: arrays
        if rows:
            conn.execute(
                stmts["save"],
                {"rid": [r.id for r in rows], "cs": [r.closed_seconds for r in rows],
                 "os": [r.open_start for r in rows], "oe": [r.open_end for r in rows],
                 "lm": [r.last_minute for r in rows], "tb": [json.dumps(r.tabs) for r in rows],
                 "mn": [r.minutes for r in rows], "at": [r.attended for r in rows], "np": [r.pings for r in rows],
                 "now": now},
            )  # fmt: skip
        if keys:
            conn.execute(
                stmts["add_viewers"],
                {"event_id": event_id, "m": [m for m, _ in keys], "s": [k for _, k in keys],
                 "n": [counts[key] for key in keys]},
            )  # fmt: skip
        return
    if rows:
        params = [
            {"rid": r.id, "cs": r.closed_seconds, "os": r.open_start, "oe": r.open_end, "lm": r.last_minute,
             "tb": r.tabs, "mn": r.minutes, "at": r.attended, "np": r.pings, "now": now}
            for r in rows
        ]  # fmt: skip
        conn.execute(stmts["save"], params)
    if keys:  # one upsert statement, executed per key in key order (pipelined, compiled once)
        params = [{"event_id": event_id, "minute": m, "shard": k, "viewers": counts[(m, k)]} for m, k in keys]
        conn.execute(_add_viewers(session), params)


_ADD_VIEWERS: dict[str, Any] = {}


def _add_viewers(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect not in _ADD_VIEWERS:  # built once: making `excluded` is costly on the hot path
        stmt = _insert(session, ViewerMinute)
        _ADD_VIEWERS[dialect] = stmt.on_conflict_do_update(
            index_elements=["event_id", "minute", "shard"], set_={"viewers": _VM.c.viewers + stmt.excluded.viewers}
        )
    return _ADD_VIEWERS[dialect]


def _count_stmt(session: Session, event_id: int, minutes: Sequence[int], shard: int) -> Any:
    rows = [{"event_id": event_id, "minute": m, "shard": shard, "viewers": 1} for m in minutes]
    stmt = _insert(session, ViewerMinute).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=["event_id", "minute", "shard"], set_={"viewers": _VM.c.viewers + 1}
    )


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def count_viewer_minutes(session: Session, event_id: int, minutes: Sequence[int], shard: int) -> None:
    """Add one viewer to each of these minutes of an event (sharded counters, one upsert)."""
    if minutes:
        session.execute(_count_stmt(session, event_id, minutes, shard))


CREDIT_LOCK = 7_462_001  # PostgreSQL advisory lock: one credit sweep or finalisation at a time


def take_credit_lock(session: Session, *, wait: bool) -> bool:
    """Serialise publishing attendance credit across worker processes (SQLite has one writer anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(CREDIT_LOCK)))
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(CREDIT_LOCK))))


def due_for_publish(session: Session, *, now: datetime, step: int, limit: int) -> list[Any]:
    """Rows of started, open events whose running total is due for the campaign engine (no locks taken).

    Due: a first credited minute, `step` more minutes than last sent, or the over-half mark changed. Only the
    rows of events not yet finalised are looked at, so the cost follows today's viewers, not history.
    """
    ev = Event.__table__
    due = or_(
        and_(_ATT.c.minutes > 0, or_(_ATT.c.published_minutes <= 0, _ATT.c.minutes - _ATT.c.published_minutes >= step)),
        _ATT.c.attended != _ATT.c.published_attended,
    )
    stmt = (
        select(_ATT.c.id, _ATT.c.event_id, _ATT.c.person_id, _ATT.c.minutes, _ATT.c.attended)
        .join(ev, ev.c.id == _ATT.c.event_id)
        .where(ev.c.finalised_at.is_(None), ev.c.cancelled_at.is_(None), ev.c.starts_at <= now, due)
        .limit(limit)
    )
    return list(session.connection().execute(stmt))


def mark_published(session: Session, sent: Sequence[tuple[int, int, bool]]) -> None:
    """Remember what was sent to the campaign engine (only these columns: pings write the others)."""
    if not sent:
        return
    stmt = (
        update(_ATT)
        .where(_ATT.c.id == bindparam("rid"))
        .values(published_minutes=bindparam("pm"), published_attended=bindparam("pa"))
    )
    session.connection().execute(stmt, [{"rid": i, "pm": m, "pa": a} for i, m, a in sent])


def peak_viewers(session: Session, event_id: int) -> int:
    """The most viewers counted in any one minute."""
    per_minute = (
        select(func.sum(ViewerMinute.viewers).label("n"))
        .where(ViewerMinute.event_id == event_id)
        .group_by(ViewerMinute.minute)
        .subquery()
    )
    return int(session.scalar(select(func.max(per_minute.c.n))) or 0)


def attendance_rows(session: Session, event_id: int, *, unpublished_only: bool = False) -> list[Attendance]:
    """Attendance rows of an event (optionally those whose total was not yet published)."""
    stmt = select(Attendance).where(Attendance.event_id == event_id)
    if unpublished_only:
        stmt = stmt.where(
            or_(
                Attendance.minutes != Attendance.published_minutes, Attendance.attended != Attendance.published_attended
            )
        )
    stmt = stmt.order_by(Attendance.id).execution_options(populate_existing=True)  # pings write with Core SQL
    return list(session.scalars(stmt))


def attendance_of(session: Session, person_id: int) -> list[tuple[Attendance, Event]]:
    """A person's attendance with its events, newest first."""
    stmt = (
        select(Attendance, Event)
        .join(Event, Event.id == Attendance.event_id)
        .where(Attendance.person_id == person_id)
        .order_by(Event.starts_at.desc())
    )
    return [(a, e) for a, e in session.execute(stmt).tuples()]


def sent_rows(start: datetime, end: datetime) -> Any:
    """The attendance totals sent for events starting in [start, end] as a query with the columns of
    `signals.EventAttendanceRecorded`, as `attendance.sent_between` announces them (the event's kind as the
    campaign counts it; competency-linked when the event lists a competency)."""
    ev = Event.__table__
    credit_kind = case(
        (ev.c.kind.in_((EventKind.CENTRAL_WEBINAR.value, EventKind.INAUGURAL.value)), literal("webinar")),
        (ev.c.kind == EventKind.MDO_WEBINAR.value, literal("mdo_event")),
        (ev.c.mode == "in_person", literal("offline")),
        else_=literal("mdo_event"),
    )
    comps = cast_(ev.c.competencies, String)
    linked = and_(ev.c.competencies.is_not(None), comps.not_in(("[]", "null", "")))
    return (
        select(
            _ATT.c.person_id,
            _ATT.c.event_id,
            _ATT.c.published_minutes.label("minutes"),
            _ATT.c.published_attended.label("attended"),
            credit_kind.label("kind"),
            ev.c.organiser_org_id,
            linked.label("competency_linked"),
            ev.c.starts_at.label("at"),
            ev.c.title_en.label("title"),
        )
        .join(ev, ev.c.id == _ATT.c.event_id)
        .where(ev.c.starts_at >= start, ev.c.starts_at <= end, _ATT.c.published_minutes >= 0)
    )


def sent_between(session: Session, start: datetime, end: datetime) -> Iterable[Any]:
    """Attendance rows of events starting in [start, end] whose total was sent to the campaign engine, ordered by
    person and event, streamed: person_id, event_id, the sent minutes and attended flag, and the event's kind,
    mode, organiser, competencies, title and start."""
    ev = Event.__table__
    cols = (_ATT.c.person_id, _ATT.c.event_id, _ATT.c.published_minutes, _ATT.c.published_attended)
    event_cols = (ev.c.kind, ev.c.mode, ev.c.organiser_org_id, ev.c.competencies, ev.c.title_en, ev.c.starts_at)
    stmt = (
        select(*cols, *event_cols)
        .join(ev, ev.c.id == _ATT.c.event_id)
        .where(ev.c.starts_at >= start, ev.c.starts_at <= end, _ATT.c.published_minutes >= 0)
        .order_by(_ATT.c.person_id, _ATT.c.event_id)
        .execution_options(yield_per=20000)
    )
    return streamed(session.connection().execute(stmt))
