"""Learning progress: the native course player (modules, resume, time in use, the assessment) and xAPI statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.catalog import repository as repo
from saptah.catalog import service
from saptah.catalog.models import AssessmentAttempt, Course, CourseModule, Enrolment, LaunchKind, ModuleProgress
from saptah.catalog.service import VERB_COMPLETED, VERB_FAILED, VERB_PASSED
from saptah.catalog.time_on_task import (
    PLAYBACK_SPEED,
    ModuleNeed,
    TimeRules,
    add_watched,
    declared_minutes,
    need,
    parse_intervals,
    plays_inline,
)
from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.core.text import Message

MAX_PING_SECONDS = 60  # the page reports at most once a minute; more is not believed


def time_rules(settings: Settings) -> TimeRules:
    """The time-on-task shares the settings require."""
    return TimeRules(module_share=settings.module_min_share, video_share=settings.video_min_share)


@dataclass
class PlayerState:
    """Everything the player page shows for one learner and course."""

    course: Course
    enrolment: Enrolment
    modules: list[CourseModule]
    done: set[int]
    current: CourseModule | None
    attempts: list[AssessmentAttempt]
    completed_at: datetime | None
    assessment: dict[str, Any] | None = None
    attempts_left: int = 0
    passed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    needs: dict[int, ModuleNeed] = field(default_factory=dict)  # each module's time on task and what is left

    @property
    def all_modules_done(self) -> bool:
        """True when every module is marked done."""
        return all(m.id in self.done for m in self.modules)


def _enrolment(session: Session, person_id: int, course: Course) -> Enrolment:
    enrolment = repo.get_enrolment(session, person_id, course.id)
    if enrolment is None:
        raise Conflict("Enrol in this course first.")
    return enrolment


def _native(session: Session, course_id: int) -> Course:
    course = service.get_course(session, course_id)
    if course.launch_kind != LaunchKind.NATIVE.value:
        raise Conflict("This course is taken on the provider's site, not in the Saptah player.")
    return course


def state(
    session: Session,
    *,
    person_id: int,
    course_id: int,
    module_id: int | None = None,
    rules: TimeRules = TimeRules(),
    record: bool = True,
) -> PlayerState:
    """The learner's place in a native course; opening a module records it as the resume point (not when the page
    is only fetched ahead to be read offline: `record=False`)."""
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    modules = repo.modules_of(session, course.id)
    progress = repo.module_progress(session, person_id, course.id)
    done = {mid for mid, p in progress.items() if p.done_at is not None}
    current = _pick(modules, done, module_id if module_id is not None else enrolment.last_module_id)
    if module_id is not None and (current is None or current.id != module_id):
        raise NotFound("This course has no such module.")
    if record and current is not None and current.id not in progress:
        repo.add(session, ModuleProgress(person_id=person_id, course_id=course.id, module_id=current.id))
    if record and current is not None:
        enrolment.last_module_id = current.id
    attempts = repo.attempts(session, person_id, course.id)
    completion = repo.get_completion(session, person_id, course.id)
    assessment = course.assessment
    max_attempts = int(assessment["max_attempts"]) if assessment else 0
    return PlayerState(
        course=course,
        enrolment=enrolment,
        modules=modules,
        done=done,
        current=current,
        attempts=attempts,
        completed_at=completion.completed_at if completion else None,
        assessment=assessment,
        attempts_left=max(0, max_attempts - len(attempts)),
        passed=any(a.passed for a in attempts),
        needs=needs_of(course, modules, progress, rules),
    )


# How many of a learner's native courses (the most recently active first) are kept on the device to read offline.
OFFLINE_COURSES = 5


def offline_pages(session: Session, *, person_id: int, courses: int = OFFLINE_COURSES) -> list[str]:
    """The player pages of the native courses a learner is enrolled in and has not finished (each course's page
    and every module's), which the service worker fetches ahead so that learning can go on without a connection."""
    enrolments = [e for e in repo.enrolments_of(session, person_id) if e.progress_percent < 100]
    enrolments.sort(key=lambda e: e.last_active_at or e.enrolled_at, reverse=True)
    found = repo.courses_by_ids(session, [e.course_id for e in enrolments])
    urls: list[str] = []
    taken = 0
    for e in enrolments:
        course = found.get(e.course_id)
        if course is None or course.launch_kind != LaunchKind.NATIVE.value:
            continue
        urls.append(f"/learn/{course.id}")
        urls.extend(f"/learn/{course.id}?module={m.id}" for m in repo.modules_of(session, course.id))
        taken += 1
        if taken >= courses:
            break
    return urls


def needs_of(
    course: Course, modules: list[CourseModule], progress: dict[int, ModuleProgress], rules: TimeRules
) -> dict[int, ModuleNeed]:
    """Each module's time on task against what it declares."""
    minutes = declared_minutes([m.minutes for m in modules], course.duration_minutes)
    out = {}
    for m, declared in zip(modules, minutes, strict=True):
        row = progress.get(m.id)
        watched = [(a, b) for a, b in (row.watched or [])] if row is not None else []
        spent = (row.seconds_in_use or 0) if row is not None else 0
        out[m.id] = need(
            rules,
            declared_minutes=declared,
            spent_seconds=spent,
            watched=watched,
            inline_video=plays_inline(m.kind, m.url),
        )
    return out


def _pick(modules: list[CourseModule], done: set[int], wanted: int | None) -> CourseModule | None:
    by_id = {m.id: m for m in modules}
    if wanted is not None and wanted in by_id:
        return by_id[wanted]
    return next((m for m in modules if m.id not in done), modules[-1] if modules else None)


def ping(
    session: Session,
    *,
    person_id: int,
    course_id: int,
    module_id: int,
    seconds: int,
    watched: str = "",
    rules: TimeRules = TimeRules(),
    now: datetime | None = None,
    at: datetime | None = None,
) -> ModuleNeed:
    """Add the seconds the page was visible (and an inline video's watched ranges); returns the module's standing.

    No more is believed than the time that passed: the enrolment's `last_active_at` is the moment up to which time
    was credited, so pings sent faster, or from two tabs, share one clock (at most a minute before the first).
    `at` is when a ping kept on the device while offline was made: it is judged by the same rule as a live ping
    at that moment (never later than now, never before the last counted activity).
    """
    if not 0 < seconds <= 3600:
        raise InvalidInput("seconds must be between 1 and 3600.")
    try:
        reported = parse_intervals(watched)
    except ValueError as exc:
        raise InvalidInput("watched: {problem}", problem=str(exc)) from exc
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    module = _module_of(session, course, module_id)
    now = now or utcnow()
    if at is not None:
        now = max(min(at, now), enrolment.last_active_at or at)
    start = now - timedelta(seconds=MAX_PING_SECONDS)
    if enrolment.last_active_at is not None and enrolment.last_active_at > start:
        start = min(enrolment.last_active_at, now)
    credited = min(seconds, int((now - start).total_seconds()))
    progress = repo.module_progress(session, person_id, course.id)
    row = progress.get(module.id)
    if row is None:
        row = ModuleProgress(person_id=person_id, course_id=course.id, module_id=module.id, seconds_in_use=0)
        repo.add(session, row)
        progress[module.id] = row
    row.seconds_in_use = (row.seconds_in_use or 0) + credited
    enrolment.seconds_in_use += credited
    enrolment.last_active_at = start + timedelta(seconds=credited)
    modules = repo.modules_of(session, course.id)
    if reported and plays_inline(module.kind, module.url):
        length = declared_minutes([m.minutes for m in modules], course.duration_minutes)[modules.index(module)] * 60
        old = [(a, b) for a, b in (row.watched or [])]
        row.watched = [[a, b] for a, b in add_watched(old, reported, length=length, budget=credited * PLAYBACK_SPEED)]
    session.flush()
    return needs_of(course, modules, progress, rules)[module.id]


def _module_of(session: Session, course: Course, module_id: int) -> CourseModule:
    module = repo.get_module(session, module_id)
    if module is None or module.course_id != course.id:
        raise NotFound("This course has no such module.")
    return module


class NotYet(Conflict):
    """A module marked done before enough time was spent on it (or enough of its video watched)."""

    def __init__(self, standing: ModuleNeed) -> None:
        super().__init__(Message("Not yet: {message}", message=standing.message()))
        self.standing = standing


def mark_done(
    session: Session,
    *,
    person_id: int,
    course_id: int,
    module_id: int,
    rules: TimeRules = TimeRules(),
    by_scorm: bool = False,
) -> PlayerState:
    """Mark a module done once its time on task suffices, update progress, and complete the course when its rule is
    met; refused (NotYet, with what is left) before then. A SCORM module is done only when its run-time says every
    SCO is satisfied (`by_scorm`), never by the button."""
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    module = _module_of(session, course, module_id)
    if module.kind == "scorm" and not by_scorm:
        raise Conflict("This module is done when its SCORM lesson reports that you completed it.")
    progress = repo.module_progress(session, person_id, course.id)
    row = progress.get(module.id)
    if row is None or row.done_at is None:
        standing = needs_of(course, repo.modules_of(session, course.id), progress, rules)[module.id]
        if not standing.ready:
            raise NotYet(standing)
    if row is None:
        row = ModuleProgress(person_id=person_id, course_id=course.id, module_id=module.id)
        repo.add(session, row)
    if row.done_at is None:
        row.done_at = utcnow()
    nxt = _next_module(repo.modules_of(session, course.id), module)
    enrolment.last_module_id = nxt.id if nxt else module.id
    session.flush()
    _update_progress(session, person_id, course, rules)
    return state(session, person_id=person_id, course_id=course.id, rules=rules)


def _next_module(modules: list[CourseModule], module: CourseModule) -> CourseModule | None:
    return next((m for m in modules if m.position > module.position), None)


def _update_progress(session: Session, person_id: int, course: Course, rules: TimeRules) -> None:
    """Progress, and the completion once every module was really taken (its time on task suffices) and the
    assessment, if any, passed: only then does the course credit its declared duration."""
    modules = repo.modules_of(session, course.id)
    progress = repo.module_progress(session, person_id, course.id)
    needs = needs_of(course, modules, progress, rules)
    done = sum(1 for m in modules if progress.get(m.id) and progress[m.id].done_at and needs[m.id].ready)
    passed = any(a.passed for a in repo.attempts(session, person_id, course.id))
    steps = len(modules) + (1 if course.assessment else 0)
    finished = done + (1 if course.assessment and passed else 0)
    enrolment = _enrolment(session, person_id, course)
    if steps and finished >= steps:
        service.complete_course(
            session, person_id=person_id, course_id=course.id, at=utcnow(), source="native", assessment_passed=passed
        )
    elif steps:
        enrolment.progress_percent = max(enrolment.progress_percent, min(99, int(100 * finished / steps)))
    session.flush()


def submit_assessment(
    session: Session, *, person_id: int, course_id: int, answers: list[int | None], rules: TimeRules = TimeRules()
) -> AssessmentAttempt:
    """Score an attempt; refuses when modules are unfinished, the test is passed, or attempts have run out."""
    course = _native(session, course_id)
    _enrolment(session, person_id, course)
    test = course.assessment
    if not test:
        raise NotFound("This course has no assessment.")
    questions = test["questions"]
    if len(answers) != len(questions):
        raise InvalidInput("Answer all {count} questions.", count=len(questions))
    st = state(session, person_id=person_id, course_id=course.id, rules=rules)
    if not st.all_modules_done:
        raise Conflict("Finish every module before taking the assessment.")
    if st.passed:
        raise Conflict("You have already passed this assessment.")
    if st.attempts_left <= 0:
        raise Conflict(
            "You have used all {max_attempts} attempts at this assessment.", max_attempts=test["max_attempts"]
        )
    right = sum(1 for q, a in zip(questions, answers, strict=True) if a is not None and a == q["answer"])
    score = round(100 * right / len(questions))
    attempt = AssessmentAttempt(
        person_id=person_id,
        course_id=course.id,
        attempt_no=len(st.attempts) + 1,
        score_percent=score,
        passed=score >= int(test["pass_mark"]),
        answers=list(answers),
    )
    repo.add(session, attempt)
    _update_progress(session, person_id, course, rules)
    return attempt


# xAPI statements (the LRS publishes LearningStatements once per stored batch)

AU = dict[str, object]


def on_learning_statement(session: Session, event: signals.LearningStatement) -> None:
    """One statement: the same rules as a batch of one."""
    on_learning_statements(session, signals.LearningStatements((event,)))


def on_learning_statements(session: Session, batch: signals.LearningStatements) -> None:
    """Map a batch of xAPI statements to courses: completion by each course's rule, else progress.

    Set-based: one query each for the batch's courses and completions; the enrolments to update are read
    (locked, in id order) and written in one statement each, new learners' enrolments are one insert, and the
    batch's completions go through the completion service together. A (person, course) pair's statements are
    folded in order, as one statement at a time would: progress until its first completion, nothing after.
    cmi5 AUs are satisfied one by one. Items arrive grouped by (person, activity).
    """
    found = _courses_for(session, {e.activity_id for e in batch.items})
    groups: dict[tuple[int, int], list[tuple[signals.LearningStatement, Course, AU | None]]] = {}
    for event in batch.items:
        if event.activity_id in found:
            course, au = found[event.activity_id]
            groups.setdefault((event.person_id, course.id), []).append((event, course, au))
    if not groups:
        return
    completed = repo.completed_of(session, list(groups))
    plain = {pair: items for pair, items in groups.items() if all(au is None for _e, _c, au in items)}
    stored = repo.progress_for_update(session, [pair for pair in plain if pair not in completed])
    changed: list[repo.Progress] = []
    new_rows: list[dict[str, Any]] = []
    completions: list[service.CompletionIn] = []
    refused: list[tuple[int, int, datetime]] = []
    for pair, items in plain.items():
        events = [e for e, _c, _au in items]
        first = next((i for i, e in enumerate(events) if _statement_completes(e, None)), None)
        if first is not None and items[0][1].launch_kind == LaunchKind.NATIVE:
            # Saptah plays a native course and judges its time on task: a provider's word does not complete it
            refused.append((pair[0], pair[1], events[first].at))
            events, first = [e for e in events if not _statement_completes(e, None)], None
        if first is not None:
            completions.append(_completion(pair[0], items[0][1], events[first:]))
        if pair in completed:
            continue  # progress after completion changes nothing; a completion only records a passed assessment
        before = events if first is None else events[:first]
        if pair in stored:
            row = _folded(stored[pair], before, done=first is not None)
            if row != stored[pair]:
                changed.append(row)
        else:
            new_rows.append(_new_enrolment(pair, items[0][0].at, before, done=first is not None))
    repo.write_progress(session, changed)
    _insert_enrolments(session, new_rows)
    repo.refuse_xapi_completions(session, refused)
    service.complete_courses(session, completions, source="xapi")
    for pair, items in groups.items():
        if pair not in plain:
            for event, course, au in items:  # cmi5: AUs are satisfied one by one, in order
                _one_statement(session, course, event, au)
    session.flush()


def _completion(person_id: int, course: Course, events: list[signals.LearningStatement]) -> service.CompletionIn:
    """A pair's completion from its statements from the first completing one on."""
    done = [e for e in events if _statement_completes(e, None)]
    return service.CompletionIn(
        person_id=person_id,
        course=course,
        at=done[0].at,
        assessment_passed=_passed(done[0]),
        passed_later=any(_passed(e) for e in done[1:]),
    )


def _passed(event: signals.LearningStatement) -> bool:
    return bool(event.success) or event.verb == VERB_PASSED


def _folded(stored: repo.Progress, events: list[signals.LearningStatement], *, done: bool) -> repo.Progress:
    """An enrolment's progress after these statements (100 when the pair completes)."""
    progress, last = stored.progress_percent, stored.last_active_at
    for event in events:
        if event.progress is not None:
            progress = max(progress, min(99, int(event.progress)))
        last = max(last or event.at, event.at)
    return repo.Progress(stored.id, 100 if done else progress, last)


def _courses_for(session: Session, activity_ids: set[str]) -> dict[str, tuple[Course, AU | None]]:
    """The course (and cmi5 AU, if the IRI is one) of each activity IRI that belongs to one."""
    out: dict[str, tuple[Course, AU | None]] = {
        iri: (course, None) for iri, course in repo.courses_by_activities(session, list(activity_ids)).items()
    }
    missing = activity_ids - set(out)
    if missing:
        for candidate in repo.cmi5_courses(session):
            for au in candidate.cmi5_aus or []:
                if au.get("id") in missing:
                    out.setdefault(str(au.get("id")), (candidate, au))
    return out


def _new_enrolment(
    pair: tuple[int, int], first_at: datetime, events: list[signals.LearningStatement], *, done: bool
) -> dict[str, Any]:
    """A new learner's enrolment row: enrolled by their first statement, with these statements' progress (100 when
    the pair completes; no activity yet when its first statement completes it)."""
    progress = [min(99, int(e.progress)) for e in events if e.progress is not None]
    return {
        "person_id": pair[0],
        "course_id": pair[1],
        "enrolled_at": min(first_at, utcnow()),
        "progress_percent": 100 if done else max([0, *progress]),
        "seconds_in_use": 0,
        "last_active_at": max((e.at for e in events), default=None),
    }


def _insert_enrolments(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new enrolments at once and announce each once; one a concurrent batch stored first gets the progress."""
    added = repo.insert_enrolments(session, rows)
    for row in rows:
        pair = (row["person_id"], row["course_id"])
        if pair in added:
            signals.publish(session, signals.CourseEnrolled(pair[0], pair[1], row["enrolled_at"]))
            continue
        enrolment = repo.get_enrolment(session, *pair)
        if enrolment is not None:
            enrolment.progress_percent = max(enrolment.progress_percent, row["progress_percent"])
            if row["last_active_at"] is not None:
                last = row["last_active_at"]
                enrolment.last_active_at = max(enrolment.last_active_at or last, last)


def _one_statement(session: Session, course: Course, event: signals.LearningStatement, au: AU | None) -> None:
    if _statement_completes(event, au):
        if au is not None and not _all_aus_satisfied(session, course, event, au):
            _record_progress(session, course, event, au)
            return
        service.complete_course(
            session,
            person_id=event.person_id,
            course_id=course.id,
            at=event.at,
            source="xapi",
            assessment_passed=_passed(event),
        )
        return
    _record_progress(session, course, event, au)


def _statement_completes(event: signals.LearningStatement, au: AU | None) -> bool:
    move_on = str((au or {}).get("moveOn") or "CompletedOrPassed")
    completed = event.verb == VERB_COMPLETED or event.completion is True
    passed = event.verb == VERB_PASSED or (event.success is True and event.verb != VERB_FAILED)
    mastery = (au or {}).get("masteryScore")
    if passed and isinstance(mastery, int | float) and event.scaled_score is not None:
        passed = event.scaled_score >= float(mastery)
    return {
        "Completed": completed,
        "Passed": passed,
        "CompletedAndPassed": completed and passed,
        "CompletedOrPassed": completed or passed,
        "NotApplicable": True,
    }.get(move_on, completed or passed)


def _all_aus_satisfied(session: Session, course: Course, event: signals.LearningStatement, au: AU) -> bool:
    """A cmi5 course completes when every AU is satisfied; satisfied AUs are remembered on the enrolment."""
    enrolment = _enrolment_for_progress(session, course, event)
    aus = [str(a.get("id")) for a in course.cmi5_aus or []]
    done = set(enrolment.satisfied_aus or []) | {str(au.get("id"))}
    enrolment.satisfied_aus = sorted(done)
    enrolment.progress_percent = min(99, int(100 * len(done & set(aus)) / max(1, len(aus))))
    session.flush()
    return set(aus) <= done


def _enrolment_for_progress(session: Session, course: Course, event: signals.LearningStatement) -> Enrolment:
    enrolment = repo.get_enrolment(session, event.person_id, course.id)
    if enrolment is None:
        enrolment = service.enrol_quietly(session, person_id=event.person_id, course=course, at=event.at)
    return enrolment


def _record_progress(session: Session, course: Course, event: signals.LearningStatement, au: AU | None) -> None:
    if repo.get_completion(session, event.person_id, course.id) is not None:
        return
    enrolment = _enrolment_for_progress(session, course, event)
    if event.progress is not None and au is None:
        enrolment.progress_percent = max(enrolment.progress_percent, min(99, int(event.progress)))
    enrolment.last_active_at = max(enrolment.last_active_at or event.at, event.at)
    session.flush()
