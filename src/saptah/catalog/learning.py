"""The native course player's rules: modules, resume, time in use, the assessment and completion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.catalog import repository as repo
from saptah.catalog import service
from saptah.catalog.models import AssessmentAttempt, Course, CourseModule, Enrolment, LaunchKind, ModuleProgress
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound

MAX_PING_SECONDS = 60  # the page reports at most once a minute; more is not believed


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


def state(session: Session, *, person_id: int, course_id: int, module_id: int | None = None) -> PlayerState:
    """The learner's place in a native course; opening a module records it as the resume point."""
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    modules = repo.modules_of(session, course.id)
    progress = repo.module_progress(session, person_id, course.id)
    done = {mid for mid, p in progress.items() if p.done_at is not None}
    current = _pick(modules, done, module_id if module_id is not None else enrolment.last_module_id)
    if module_id is not None and (current is None or current.id != module_id):
        raise NotFound("This course has no such module.")
    if current is not None and current.id not in progress:
        repo.add(session, ModuleProgress(person_id=person_id, course_id=course.id, module_id=current.id))
    if current is not None:
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
    )


def _pick(modules: list[CourseModule], done: set[int], wanted: int | None) -> CourseModule | None:
    by_id = {m.id: m for m in modules}
    if wanted is not None and wanted in by_id:
        return by_id[wanted]
    return next((m for m in modules if m.id not in done), modules[-1] if modules else None)


def ping(session: Session, *, person_id: int, course_id: int, module_id: int, seconds: int) -> int:
    """Add the seconds the page was open and in use; returns the module's total."""
    if not 0 < seconds <= 3600:
        raise InvalidInput("seconds must be between 1 and 3600.")
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    module = _module_of(session, course, module_id)
    now = utcnow()
    allowed = MAX_PING_SECONDS
    if enrolment.last_active_at is not None:  # two tabs cannot count double: no more than the time that passed
        allowed = min(allowed, max(0, int((now - enrolment.last_active_at).total_seconds()) + 5))
    credited = min(seconds, allowed)
    row = repo.module_progress(session, person_id, course.id).get(module.id)
    if row is None:
        row = ModuleProgress(person_id=person_id, course_id=course.id, module_id=module.id, seconds_in_use=0)
        repo.add(session, row)
    row.seconds_in_use += credited
    enrolment.seconds_in_use += credited
    enrolment.last_active_at = now
    session.flush()
    return row.seconds_in_use


def _module_of(session: Session, course: Course, module_id: int) -> CourseModule:
    module = repo.get_module(session, module_id)
    if module is None or module.course_id != course.id:
        raise NotFound("This course has no such module.")
    return module


def mark_done(session: Session, *, person_id: int, course_id: int, module_id: int) -> PlayerState:
    """Mark a module done, update progress, and complete the course when its rule is met."""
    course = _native(session, course_id)
    enrolment = _enrolment(session, person_id, course)
    module = _module_of(session, course, module_id)
    row = repo.module_progress(session, person_id, course.id).get(module.id)
    if row is None:
        row = ModuleProgress(person_id=person_id, course_id=course.id, module_id=module.id)
        repo.add(session, row)
    if row.done_at is None:
        row.done_at = utcnow()
    nxt = _next_module(repo.modules_of(session, course.id), module)
    enrolment.last_module_id = nxt.id if nxt else module.id
    session.flush()
    _update_progress(session, person_id, course)
    return state(session, person_id=person_id, course_id=course.id)


def _next_module(modules: list[CourseModule], module: CourseModule) -> CourseModule | None:
    return next((m for m in modules if m.position > module.position), None)


def _update_progress(session: Session, person_id: int, course: Course) -> None:
    modules = repo.modules_of(session, course.id)
    progress = repo.module_progress(session, person_id, course.id)
    done = sum(1 for m in modules if progress.get(m.id) and progress[m.id].done_at)
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
    session: Session, *, person_id: int, course_id: int, answers: list[int | None]
) -> AssessmentAttempt:
    """Score an attempt; refuses when modules are unfinished, the test is passed, or attempts have run out."""
    course = _native(session, course_id)
    _enrolment(session, person_id, course)
    test = course.assessment
    if not test:
        raise NotFound("This course has no assessment.")
    questions = test["questions"]
    if len(answers) != len(questions):
        raise InvalidInput(f"Answer all {len(questions)} questions.")
    st = state(session, person_id=person_id, course_id=course.id)
    if not st.all_modules_done:
        raise Conflict("Finish every module before taking the assessment.")
    if st.passed:
        raise Conflict("You have already passed this assessment.")
    if st.attempts_left <= 0:
        raise Conflict(f"You have used all {test['max_attempts']} attempts at this assessment.")
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
    _update_progress(session, person_id, course)
    return attempt
