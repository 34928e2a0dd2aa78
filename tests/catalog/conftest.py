"""Catalogue test helpers: the reference catalogue and small course factories."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from saptah.catalog import importer
from saptah.catalog.schemas import CourseIn
from saptah.catalog.tasks import load_competencies, load_reference_catalogue
from saptah.directory import service as directory

BASE = "http://testserver"


class Courses:
    """Makes courses in the test session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.n = 0
        load_competencies(session)
        session.commit()

    def make(self, **fields: Any) -> Any:
        """A live native course with two modules, optionally with an assessment."""
        from saptah.catalog import repository as repo

        self.n += 1
        data = {
            "code": f"T-{self.n}",
            "title_en": f"Test course {self.n}",
            "duration_minutes": 30,
            "provider": "CP_KB",
            "status": "live",
            "competencies": ["BEH-SELF"],
            "modules": [{"title": "One", "body": "First."}, {"title": "Two", "body": "Second."}],
        }
        data.update(fields)
        spec = CourseIn.model_validate(data)
        provider = directory.org_by_code(self.session, spec.provider or "CP_KB")
        comps = repo.competencies_by_codes(self.session, spec.competencies)
        importer.save_course(
            self.session, data=spec, provider=provider, competency_ids=[c.id for c in comps.values()], base_url=BASE
        )
        self.session.commit()
        course = repo.course_by_code(self.session, spec.code)
        assert course is not None
        return course


QUIZ = {
    "pass_mark": 60,
    "max_attempts": 2,
    "questions": [
        {"prompt": "2 + 2?", "options": ["3", "4"], "answer": 1},
        {"prompt": "Capital of India?", "options": ["New Delhi", "Mumbai"], "answer": 0},
    ],
}


@pytest.fixture
def courses(db: Session) -> Courses:
    """Course factory bound to the test session."""
    return Courses(db)


@pytest.fixture
def reference(db: Session) -> Session:
    """The shipped reference catalogue loaded into the test transaction."""
    load_reference_catalogue(db, base_url=BASE)
    db.commit()
    return db


class Recorder:
    """Collects the domain events published during a test."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, session: Session, event: Any) -> None:
        self.seen.append(event)

    def of(self, kind: type) -> list[Any]:
        """Events of one type."""
        return [e for e in self.seen if isinstance(e, kind)]


@pytest.fixture
def events() -> Any:
    """Record CourseEnrolled, CourseCompleted and CourseRated while the test runs."""
    from saptah.core import signals

    rec = Recorder()
    kinds = (signals.CourseEnrolled, signals.CourseCompleted, signals.CourseRated)
    for kind in kinds:
        signals.subscribe(kind, rec)
    yield rec
    for kind in kinds:
        signals._handlers[kind].remove(rec)


# The live server and the real browser of the browser suite, for this folder's browser test.


class Clock:
    """The player's clock, moved by the test (time on task is bounded by the time that passed)."""

    def __init__(self) -> None:
        from saptah.core.db import utcnow

        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now

    def advance(self, seconds: int) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock the native player reads instead of the wall clock."""
    from saptah.catalog import learning

    c = Clock()
    monkeypatch.setattr(learning, "utcnow", c)
    return c


def study(client: Any, clock: Clock, course_id: int, module_id: int, seconds: int, watched: str = "") -> Any:
    """The player page reporting `seconds` of visible time on a module, a minute at a time, as time passes."""
    from tests.factories import csrf

    token, last = csrf(client), None
    while seconds > 0:
        step = min(60, seconds)
        clock.advance(step)
        data = {"csrf_token": token, "module_id": module_id, "seconds": step, "watched": watched}
        last = client.post(f"/learn/{course_id}/ping", data=data)
        assert last.status_code == 200, last.text
        seconds -= step
    return last
