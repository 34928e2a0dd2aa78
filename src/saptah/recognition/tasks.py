"""Recognition wiring: karma from domain events, campaign certificates, honour-roll certificates as a job."""

from __future__ import annotations

import random
from collections.abc import Callable
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
    from saptah.recognition import repository as repo

    signals.subscribe(signals.PersonSignedIn, on_signed_in)
    signals.subscribe(signals.CourseEnrolled, on_enrolled)
    signals.subscribe(signals.CourseCompleted, karma.karma_for_completion)
    signals.subscribe(signals.AssessmentPassed, karma.karma_for_assessment)
    signals.subscribe(signals.CourseRated, on_rated)
    signals.subscribe(signals.EventAttendanceRecorded, on_attendance)
    signals.subscribe(signals.PlanItemCompleted, karma.karma_for_plan_item)
    signals.subscribe(signals.DiscussionPosted, karma.karma_for_discussion)
    signals.subscribe(CampaignTargetsReached, on_targets_reached)
    signals.subscribe(signals.PersonErased, erasure.forget_holder)
    sources.register("karma", karma.records_between, sql=repo.karma_records)
    campaign_check.register("karma follows its rules", karma.audit)
    jobs.register(HONOUR_JOB, run_honour_certificates)
    jobs.register(CAMPAIGN_JOB, run_campaign_certificates)


def run_honour_certificates(ctx: Any) -> dict[str, Any]:
    """Job: issue the honour certificates of a published roll (of people or of organisations) and pack their PDFs
    into one ZIP."""
    from saptah.core.db import unit_of_work
    from saptah.recognition import org_honours
    from saptah.recognition import repository as repo

    roll_id = int(ctx.payload["roll_id"])
    with unit_of_work(ctx.factory) as session:
        roll = repo.honour_roll(session, roll_id)
        of_orgs = roll is not None and roll.kind == org_honours.KIND
        if of_orgs:
            count = org_honours.assign_codes(session, roll_id)
        else:
            count = service.build_honour_archive(session, roll_id, base_url=ctx.settings.base_url)
    if of_orgs:  # render reading only, then store in a short write
        with ctx.factory() as session:
            archive = org_honours.render_archive(session, roll_id, base_url=ctx.settings.base_url)
        with unit_of_work(ctx.factory) as session:
            org_honours.store_archive(session, roll_id, archive)
    ctx.progress(count, count)
    return {"certificates": count}


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """The closed demo campaign's ministry-level honours, drawn and published by the demo organiser (its
    certificates follow in the background job, as in real use)."""
    from saptah.campaigns import service as campaigns
    from saptah.campaigns.demo import NLW_2024
    from saptah.core.errors import InvalidInput
    from saptah.directory import service as directory
    from saptah.recognition import org_honours

    organiser = directory.repo.get_person_by_email(session, "organiser@saptah.demo")
    campaign = campaigns.repo.get_campaign_by_name(session, NLW_2024)
    if organiser is None or campaign is None or org_honours.published(session, campaign.id):
        return
    principal = directory.load_principal(session, organiser.id)
    try:
        roll = org_honours.draft(
            session,
            principal=principal,
            campaign_id=campaign.id,
            size=3,
            signatory_name="Secretary",
            signatory_title="Department of Personnel and Training",
        )
    except InvalidInput:  # a demo without credited organisations has no honours
        return
    service.publish_honour_roll(session, principal=principal, roll_id=roll.id)
    progress(1)
