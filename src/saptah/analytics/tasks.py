"""Analytics background work: keep the course aggregates in step with completions, and write report PDFs."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from saptah.analytics import repository as repo
from saptah.analytics.models import NATIONAL
from saptah.core import signals
from saptah.core.db import unit_of_work
from saptah.core.timeutil import ist_day
from saptah.web.i18n import N_

REPORT_JOB = "analytics.report"


def on_course_completed(session: Session, event: signals.CourseCompleted) -> None:
    """Count a completion in the per-day course and group aggregates, in the completion's transaction.

    Inside a signals batch (an LRS batch) completions are summed and written once per key at the end,
    in sorted order, their people read in one query; otherwise at once.
    """
    signals.collect(session, "analytics.day_totals", [event], _add_completions)


def _add_completions(session: Session, events: list[signals.CourseCompleted]) -> None:
    from saptah.directory import repository as people

    found = people.people_by_ids(session, [e.person_id for e in events])
    courses: dict[tuple[int, date, int], tuple[int, int]] = {}
    groups: dict[tuple[int, date, str], tuple[int, int]] = {}
    for event in events:
        person = found.get(event.person_id)
        if person is None:
            continue
        day, minutes = ist_day(event.completed_at), event.duration_minutes
        for org_id in dict.fromkeys((NATIONAL, person.org_id)):
            course_key, group_key = (org_id, day, event.course_id), (org_id, day, person.group or "Others")
            done, mins = courses.get(course_key, (0, 0))
            courses[course_key] = (done + 1, mins + minutes)
            done, mins = groups.get(group_key, (0, 0))
            groups[group_key] = (done + 1, mins + minutes)
    repo.add_totals(session, courses=courses, groups=groups)


def run_report(ctx: Any) -> dict[str, Any]:
    """Generate one campaign report PDF (the job's payload names the report)."""
    from saptah.analytics.report import generate

    report_id = int(ctx.payload["report_id"])
    try:
        with unit_of_work(ctx.factory) as session:
            pages = generate(session, report_id)
    except Exception as exc:
        with unit_of_work(ctx.factory) as session:
            report = repo.get_report(session, report_id)
            if report is not None:
                report.status, report.error = "failed", "The report could not be generated; try again."
        raise exc
    ctx.progress(1, 1)
    return {"report_id": report_id, "pages": pages}


def run_remind(ctx: Any) -> dict[str, Any]:
    """Queue reminder e-mails for one people list of an MDO dashboard."""
    from saptah.analytics.mdo import run_reminders

    with unit_of_work(ctx.factory) as session:
        queued = run_reminders(session, ctx.payload)
    ctx.progress(queued, queued)
    return {"queued": queued}


def register() -> None:
    """Subscribe to completions, register the report job and the menu entries (idempotent)."""
    from saptah.jobs import service as jobs
    from saptah.web.templating import NAV

    signals.subscribe(signals.CourseCompleted, on_course_completed)
    jobs.register(REPORT_JOB, run_report)
    jobs.register("analytics.remind", run_remind)
    for entry in (
        (N_("Dashboard"), "/dashboard", ("national_organiser", "mdo_admin", "mdo_leader")),
        (N_("My week"), "/my/week", ()),
    ):
        if entry not in NAV:
            NAV.append(entry)


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """Rebuild the course aggregates from the demo's stored completions (the demo may bulk-insert them)."""
    from saptah.analytics.rebuild import rebuild_course_totals

    progress(rebuild_course_totals(session))
