"""Campaign wiring: completions and attendance become records; recompute runs as a job; the demo campaigns."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

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
    sources.register("course", course_records)
    sources.register("event", attendance_records)
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
