"""JSON routes of the catalogue: search, a course, enrolment, rating, completions, competencies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from saptah.catalog import learning, service
from saptah.catalog import repository as repo
from saptah.catalog.repository import CourseFilter
from saptah.catalog.schemas import (
    BulkEnrolIn,
    CompletionOut,
    CourseOut,
    CoursePage,
    EnrolmentOut,
    RatingIn,
    ShortCompletionOut,
    TimeOnTaskOut,
)
from saptah.web.deps import DB, CurrentPrincipal, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/courses", response_model=CoursePage)
def search(
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=200)] = None,
    competency: Annotated[int | None, Query()] = None,
    provider: Annotated[int | None, Query()] = None,
    language: Annotated[str | None, Query(max_length=5)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    min_minutes: Annotated[int | None, Query(ge=0)] = None,
    max_minutes: Annotated[int | None, Query(ge=1)] = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CoursePage:
    """Search the live catalogue."""
    f = CourseFilter(q, competency, provider, language, category, min_minutes, max_minutes)
    total, rows = service.search(db, f, page=page, size=size)
    return CoursePage(total=total, page=page, size=size, items=[CourseOut.model_validate(c) for c in rows])


@router.get("/courses/picker")
def picker(db: DB, principal: CurrentPrincipal, q: Annotated[str, Query(max_length=100)] = "") -> list[dict[str, Any]]:
    """Live courses matching what was typed (title words or the start of the code), for the course picker."""
    return service.pick(db, q)


@router.get("/courses/{course_id}", response_model=CourseOut)
def course(db: DB, principal: CurrentPrincipal, course_id: int) -> CourseOut:
    """One course."""
    return CourseOut.model_validate(service.visible_course(db, principal, course_id))


@router.post("/courses/{course_id}/enrolments", response_model=EnrolmentOut, status_code=201)
def enrol(db: DB, principal: CurrentPrincipal, course_id: int) -> EnrolmentOut:
    """Enrol yourself (enrolling twice changes nothing)."""
    course = service.visible_course(db, principal, course_id)
    return EnrolmentOut.model_validate(service.enrol(db, person_id=principal.person_id, course_id=course.id))


@router.post("/courses/{course_id}/enrolments/bulk")
def enrol_bulk(db: DB, principal: CurrentPrincipal, course_id: int, body: BulkEnrolIn) -> dict[str, Any]:
    """An admin enrols people of their organisation by e-mail."""
    course = service.visible_course(db, principal, course_id)
    return service.enrol_many(db, principal=principal, course_id=course.id, emails=body.emails)


@router.put("/courses/{course_id}/rating")
def rate(db: DB, principal: CurrentPrincipal, course_id: int, body: RatingIn) -> dict[str, Any]:
    """Rate a course 1-5 stars (changeable)."""
    course = service.visible_course(db, principal, course_id)
    r = service.rate(db, person_id=principal.person_id, course_id=course.id, stars=body.stars, review=body.review)
    return {"course_id": r.course_id, "stars": r.stars, "review": r.review}


@router.get("/me/completions", response_model=list[CompletionOut])
def my_completions(db: DB, principal: CurrentPrincipal) -> list[CompletionOut]:
    """Your completed courses."""
    ids = [e.course_id for e in repo.enrolments_of(db, principal.person_id)]
    out = []
    for cid in ids:
        done = repo.get_completion(db, principal.person_id, cid)
        if done is not None:
            out.append(CompletionOut.model_validate(done))
    return out


@router.get("/courses/{course_id}/time-on-task", response_model=TimeOnTaskOut)
def time_on_task(db: DB, principal: CurrentPrincipal, settings: SettingsDep, course_id: int) -> TimeOnTaskOut:
    """For the course's provider and national organisers: its completions in the Saptah player whose time on task
    was under the share of the declared duration each module requires."""
    rules = learning.time_rules(settings)
    course, total, rows = service.short_completions(db, principal=principal, course_id=course_id, rules=rules)
    return TimeOnTaskOut(
        course_id=course.id,
        declared_minutes=course.duration_minutes,
        required_share=rules.module_share,
        completions=total,
        short=[ShortCompletionOut.model_validate(r) for r in rows],
    )


@router.get("/competencies")
def competencies(db: DB, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The competency dictionary."""
    return [
        {"id": c.id, "code": c.code, "area": c.area, "theme": c.theme, "sub_theme": c.sub_theme}
        for c in repo.competencies(db)
    ]


@router.get("/programs/{collection_id}")
def program(db: DB, principal: CurrentPrincipal, collection_id: int) -> dict[str, Any]:
    """A program's courses and your progress by its rule."""
    info = service.program_progress(db, person_id=principal.person_id, collection_id=collection_id)
    return {
        "code": info.program.code,
        "course_ids": [c.id for c in info.courses],
        "completed_course_ids": sorted(info.done),
        "needed": info.needed,
        "complete": info.complete,
    }
