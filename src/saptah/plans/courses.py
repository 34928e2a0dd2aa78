"""The catalogue as plans see it: every read goes through saptah.catalog.service (one place to adapt)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, ScalarSelect, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from saptah.catalog import repository as catalog_repo
from saptah.catalog import service as catalog
from saptah.catalog.models import CourseCompletion, Enrolment
from saptah.core.errors import NotFound


@dataclass(frozen=True)
class CourseRef:
    """What a plan needs to know about a course."""

    id: int
    code: str
    title: str
    status: str


@dataclass(frozen=True)
class ProgramRef:
    """A program: its courses and how many of them complete it."""

    id: int
    code: str
    title: str
    course_ids: list[int]
    required: int


def _ref(course: object) -> CourseRef:
    return CourseRef(
        id=course.id,  # type: ignore[attr-defined]
        code=course.code,  # type: ignore[attr-defined]
        title=course.title_en,  # type: ignore[attr-defined]
        status=course.status,  # type: ignore[attr-defined]
    )


def course_by_code(session: Session, code: str) -> CourseRef | None:
    """A course by its code, or None."""
    try:
        return _ref(catalog.course_by_code(session, code.strip()))
    except NotFound:
        return None


def course(session: Session, course_id: int) -> CourseRef | None:
    """A course by id, or None."""
    try:
        return _ref(catalog.get_course(session, course_id))
    except NotFound:
        return None


def courses(session: Session, course_ids: Sequence[int]) -> dict[int, CourseRef]:
    """Courses by id."""
    # one query for all (the service reads one course at a time; its repository's batch read is used read-only)
    return {cid: _ref(c) for cid, c in catalog_repo.courses_by_ids(session, sorted(set(course_ids))).items()}


def program_by_code(session: Session, code: str) -> ProgramRef | None:
    """A program (collection) by code with its courses and completion rule, or None."""
    # the catalogue's service offers no program read yet; its repository's two look-ups are used read-only
    coll = catalog_repo.collection_by_code(session, code.strip())
    if coll is None:
        return None
    course_ids = catalog_repo.collection_course_ids(session, coll.id)
    required = coll.required_count if coll.rule == "n" and coll.required_count else len(course_ids)
    return ProgramRef(id=coll.id, code=coll.code, title=coll.title_en, course_ids=course_ids, required=required)


def completions(
    session: Session, *, person_ids: Sequence[int], course_ids: Sequence[int]
) -> dict[tuple[int, int], datetime]:
    """When each (person, course) was completed."""
    if not person_ids or not course_ids:
        return {}
    result: dict[tuple[int, int], datetime] = catalog.completions_for(
        session, person_ids=list(person_ids), course_ids=list(course_ids)
    )
    return result


def started(session: Session, *, person_ids: Sequence[int], course_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(person, course) pairs the person has begun but not completed."""
    if not person_ids or not course_ids:
        return set()
    progress = catalog.progress_for(session, person_ids=list(person_ids), course_ids=list(course_ids))
    return set(progress)  # enrolled (opened) counts as begun


def completed_at_column(
    person_id: ColumnElement[int] | InstrumentedAttribute[int], course_id: int
) -> ScalarSelect[datetime]:
    """SQL: when the person in the outer query completed this course (NULL: not completed).

    For the compliance stream: one correlated index probe per person and course keeps a 50,000-person export
    to one query whose cost follows the audience, not the size of the completions table.
    """
    c = CourseCompletion
    stmt = select(c.completed_at).where(c.person_id == person_id, c.course_id == course_id)
    return stmt.scalar_subquery()


def enrolled_column(person_id: ColumnElement[int] | InstrumentedAttribute[int], course_ids: Sequence[int]) -> Exists:
    """SQL: the person in the outer query has opened (is enrolled in) at least one of these courses."""
    e = Enrolment
    return exists().where(e.person_id == person_id, e.course_id.in_(list(course_ids)))
