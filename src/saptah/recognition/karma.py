"""Karma points: the rules that award them (once per person, reason and object) and a person's total."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import ledger as campaign_ledger
from saptah.campaigns import service as campaigns
from saptah.campaigns.schemas import RecordIn
from saptah.core import signals
from saptah.core.text import N_
from saptah.core.timeutil import IST
from saptah.recognition import repository as repo
from saptah.recognition.models import KarmaEntry

KARMA_POINTS = {
    "first_sign_in": 5,
    "first_enrolment": 5,
    "course_completed": 5,
    "assessment_passed": 5,
    "plan_course": 10,
    "course_rated": 2,
    "event_attended": 10,
}


def award_karma(
    session: Session,
    *,
    person_id: int,
    reason: str,
    object_key: str,
    points: int,
    note: str,
    at: datetime,
    in_plan: bool = False,
) -> bool:
    """Give points once per (person, reason, object), whatever retries happen; credit them to campaigns."""
    row = {**_karma_row(person_id, reason, object_key, points, note, at), "in_plan": in_plan}
    if not repo.insert_karma(session, row):
        return False
    _credit_karma(session, person_id, reason, object_key, points, note, at)
    return True


def _karma_row(person_id: int, reason: str, object_key: str, points: int, note: str, at: datetime) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "reason": reason,
        "object_key": object_key,
        "points": points,
        "note": note[:300],
        "at": at,
        "month": at.astimezone(IST).strftime("%Y-%m"),
        "in_plan": False,
    }


def _record(pid: int, reason: str, obj: str, points: int, note: str, at: datetime) -> RecordIn:
    return RecordIn(
        source_key=f"karma:{pid}:{reason}:{obj}"[:120],
        person_id=pid,
        kind="karma",
        occurred_at=at,
        karma=points,
        label=note[:200],
    )


def _credit_karma(session: Session, pid: int, reason: str, obj: str, points: int, note: str, at: datetime) -> None:
    campaign_ledger.ingest_soon(session, [_record(pid, reason, obj, points, note, at)])


def records_between(session: Session, start: datetime, end: datetime) -> Iterator[RecordIn]:
    """The campaign records of every karma entry earned in [start, end], ordered by person (the source that
    campaign recompute and check rebuild karma from)."""
    for pid, reason, obj, points, note, at in repo.karma_between(session, start, end):
        yield _record(pid, reason, obj, points, note, at)


def karma_for_completion(session: Session, event: signals.CourseCompleted) -> None:
    """5 points a course (+5 if its assessment was passed); outside the plan, only up to the monthly cap.

    Inside a signals batch the batch's completions are awarded together at its end (after the plan items the
    plans domain announces for them), with the same result as one by one in order.
    """
    signals.collect(session, "recognition.completions", [event], _award_completions)


def _award_completions(session: Session, events: list[signals.CourseCompleted]) -> None:
    """Completions' karma in order: one query for their plan entries and earlier awards, one for the monthly
    counts, one insert; each completion sees the awards of the ones before it, as if awarded one at a time."""
    if not events:
        return
    objs = [(e.person_id, f"course:{e.course_id}") for e in events]
    keys = repo.karma_keys(session, objs, ("plan_course", "course_completed"))
    months = [e.completed_at.astimezone(IST).strftime("%Y-%m") for e in events]
    outside = [i for i, (pid, obj) in enumerate(objs) if (pid, "plan_course", obj) not in keys]
    caps = dict(
        zip(outside, campaigns.karma_monthly_caps(session, [events[i].completed_at for i in outside]), strict=True)
    )
    paid = repo.paid_outside_plan_many(session, [(objs[i][0], months[i]) for i in outside])
    rows: dict[tuple[int, str, str], dict[str, Any]] = {}
    for i, event in enumerate(events):
        pid, obj = objs[i]
        in_plan = i not in caps
        points, note = KARMA_POINTS["course_completed"], N_("Course completed")
        if in_plan:
            note = N_("Course from your learning plan completed")
        elif paid.get((pid, months[i]), 0) >= caps[i]:
            points, note = (
                0,
                N_("Course completed; the monthly limit of {limit} courses outside your plan was reached").format(
                    limit=caps[i]
                ),
            )
        elif (pid, "course_completed", obj) not in keys:
            paid[(pid, months[i])] = paid.get((pid, months[i]), 0) + 1
        award = [("course_completed", points, note)]
        if event.assessment_passed:
            bonus = KARMA_POINTS["assessment_passed"] if points else 0
            award.append(("assessment_passed", bonus, "Course assessment passed"))
        for reason, pts, text in award:
            row = {**_karma_row(pid, reason, obj, pts, text, event.completed_at), "in_plan": in_plan}
            rows.setdefault((pid, reason, obj), row)
    inserted = repo.insert_karma_many(session, [rows[key] for key in sorted(rows)])
    for key in sorted(inserted):
        r = rows[key]
        _credit_karma(session, r["person_id"], r["reason"], r["object_key"], r["points"], r["note"], r["at"])


def karma_for_assessment(session: Session, event: signals.AssessmentPassed) -> None:
    """+5 when a completed course's assessment is passed afterwards, as if passed at completion: only if the
    completion itself earned points (not held back by the monthly cap; a plan course lifts both later)."""
    obj = f"course:{event.course_id}"
    completed = repo.karma_entry(session, event.person_id, "course_completed", obj)
    if completed is None:  # its completion's karma is awarded with the pass at the end of the batch
        return
    points = KARMA_POINTS["assessment_passed"] if completed.points else 0
    award_karma(
        session,
        person_id=event.person_id,
        reason="assessment_passed",
        object_key=obj,
        points=points,
        note=N_("Course assessment passed"),
        at=event.at,
        in_plan=completed.in_plan,
    )


def plan_points(deadline: datetime | None, completed_at: datetime) -> int:
    """10 on time; late: 10 − (whole months late + 1), never below zero."""
    if deadline is None or completed_at <= deadline:
        return KARMA_POINTS["plan_course"]
    d, c = deadline.astimezone(IST), completed_at.astimezone(IST)
    months = (c.year - d.year) * 12 + (c.month - d.month)
    if (c.day, c.time()) < (d.day, d.time()):
        months -= 1
    return max(0, KARMA_POINTS["plan_course"] - (months + 1))


def karma_for_plan_item(session: Session, event: signals.PlanItemCompleted) -> None:
    """+10 for a plan course done by its deadline (less when late); its completion no longer counts to the cap."""
    obj = f"course:{event.course_id}"
    points = plan_points(event.deadline, event.completed_at)
    on_time = points == KARMA_POINTS["plan_course"]
    award_karma(
        session,
        person_id=event.person_id,
        reason="plan_course",
        object_key=obj,
        points=points,
        note=N_("Learning-plan course completed")
        if on_time
        else N_("Learning-plan course completed after its deadline"),
        at=event.completed_at,
        in_plan=True,
    )
    for reason in ("course_completed", "assessment_passed"):
        entry = repo.karma_entry(session, event.person_id, reason, obj)
        if entry is not None and not entry.in_plan:
            entry.in_plan = True
            if entry.points == 0:  # held back by the monthly cap, which plan courses do not count against
                entry.points, entry.note = KARMA_POINTS[reason], "Course from your learning plan completed"
                _credit_karma(session, entry.person_id, reason, obj, entry.points, entry.note, entry.at)
            session.flush()


def karma_once(session: Session, person_id: int, reason: str, object_key: str, note: str, at: datetime) -> None:
    """A fixed award (sign-in, enrolment, rating, attendance)."""
    points = KARMA_POINTS[reason]
    award_karma(session, person_id=person_id, reason=reason, object_key=object_key, points=points, note=note, at=at)


def karma_once_soon(session: Session, person_id: int, reason: str, object_key: str, note: str, at: datetime) -> None:
    """`karma_once` now, or at the end of the caller's `signals.batch` with the batch's other fixed awards:
    one insert for all of them (the first award of a key in the batch counts) instead of one per event."""
    row = _karma_row(person_id, reason, object_key, KARMA_POINTS[reason], note, at)
    signals.collect(session, "recognition.karma_once", [row], _award_rows)


def _award_rows(session: Session, queued: list[dict[str, Any]]) -> None:
    first: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in queued:
        first.setdefault((row["person_id"], row["reason"], row["object_key"]), row)
    rows = [first[key] for key in sorted(first)]  # one lock order for concurrent batches
    inserted = repo.insert_karma_many(session, rows)
    for r in rows:
        if (r["person_id"], r["reason"], r["object_key"]) in inserted:
            _credit_karma(session, r["person_id"], r["reason"], r["object_key"], r["points"], r["note"], r["at"])


def karma_for_discussion(session: Session, event: signals.DiscussionPosted) -> None:
    """Taking part in discussions earns karma only where a running campaign's rules say so (off by default), once
    per person and IST day however much they post; never learning minutes."""
    from saptah.directory import service as directory

    person = directory.repo.get_person(session, event.person_id)
    org = directory.repo.get_org(session, person.org_id) if person is not None else None
    if org is None:
        return
    points = campaigns.discussion_karma(session, event.at, org.path)
    if points <= 0:
        return
    day = event.at.astimezone(IST).date().isoformat()
    note = "Took part in discussions"
    award_karma(session, person_id=event.person_id, reason="discussion", object_key=f"day:{day}", points=points,
                note=note, at=event.at)  # fmt: skip


def karma_of(session: Session, person_id: int) -> tuple[int, list[KarmaEntry]]:
    """A person's karma total and latest entries."""
    return repo.karma_of(session, person_id)


FIXED_REASONS = ("first_sign_in", "first_enrolment", "course_rated", "event_attended", "course_completed")
FIXED = {reason: KARMA_POINTS[reason] for reason in (*FIXED_REASONS, "assessment_passed")}  # 0 under the cap


def audit(session: Session, rules: Any, now: datetime) -> Iterator[str]:
    """`saptah check`: karma in the campaign window that breaks its rules (a fixed award off its scale; more
    completions outside a plan paid in a month than the monthly cap allowed when the last of them was paid)."""
    start, end = rules.window_start, rules.window_end
    for pid, reason, obj, points in repo.karma_off_scale(session, start, end, FIXED):
        what = f"{reason.replace('_', ' ')} {obj}".strip()
        yield f"Person {pid}: {what} earned {points} karma points; the rule gives {FIXED[reason]}."
    rows = repo.paid_outside_plan_between(session, start, end)
    caps = campaigns.karma_monthly_caps(session, [row[3] for row in rows])
    for (pid, month, paid, _at), cap in zip(rows, caps, strict=True):
        if paid > cap:
            yield (
                f"Person {pid}: {paid} completions outside their plan earned karma in {month}; the monthly cap "
                f"allowed {cap}."
            )
