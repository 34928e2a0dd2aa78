"""Catalogue background work: the xAPI subscription, menu entries, the home panel and the demo catalogue."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from saptah.catalog import importer
from saptah.catalog import repository as repo
from saptah.catalog.models import Collection, CollectionItem, Competency
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.directory.schemas import Principal
from saptah.web.i18n import N_

NAV_ENTRIES = [
    (N_("Courses"), "/courses", ()),
    (N_("My certificates"), "/my/certificates", ()),
    (N_("My courses"), "/catalog/mine", ("content_provider",)),
    (N_("Import courses"), "/catalog/import", ("content_provider", "national_organiser")),
    (N_("Upload SCORM"), "/catalog/scorm", ("content_provider", "national_organiser")),
    (N_("Competencies"), "/competencies", ("national_organiser",)),
    (N_("Certificates"), "/certificates/manage", ("mdo_admin", "mdo_leader", "national_organiser")),
]


def register() -> None:
    """Subscribe to LRS statements; add the menu entries and the home panel."""
    from saptah.catalog import learning
    from saptah.catalog import service as catalog
    from saptah.web.templating import HOME_PANELS, NAV

    signals.subscribe(signals.LearningStatement, learning.on_learning_statement)
    signals.subscribe(signals.LearningStatements, learning.on_learning_statements)
    signals.replay_from(signals.CourseCompleted, catalog.completions_between, repo.completion_rows)
    for entry in NAV_ENTRIES:
        if entry not in NAV:
            NAV.append(entry)
    if learning_panel not in HOME_PANELS:
        HOME_PANELS.append(learning_panel)


def learning_panel(
    session: Session, principal: Principal, settings: object = None
) -> tuple[str, dict[str, Any]] | None:
    """The home page's "Continue learning" card: courses in progress."""
    enrolments = [e for e in repo.enrolments_of(session, principal.person_id)[:20] if e.progress_percent < 100]
    courses = repo.courses_by_ids(session, [e.course_id for e in enrolments[:5]])
    items = [(courses[e.course_id], e) for e in enrolments[:5] if e.course_id in courses]
    return "catalog_panel.html", {"items": items}


def data_file(name: str) -> Any:
    """A shipped reference data file."""
    return json.loads(resources.files("saptah.catalog").joinpath(f"data/{name}").read_text("utf-8"))


def load_competencies(session: Session) -> int:
    """Add the shipped competency dictionary entries that are not stored yet."""
    rows = data_file("competencies.json")
    known = repo.competencies_by_codes(session, [r["code"] for r in rows])
    new = [Competency(**r) for r in rows if r["code"] not in known]
    repo.add(session, *new)
    return len(new)


def load_reference_catalogue(session: Session, *, base_url: str) -> int:
    """The MoHFW-circular courses and the programs (Karmayogi Prarambh); returns courses added."""
    load_competencies(session)
    rows = [{**r, "status": "live"} for r in data_file("reference_courses.json")]
    fresh = [r for r in rows if repo.course_by_code(session, r["code"]) is None]
    result = importer.import_courses(session, rows=fresh, actor=None, base_url=base_url) if fresh else None
    if result is not None and not result.ok:
        raise RuntimeError("; ".join(result.errors))
    _load_programs(session)
    return result.created if result else 0


def _load_programs(session: Session) -> None:
    for spec in data_file("programs.json"):
        if repo.collection_by_code(session, spec["code"]) is not None:
            continue
        coll = Collection(
            code=spec["code"],
            title_en=spec["title_en"],
            title_hi=spec.get("title_hi"),
            description=spec.get("description"),
            kind=spec.get("kind", "program"),
            rule=spec.get("rule", "all"),
            required_count=spec.get("required_count"),
        )
        repo.add(session, coll)
        for pos, code in enumerate(spec["courses"], start=1):
            course = repo.course_by_code(session, code)
            if course is not None:
                repo.add(session, CollectionItem(collection_id=coll.id, course_id=course.id, position=pos))


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """The reference catalogue, and some enrolments and completions by demo staff."""
    from saptah.config import Settings

    added = load_reference_catalogue(session, base_url=Settings().base_url)
    progress(added)
    _seed_learning(session, rng, people)


def _seed_learning(session: Session, rng: random.Random, people: int) -> None:
    from sqlalchemy import select

    from saptah.catalog import service
    from saptah.directory.models import Person

    courses = [c for c in repo.all_courses(session, ["live"]) if not c.code.startswith("GEN-")]
    staff = list(
        session.scalars(select(Person.id).where(~Person.email.like("%@saptah.demo")).order_by(Person.id).limit(people))
    )
    now = utcnow()
    for person_id in rng.sample(staff, k=len(staff) // 3):
        for course in rng.sample(courses, k=min(len(courses), rng.randint(1, 4))):
            service.enrol(session, person_id=person_id, course_id=course.id)
            if rng.random() < 0.6:
                at = now - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 600))
                if course.launch_kind == "native" and _took_modules(session, person_id, course, at):
                    passed = bool(course.assessment)
                    service.complete_course(
                        session,
                        person_id=person_id,
                        course_id=course.id,
                        at=at,
                        source="native",
                        assessment_passed=passed,
                    )
                    continue
                service.complete_course(session, person_id=person_id, course_id=course.id, at=at, source="bulk")


def _took_modules(session: Session, person_id: int, course: Any, at: Any) -> bool:
    """A demo learner's plausible time on each module of a native course (60-130 % of its declared minutes), ending
    at `at`, and a passed assessment if it has one; False when the course has no modules."""
    from saptah.catalog.models import AssessmentAttempt, ModuleProgress
    from saptah.catalog.time_on_task import declared_minutes

    modules = repo.modules_of(session, course.id)
    if not modules:
        return False
    timing = random.Random(
        person_id * 100_003 + course.id
    )  # its own stream: the demo's other choices stay as they were
    spent = [
        int(m * 60 * timing.uniform(0.6, 1.3))
        for m in declared_minutes([x.minutes for x in modules], course.duration_minutes)
    ]
    clock = at - timedelta(seconds=sum(spent) + 120)
    for module, seconds in zip(modules, spent, strict=True):
        done = clock + timedelta(seconds=seconds)
        session.add(
            ModuleProgress(
                person_id=person_id, course_id=course.id, module_id=module.id, seconds_in_use=seconds,
                first_seen_at=clock, done_at=done,
            )
        )  # fmt: skip
        clock = done
    enrolment = repo.get_enrolment(session, person_id, course.id)
    if enrolment is not None:
        enrolment.seconds_in_use, enrolment.last_active_at = sum(spent), clock
    if course.assessment:
        answers = [q["answer"] for q in course.assessment["questions"]]
        session.add(
            AssessmentAttempt(
                person_id=person_id,
                course_id=course.id,
                attempt_no=1,
                score_percent=100,
                passed=True,
                answers=answers,
                submitted_at=clock,
            )
        )
    session.flush()
    return True
