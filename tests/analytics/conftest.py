"""Analytics test world: a campaign on 19-25 Oct 2024 (IST), people in MoHFW and MHA, real completions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.catalog.conftest import Courses

from saptah.campaigns import service as campaigns
from saptah.campaigns.schemas import CampaignCreate
from saptah.catalog import service as catalog
from saptah.core.timeutil import IST
from saptah.directory.models import Role

START = date(2024, 10, 19)


def ist(day: date, hh: int = 11) -> datetime:
    """An IST wall-clock moment on a day, as aware UTC."""
    return datetime(day.year, day.month, day.day, hh, 0, tzinfo=IST).astimezone(UTC)


@dataclass
class World:
    """What the analytics tests arranged, so they can compute the expected figures themselves."""

    campaign: Any
    courses: list[Any]
    people: dict[str, Any] = field(default_factory=dict)
    completions: list[tuple[Any, Any, date]] = field(default_factory=list)  # (person, course, IST day)

    def complete(self, db: Session, person: Any, course: Any, day: date, hh: int = 11) -> None:
        """Complete a course through the catalogue (the real path: signals reach the engine and analytics)."""
        catalog.complete_course(db, person_id=person.id, course_id=course.id, at=ist(day, hh), source="bulk")
        self.completions.append((person, course, day))


@pytest.fixture
def world(db: Session, make: Any) -> World:
    """Organiser, MoHFW admin and leader, MHA admin; learners in DOHFW, DHR and MHA; a 7-day campaign."""
    courses = Courses(db)
    c90 = courses.make(
        code="AN-90",
        title_en="Mission Karmayogi basics",
        duration_minutes=90,
        competencies=["BEH-SELF"],
        languages=["hi", "en"],
    )
    c150 = courses.make(code="AN-150", title_en="Public health essentials", duration_minutes=150, provider="CP_KB")
    c60 = courses.make(code="AN-60", title_en="Cyber hygiene", duration_minutes=60)
    people = {
        "organiser": make.person("DOPT", role=Role.NATIONAL_ORGANISER),
        "admin_mohfw": make.person("MOHFW", role=Role.MDO_ADMIN),
        "leader_mohfw": make.person("MOHFW", role=Role.MDO_LEADER),
        "admin_mha": make.person("MHA", role=Role.MDO_ADMIN),
        "a1": make.person("DOHFW", group="Group A", full_name="Asha Rao"),
        "a2": make.person("DOHFW", group="Group C", full_name="Bala Iyer"),
        "a3": make.person("DHR", group="Group C", full_name="Chitra Das"),
        "idle": make.person("DOHFW", group="Group B", full_name="Deepak Idle"),
        "m1": make.person("MHA", group="Group A", full_name="Esha Khan"),
    }
    camp = campaigns.create(
        db, actor_id=None, data=CampaignCreate(name="NLW analytics test", starts_on=START, ends_on=START + timedelta(6))
    )
    db.flush()
    w = World(campaign=camp, courses=[c90, c150, c60], people=people)
    w.complete(db, people["a1"], c90, START)  # 90
    w.complete(db, people["a1"], c150, START + timedelta(1))  # 240: reaches the 4-hour target on day 2
    w.complete(db, people["a2"], c90, START + timedelta(1))
    w.complete(db, people["a2"], c60, START + timedelta(1))
    w.complete(db, people["a3"], c150, START + timedelta(2))
    w.complete(db, people["a3"], c60, START + timedelta(2), hh=15)  # 210: close to the target
    w.complete(db, people["m1"], c90, START + timedelta(1))
    w.complete(db, people["m1"], c60, START + timedelta(5))
    db.commit()
    return w
