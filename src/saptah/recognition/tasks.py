"""Recognition wiring: karma from domain events, campaign certificates, honour-roll certificates as a job."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns.schemas import CampaignTargetsReached
from saptah.core import signals
from saptah.core.text import N_
from saptah.recognition import erasure, karma, service

HONOUR_JOB = "recognition.honour_certificates"
CAMPAIGN_JOB = "recognition.campaign_certificates"
CAMPAIGN_JOB_PEOPLE = 5000  # people per certificate job: one transaction each


def on_signed_in(session: Session, event: signals.PersonSignedIn) -> None:
    """5 points for the first sign-in."""
    karma.karma_once(session, event.person_id, "first_sign_in", "", N_("First sign-in"), event.at)


def on_enrolled(session: Session, event: signals.CourseEnrolled) -> None:
    """5 points for the first enrolment (batched with the other enrolments of an xAPI batch)."""
    karma.karma_once_soon(session, event.person_id, "first_enrolment", "", N_("First course enrolment"), event.at)


def on_rated(session: Session, event: signals.CourseRated) -> None:
    """2 points for rating a course, once per course."""
    obj = f"course:{event.course_id}"
    karma.karma_once(
        session,
        event.person_id,
        "course_rated",
        obj,
        N_("Rated course #{course_id}").format(course_id=event.course_id),
        event.at,
    )


def on_attendance(session: Session, event: signals.EventAttendanceRecorded) -> None:
    """10 points for attending an event."""
    if event.attended:
        obj = f"event:{event.event_id}"
        title = event.title or N_("event #{id}").format(id=event.event_id)
        note = N_("Attended: {title}").format(title=title)
        karma.karma_once(session, event.person_id, "event_attended", obj, note, event.at)


def on_targets_reached(session: Session, event: CampaignTargetsReached) -> None:
    """Queue the campaign certificates of people who reached the target; ingest does not wait for them."""
    from saptah.jobs import service as jobs

    people = list(event.person_ids)
    for start in range(0, len(people), CAMPAIGN_JOB_PEOPLE):
        chunk = people[start : start + CAMPAIGN_JOB_PEOPLE]
        jobs.enqueue(session, kind=CAMPAIGN_JOB, payload={"campaign_id": event.campaign_id, "people": chunk})


def run_campaign_certificates(ctx: Any) -> dict[str, Any]:
    """Job: issue the campaign certificates of the people it names who still hold the target."""
    from saptah.core.db import unit_of_work

    people = [int(p) for p in ctx.payload["people"]]
    with unit_of_work(ctx.factory) as session:
        count = service.certify_campaign(session, int(ctx.payload["campaign_id"]), people)
    ctx.progress(len(people), len(people))
    return {"certificates": count}


def register() -> None:
    """Subscribe to the events that earn karma and certificates; register the honour job (idempotent)."""
    from saptah.campaigns import check as campaign_check
    from saptah.campaigns import sources
    from saptah.jobs import service as jobs

    signals.subscribe(signals.PersonSignedIn, on_signed_in)
    signals.subscribe(signals.CourseEnrolled, on_enrolled)
    signals.subscribe(signals.CourseCompleted, karma.karma_for_completion)
    signals.subscribe(signals.AssessmentPassed, karma.karma_for_assessment)
    signals.subscribe(signals.CourseRated, on_rated)
    signals.subscribe(signals.EventAttendanceRecorded, on_attendance)
    signals.subscribe(signals.PlanItemCompleted, karma.karma_for_plan_item)
    signals.subscribe(CampaignTargetsReached, on_targets_reached)
    signals.subscribe(signals.PersonErased, erasure.forget_holder)
    sources.register("karma", karma.records_between)
    campaign_check.register("karma follows its rules", karma.audit)
    jobs.register(HONOUR_JOB, run_honour_certificates)
    jobs.register(CAMPAIGN_JOB, run_campaign_certificates)


def run_honour_certificates(ctx: Any) -> dict[str, Any]:
    """Job: issue the honour certificates of a published roll and pack their PDFs into one ZIP."""
    from saptah.core.db import unit_of_work

    with unit_of_work(ctx.factory) as session:
        count = service.build_honour_archive(session, int(ctx.payload["roll_id"]), base_url=ctx.settings.base_url)
    ctx.progress(count, count)
    return {"certificates": count}
