"""Passport wiring: the signals that feed it (the same as credit), its rebuild job, menu entries and demo needs."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.db import unit_of_work
from saptah.passport import ingest
from saptah.web.i18n import N_

REBUILD_JOB = "passport.rebuild"
NAV_ENTRIES = [
    (N_("My passport"), "/my/passport", ()),
    (N_("Competency gaps"), "/passport/gaps", ("mdo_admin", "mdo_leader", "national_organiser")),
]


def run_rebuild(ctx: Any) -> dict[str, Any]:
    """Job: rebuild every passport from the sources."""
    with unit_of_work(ctx.factory) as session:
        result = ingest.rebuild(session)
    ctx.progress(result["signals"], result["signals"])
    return result


def register() -> None:
    """Subscribe to the learning signals, register the rebuild job and the menu entries (idempotent)."""
    from saptah.jobs import service as jobs
    from saptah.web.templating import NAV

    signals.subscribe(signals.CourseCompleted, ingest.on_course_completed)
    signals.subscribe(signals.AssessmentPassed, ingest.on_assessment_passed)
    signals.subscribe(signals.EventAttendanceRecorded, ingest.on_attendance)
    signals.subscribe(signals.StaffChanged, ingest.on_staff_changed)
    signals.subscribe(signals.PersonErased, ingest.on_person_erased)
    jobs.register(REBUILD_JOB, run_rebuild)
    for entry in NAV_ENTRIES:
        if entry not in NAV:
            NAV.append(entry)


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """The demo ministry's role needs (MoHFW: every officer, Group B and Section Officers)."""
    from saptah.passport.demo import seed_needs

    progress(seed_needs(session))
