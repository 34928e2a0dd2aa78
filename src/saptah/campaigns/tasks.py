"""Campaign wiring: completions and attendance become records; recompute runs as a job; the demo campaigns."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, null, select, true
from sqlalchemy.orm import Session

from saptah.campaigns import ledger, service, sources
from saptah.campaigns.schemas import RecordIn
from saptah.core import signals
from saptah.core.db import unit_of_work
from saptah.web.i18n import N_


def course_record(event: signals.CourseCompleted) -> RecordIn:
    """The record of a course completion (positional: recompute builds one per completion)."""
    pid, course = event.person_id, event.course_id
    label = event.title or f"Course #{course}"
    return RecordIn(
        f"course:{pid}:{course}", pid, "course", event.completed_at, course, event.duration_minutes, 0,
        event.competency_linked, True, None, label,
    )  # fmt: skip


def attendance_record(event: signals.EventAttendanceRecorded) -> RecordIn:
    """The record of a person's attendance at one event (a running total, so replays converge)."""
    return RecordIn(
        source_key=f"event:{event.person_id}:{event.event_id}",
        person_id=event.person_id,
        kind=event.kind if event.kind in ("webinar", "mdo_event", "offline") else "offline",
        object_id=event.event_id,
        occurred_at=event.at,
        minutes=max(0, event.minutes),
        competency_linked=event.competency_linked,
        attended=event.attended,
        organiser_org_id=event.organiser_org_id,
        label=event.title or f"Event #{event.event_id}",
    )


def course_records(session: Session, start: datetime, end: datetime) -> Iterator[RecordIn]:
    """The records of every completion in [start, end], from the catalogue's stored completions."""
    return map(course_record, signals.replay(session, signals.CourseCompleted, start, end))


def attendance_records(session: Session, start: datetime, end: datetime) -> Iterator[RecordIn]:
    """The records of every event attendance sent in [start, end], from the events' attendance rows."""
    return map(attendance_record, signals.replay(session, signals.EventAttendanceRecorded, start, end))


def course_record_rows(start: datetime, end: datetime) -> Any:
    """`course_records` as a query of record columns (`course_record` in SQL), or None if the catalogue gave none."""
    rows = signals.replay_rows(signals.CourseCompleted, start, end)
    if rows is None:
        return None
    f = rows.subquery()
    return select(
        _key("course", f.c.person_id, f.c.course_id),
        f.c.person_id.label("person_id"),
        literal("course").label("kind"),
        f.c.completed_at.label("occurred_at"),
        f.c.course_id.label("object_id"),
        f.c.duration_minutes.label("minutes"),
        literal(0).label("karma"),
        f.c.competency_linked.label("competency_linked"),
        true().label("attended"),
        cast(null(), Integer).label("organiser_org_id"),
        _titled(f.c.title, "Course #", f.c.course_id),
    )


def attendance_record_rows(start: datetime, end: datetime) -> Any:
    """`attendance_records` as a query of record columns (`attendance_record` in SQL), or None if events gave none."""
    rows = signals.replay_rows(signals.EventAttendanceRecorded, start, end)
    if rows is None:
        return None
    f = rows.subquery()
    return select(
        _key("event", f.c.person_id, f.c.event_id),
        f.c.person_id.label("person_id"),
        case((f.c.kind.in_(("webinar", "mdo_event", "offline")), f.c.kind), else_=literal("offline")).label("kind"),
        f.c.at.label("occurred_at"),
        f.c.event_id.label("object_id"),
        case((f.c.minutes > 0, f.c.minutes), else_=0).label("minutes"),
        literal(0).label("karma"),
        f.c.competency_linked.label("competency_linked"),
        f.c.attended.label("attended"),
        f.c.organiser_org_id.label("organiser_org_id"),
        _titled(f.c.title, "Event #", f.c.event_id),
    )


def _key(prefix: str, person: Any, obj: Any) -> Any:
    return (literal(f"{prefix}:") + cast(person, String) + ":" + cast(obj, String)).label("source_key")


def _titled(title: Any, fallback: str, obj: Any) -> Any:
    """The title, or e.g. "Course #12" when it is empty (as `title or f"Course #{id}"`)."""
    return func.coalesce(func.nullif(title, ""), literal(fallback) + cast(obj, String)).label("label")


def on_course_completed(session: Session, event: signals.CourseCompleted) -> None:
    """Credit a completion (at the end of the publisher's batch, if it delivers one)."""
    ledger.ingest_soon(session, [course_record(event)])


def on_attendance(session: Session, event: signals.EventAttendanceRecorded) -> None:
    """Credit attendance (at the end of the publisher's batch, if it delivers one)."""
    ledger.ingest_soon(session, [attendance_record(event)])


def run_recompute(ctx: Any) -> dict[str, Any]:
    """Job: rebuild one campaign from its stored records."""
    with unit_of_work(ctx.factory) as session:
        result = ledger.recompute(session, int(ctx.payload["campaign_id"]))
    ctx.progress(result["records"], result["records"])
    return result


def register() -> None:
    """Subscribe to credit sources and register the recompute job (idempotent)."""
    from saptah.jobs import service as jobs
    from saptah.web.templating import HOME_PANELS, NAV

    signals.subscribe(signals.CourseCompleted, on_course_completed)
    signals.subscribe(signals.EventAttendanceRecorded, on_attendance)
    jobs.register(service.RECOMPUTE_JOB, run_recompute)
    sources.register("course", course_records, sql=course_record_rows)
    sources.register("event", attendance_records, sql=attendance_record_rows)
    entry = (N_("Campaigns"), "/campaigns", ())
    if entry not in NAV:
        NAV.append(entry)
    from saptah.campaigns.pages import progress_panel

    if progress_panel not in HOME_PANELS:
        HOME_PANELS.append(progress_panel)


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """NLW 2026 running now, NLW 2024 closed, and some credit for demo people through the real ingest."""
    from saptah.campaigns.demo import seed

    seed(session, rng, people=people, progress=progress)
