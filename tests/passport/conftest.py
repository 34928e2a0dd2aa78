"""Passport test helpers: courses declared at levels, completions and attendance through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from saptah.catalog import importer
from saptah.catalog import service as catalog
from saptah.catalog.tasks import load_competencies

BASE = "http://testserver"


class Kit:
    """Makes courses, completions, events and attendance in the test session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.n = 0
        load_competencies(session)
        session.commit()

    def course(self, competencies: str, **fields: Any) -> Any:
        """A live course building these competencies ("BEH-SELF:2|FUN-AI"), through the catalogue's importer."""
        self.n += 1
        row = {
            "code": f"PP-{self.n}",
            "title_en": f"Passport course {self.n}",
            "duration_minutes": 30,
            "provider": "CP_KB",
            "status": "live",
            "launch_kind": "external",
            "launch_url": "https://provider.example/course",
            "competencies": competencies,
        } | fields
        result = importer.import_courses(self.session, rows=[row], actor=None, base_url=BASE)
        assert result.ok, result.errors
        self.session.commit()
        return catalog.course_by_code(self.session, row["code"])

    def complete(self, person: Any, course: Any, at: datetime, *, passed: bool = False) -> None:
        """Record a completion as the catalogue does (it announces it to the passport and the campaigns)."""
        catalog.complete_course(
            self.session, person_id=person.id, course_id=course.id, at=at, source="bulk", assessment_passed=passed
        )
        self.session.commit()


def when(days: int = 0) -> datetime:
    """A moment `days` days ago."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


@pytest.fixture
def kit(db: Session) -> Kit:
    """The passport test kit bound to the test session."""
    return Kit(db)
