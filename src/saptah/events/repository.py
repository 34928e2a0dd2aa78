"""Queries of events: calendar, registrations, nominations, attendance imports and per-event figures.

Per-person attendance rows and viewer-minute counters are queried in attendance_repository.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from saptah.directory.models import Organisation
from saptah.events.models import Attendance, AttendanceImport, Event, Nomination, Registration


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def get_event(session: Session, event_id: int, *, lock: bool = False) -> Event | None:
    """An event by id (optionally locked for an update that checks a count)."""
    if lock:
        return session.scalar(select(Event).where(Event.id == event_id).with_for_update())
    return session.get(Event, event_id)


def calendar_query(
    *,
    kinds: Sequence[str] | None,
    theme: str | None,
    org_ids: Sequence[int] | None,
    start: datetime | None,
    end: datetime | None,
    language: str | None,
    q: str | None,
) -> Select[Event]:
    """Events matching the calendar's filters, by start."""
    stmt = select(Event).where(Event.cancelled_at.is_(None))
    if kinds:
        stmt = stmt.where(Event.kind.in_(list(kinds)))
    if theme:
        stmt = stmt.where(Event.theme == theme)
    if org_ids is not None:
        stmt = stmt.where(Event.organiser_org_id.in_(list(org_ids)))
    if start is not None:
        stmt = stmt.where(Event.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Event.starts_at <= end)
    if language:
        stmt = stmt.where(Event.language == language)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Event.title_en.ilike(like), Event.title_hi.ilike(like), Event.speakers.ilike(like)))
    return stmt.order_by(Event.starts_at, Event.id)


def live_first_page(
    session: Session, stmt: Select[Event], *, now: datetime, longest: timedelta, page: int, size: int
) -> tuple[int, list[Event]]:
    """One page of a calendar query ordered live now, then upcoming (soonest first), then past (latest first)."""
    base = stmt.order_by(None)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    recent = session.scalars(base.where(Event.starts_at <= now, Event.starts_at > now - longest))
    live = sorted(
        (e for e in recent if e.starts_at + timedelta(minutes=e.duration_minutes) > now),
        key=lambda e: (e.starts_at, e.id),
    )
    live_ids = [e.id for e in live]
    offset = (page - 1) * size
    rows = live[offset : offset + size]
    offset = max(0, offset - len(live))
    upcoming = base.where(Event.starts_at > now).order_by(Event.starts_at, Event.id)
    past = base.where(Event.starts_at <= now, Event.id.not_in(live_ids) if live_ids else true())
    for part in (upcoming, past.order_by(Event.starts_at.desc(), Event.id.desc())):
        if len(rows) == size:
            break
        taken = list(session.scalars(part.offset(offset).limit(size - len(rows))))
        if not taken:
            offset = max(0, offset - (session.scalar(select(func.count()).select_from(part.subquery())) or 0))
            continue
        rows.extend(taken)
        offset = 0
    return total, rows


def search_events(session: Session, stmt: Select[Event], *, page: int, size: int) -> tuple[int, list[Event]]:
    """One page of a calendar query and the total."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.offset((page - 1) * size).limit(size)))
    return total, rows


def overlapping(session: Session, *, start: datetime, end: datetime, org_id: int, exclude: int | None) -> list[Event]:
    """Events of the same organiser, or central ones, that overlap [start, end)."""
    rows = session.scalars(
        select(Event).where(
            Event.cancelled_at.is_(None),
            Event.starts_at < end,
            Event.starts_at > start - _longest(),
            or_(Event.organiser_org_id == org_id, Event.kind.in_(["central_webinar", "inaugural"])),
        )
    )
    return [e for e in rows if e.id != exclude and e.starts_at + _minutes(e.duration_minutes) > start]


def _longest() -> Any:
    from datetime import timedelta

    return timedelta(days=2)


def _minutes(n: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=n)


def get_registration(session: Session, event_id: int, person_id: int) -> Registration | None:
    """A person's registration for an event."""
    return session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.person_id == person_id)
    )


def count_registrations(session: Session, event_id: int) -> int:
    """How many are registered."""
    return session.scalar(select(func.count()).where(Registration.event_id == event_id)) or 0


def registrations_of(session: Session, person_id: int) -> list[Registration]:
    """A person's registrations."""
    return list(session.scalars(select(Registration).where(Registration.person_id == person_id)))


def count_nominations(session: Session, event_id: int, ministry_id: int) -> int:
    """Nominations a ministry has used for an event."""
    stmt = select(func.count()).where(Nomination.event_id == event_id, Nomination.ministry_id == ministry_id)
    return session.scalar(stmt) or 0


def get_nomination(session: Session, event_id: int, person_id: int) -> Nomination | None:
    """A person's nomination for an event."""
    return session.scalar(select(Nomination).where(Nomination.event_id == event_id, Nomination.person_id == person_id))


def nominations(session: Session, event_id: int, ministry_ids: Sequence[int] | None = None) -> list[Nomination]:
    """Nominations of an event (optionally of some ministries), by ministry then name."""
    stmt = select(Nomination).where(Nomination.event_id == event_id)
    if ministry_ids is not None:
        stmt = stmt.where(Nomination.ministry_id.in_(list(ministry_ids)))
    return list(session.scalars(stmt.order_by(Nomination.ministry_id, Nomination.full_name)))


def event_figures(session: Session, event_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per event: registrations, attendees, minutes and over-half counts, in two grouped queries."""
    out: dict[int, dict[str, Any]] = {
        i: {"registrations": 0, "attendees": 0, "minutes": 0, "over_half": 0} for i in event_ids
    }
    if not event_ids:
        return out
    ids = list(event_ids)
    regs = select(Registration.event_id, func.count()).where(Registration.event_id.in_(ids))
    for eid, n in session.execute(regs.group_by(Registration.event_id)).tuples():
        out[eid]["registrations"] = n
    att = select(
        Attendance.event_id,
        func.count(),
        func.coalesce(func.sum(Attendance.minutes), 0),
        func.coalesce(func.sum(func.cast(Attendance.attended, _int())), 0),
    ).where(Attendance.event_id.in_(ids), Attendance.minutes > 0)
    for eid, n, mins, half in session.execute(att.group_by(Attendance.event_id)).tuples():
        out[eid].update(attendees=n, minutes=int(mins), over_half=int(half))
    return out


def _int() -> Any:
    from sqlalchemy import Integer

    return Integer


def figures_by_org(session: Session, event_id: int) -> list[tuple[int, int, int, int]]:
    """(org id, attendees, minutes, over half) of one event, most attendees first."""
    stmt = (
        select(
            Attendance.org_id,
            func.count(),
            func.coalesce(func.sum(Attendance.minutes), 0),
            func.coalesce(func.sum(func.cast(Attendance.attended, _int())), 0),
        )
        .where(Attendance.event_id == event_id, Attendance.minutes > 0)
        .group_by(Attendance.org_id)
        .order_by(func.count().desc())
    )
    return [(o, n, int(m), int(h)) for o, n, m, h in session.execute(stmt).tuples()]


def registrations_by_org(session: Session, event_id: int, org_of: Any) -> dict[int, int]:
    """Registrations per organisation id of the registered person."""
    stmt = select(org_of, func.count()).where(Registration.event_id == event_id).group_by(org_of)
    return dict(session.execute(stmt).tuples())


def ended_unfinalised(session: Session, now: datetime) -> list[Event]:
    """Events whose attendance is not closed yet and whose start has passed (filtered by end in service)."""
    stmt = select(Event).where(Event.finalised_at.is_(None), Event.cancelled_at.is_(None), Event.starts_at < now)
    return list(session.scalars(stmt))


def get_import(session: Session, import_id: int) -> AttendanceImport | None:
    """An attendance import by id."""
    return session.get(AttendanceImport, import_id)


def imports_of(session: Session, event_id: int) -> list[AttendanceImport]:
    """An event's imports, newest first."""
    stmt = select(AttendanceImport).where(AttendanceImport.event_id == event_id)
    return list(session.scalars(stmt.order_by(AttendanceImport.id.desc())))


def events_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Event]:
    """Events keyed by id."""
    if not ids:
        return {}
    return {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(list(ids))))}


def unused(*_: Any) -> Any:
    """Keep `and_` imported for callers composing conditions."""
    return and_(*_)


def people_by(
    session: Session, *, org_path: str | None, employee_id: str | None = None, full_name: str | None = None
) -> list[Any]:
    """At most two people with this employee ID or name (case-insensitive) inside a subtree (None: anywhere)."""
    from saptah.directory.models import Organisation, Person
    from saptah.directory.repository import in_subtrees

    stmt = select(Person).join(Organisation, Organisation.id == Person.org_id).where(Person.status == "active")
    if org_path is not None:
        stmt = stmt.where(in_subtrees([org_path]))
    if employee_id is not None:
        stmt = stmt.where(func.upper(Person.employee_id) == employee_id.upper())
    if full_name is not None:
        stmt = stmt.where(func.lower(Person.full_name) == full_name.strip().lower())
    return list(session.scalars(stmt.limit(2)))


def scrub_nominations(session: Session, person_id: int, *, name: str, email: str) -> None:
    """Replace the copies of a person's particulars on their nominations (an erasure)."""
    session.execute(
        update(Nomination)
        .where(Nomination.person_id == person_id)
        .values(full_name=name, email=email, designation=None, mobile=None)
    )


def organisers(session: Session) -> list[Organisation]:
    """Organisations with at least one event that is not cancelled, in tree order."""
    ids = select(Event.organiser_org_id).where(Event.cancelled_at.is_(None)).distinct()
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.path)))


def upcoming(session: Session, *, now: datetime, limit: int) -> list[Event]:
    """Events not cancelled that start after `now`, soonest first."""
    stmt = (
        select(Event)
        .where(Event.starts_at > now, Event.cancelled_at.is_(None))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def registered_among(session: Session, person_id: int, event_ids: Sequence[int]) -> set[int]:
    """Which of these events the person is registered for (or invited to)."""
    if not event_ids:
        return set()
    stmt = select(Registration.event_id).where(
        Registration.person_id == person_id, Registration.event_id.in_(set(event_ids))
    )
    return set(session.scalars(stmt))
