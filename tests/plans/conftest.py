"""Plans test helpers: the reference courses of the MoHFW circulars, plans made through the service."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from saptah.catalog import service as catalog
from saptah.catalog.models import Collection, CollectionItem, Course
from saptah.directory import service as directory
from saptah.directory.models import Person, Role
from saptah.plans import service
from saptah.plans.models import Plan
from saptah.plans.schemas import ItemIn, PlanIn
from tests.factories import Factory

_seq = itertools.count(1)

REFERENCE = {
    "VIKSIT": "Overview of Viksit Bharat 2047",
    "JANBHAG": "Jan Bhagidari (Bilingual)",
    "LEADKY": "Leading the Karmayogi Way",
    "KYM_MOHFW": "Know Your Ministry- Ministry of Health and Family Welfare",
    "EMERGTECH": "Course on Emerging Technology",
    "YOGA": "Yoga Break at Workplace",
    "POSH": "Prevention of Sexual Harassment at Workplace",
    "RTI": "Right to Information Act",
    "CYBER": "Cyber Security Awareness",
    # the courses the circulars name, with the catalogue's full titles
    "YBREAK": "Y-Break Yoga at Workplace",
    "POSH_W": "Prevention of Sexual Harassment of Women at Workplace",
    "CONDUCT": "Code of Conduct for Government Employees",
    "LIFE": "Orientation Module on Mission LiFE",
    "CYBERSAFE": "Stay Safe in Cyber Space",
    "NIHFW_YOGA": "Health and Well-being Perspective of Yoga",
    "NIHFW_NATURO": "Health and Well-being Perspective of Naturopathy",
    "NIHFW_METABOLIC": "Management of Metabolic Syndrome through Naturopathy",
}


class PlanKit:
    """Courses, people and plans for one test."""

    def __init__(self, db: Session, make: Factory) -> None:
        self.db = db
        self.make = make
        self.suffix = f"_{next(_seq)}"
        self.courses: dict[str, Course] = {}
        self.admin = make.person("MOHFW", role=Role.MDO_ADMIN)
        self.leader = make.person("MOHFW", role=Role.MDO_LEADER)
        self.organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)

    def course(self, key: str, *, status: str = "live") -> Course:
        """A course with a reference title (made once per test)."""
        if key not in self.courses:
            provider = (
                directory.org_by_code(self.db, "CP_KB")
                if directory.repo.get_org_by_code(self.db, "CP_KB")
                else directory.org_by_code(self.db, "GOI")
            )
            code = f"{key}{self.suffix}"
            course = Course(
                code=code,
                title_en=REFERENCE.get(key, key.title()),
                provider_org_id=provider.id,
                duration_minutes=60,
                status=status,
                activity_id=f"https://saptah.test/courses/{code}",
            )
            self.db.add(course)
            self.db.flush()
            self.courses[key] = course
        return self.courses[key]

    def code(self, key: str) -> str:
        """The course code of a reference key (creating the course)."""
        return self.course(key).code

    def program(self, key: str, members: list[str], *, required: int | None = None) -> Collection:
        """A program of courses (rule all, or 'n' with required)."""
        coll = Collection(
            code=f"{key}{self.suffix}",
            title_en="Karmayogi Prarambh" if key == "PRARAMBH" else key,
            kind="program",
            rule="n" if required else "all",
            required_count=required,
        )
        self.db.add(coll)
        self.db.flush()
        for i, m in enumerate(members, 1):
            self.db.add(CollectionItem(collection_id=coll.id, course_id=self.course(m).id, position=i))
        self.db.flush()
        return coll

    def plan(self, *, items: list[dict[str, Any]], publish_on: date, by: Person | None = None, **fields: Any) -> Plan:
        """A plan drafted by the MoHFW admin and published by the leader."""
        fields.setdefault("owner_org_code", "MOHFW")
        fields.setdefault("title", "Test plan")
        author = directory.load_principal(self.db, (by or self.admin).id)
        plan = service.create_plan(self.db, author, PlanIn(**fields))
        for it in items:
            it = dict(it)
            it["course_codes"] = [self.code(k) for k in it.pop("courses", [])]
            service.add_item(self.db, author, plan, ItemIn(**it))
        publisher = self.organiser if plan.owner_org_id is None else self.leader
        service.publish(self.db, directory.load_principal(self.db, publisher.id), plan, today=publish_on)
        return plan

    def complete(self, person: Person, key: str, on: datetime) -> None:
        """Record a completion through the catalogue (bulk path)."""
        catalog.complete_course(self.db, person_id=person.id, course_id=self.course(key).id, at=on, source="bulk")


@pytest.fixture
def kit(db: Session, make: Factory) -> PlanKit:
    """A plan kit bound to the test session."""
    return PlanKit(db, make)


def at(y: int, m: int, d: int, h: int = 6) -> datetime:
    """An aware UTC moment (06:00 UTC is 11:30 IST the same day)."""
    return datetime(y, m, d, h, tzinfo=UTC)
