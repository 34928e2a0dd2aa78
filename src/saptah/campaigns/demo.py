"""The demo campaigns: NLW 2026 running now (window around today, IST) and NLW 2024, closed and extended.

Credit is seeded through the real paths: catalogue completions (which publish CourseCompleted) and
campaign ingest of attendance records, exactly as live activity arrives.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saptah.campaigns import ledger, service
from saptah.campaigns.models import Campaign
from saptah.campaigns.schemas import CampaignCreate, RecordIn, RulesChangeIn
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day, ist_start
from saptah.directory import service as directory
from saptah.directory.models import Person

NLW_NOW = "National Learning Week 2026"
NLW_2024 = "National Learning Week 2024"
WEBINARS = [
    "Webinar: Mission Karmayogi and citizen-centric governance",
    "Webinar: Viksit Bharat @2047: role of the civil services",
    "Webinar: Cyber hygiene for government offices",
    "Webinar: Mental well-being at work",
]


def seed(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """Both demo campaigns and their credit."""
    organiser = directory.repo.get_person_by_email(session, "organiser@saptah.demo")
    actor = organiser.id if organiser else None
    today = ist_day(utcnow())
    staff = list(session.scalars(select(Person.id).where(~Person.email.like("%@saptah.demo")).order_by(Person.id)))
    now = _campaign(session, NLW_NOW, today - timedelta(days=2), today + timedelta(days=4), actor)
    old = _campaign(session, NLW_2024, date(2024, 10, 19), date(2024, 10, 25), actor)
    _seed_2024(session, rng, staff, actor)
    service.extend(
        session, campaign_id=old.id, actor_id=actor, extended_to=date(2024, 10, 27), reason="Extended on popular demand"
    )
    service.change_rules(
        session,
        campaign_id=old.id,
        actor_id=actor,
        data=RulesChangeIn(reason="More courses count for karma during the week", karma_monthly_cap=10),
    )
    ledger.recompute(session, old.id)
    ledger.recompute(session, now.id)  # credit the catalogue's demo completions made before the campaign existed
    _seed_now(session, rng, staff, today)
    _seed_learner(session, today)
    progress(len(staff))


def _campaign(session: Session, name: str, start: date, end: date, actor: int | None) -> Campaign:
    existing = service.repo.get_campaign_by_name(session, name)
    if existing is not None:
        return existing
    data = CampaignCreate(name=name, starts_on=start, ends_on=end, target_minutes=240)
    return service.create(session, actor_id=actor, data=data)


def _courses(session: Session) -> list[tuple[int, int]]:
    from saptah.catalog import repository as catalog

    return [(c.id, c.duration_minutes) for c in catalog.all_courses(session, ["live"]) if c.duration_minutes > 0]


def _seed_2024(session: Session, rng: random.Random, staff: list[int], actor: int | None) -> None:
    from saptah.catalog import service as catalog

    courses = _courses(session)
    if not courses:
        return
    for pid in rng.sample(staff, k=len(staff) // 4):
        for course_id, _minutes in rng.sample(courses, k=min(len(courses), rng.randint(1, 5))):
            day = date(2024, 10, 17) + timedelta(days=rng.randint(0, 11))  # some before and after the window
            at = ist_start(day) + timedelta(minutes=rng.randint(300, 1380))
            catalog.complete_course(session, person_id=pid, course_id=course_id, at=at, source="bulk")


def _seed_now(session: Session, rng: random.Random, staff: list[int], today: date) -> None:
    records = []
    for pid in rng.sample(staff, k=len(staff) // 3):
        for n in range(rng.randint(0, 2)):
            day = today - timedelta(days=rng.randint(0, 2))
            records.append(_webinar(pid, 900 + n + 4 * (day.toordinal() % 3), day, rng.choice((25, 45, 60)), n))
        if rng.random() < 0.3:
            at = ist_start(today - timedelta(days=rng.randint(0, 2))) + timedelta(hours=11)
            records.append(
                RecordIn(
                    source_key=f"event:{pid}:950",
                    person_id=pid,
                    kind="mdo_event",
                    object_id=950,
                    occurred_at=at,
                    minutes=rng.choice((60, 90, 120)),
                    label="Samuhik Charcha: Viksit Bharat (MDO event)",
                )
            )
    ledger.ingest(session, records)


def _webinar(pid: int, event_id: int, day: date, minutes: int, n: int) -> RecordIn:
    return RecordIn(
        source_key=f"event:{pid}:{event_id}",
        person_id=pid,
        kind="webinar",
        object_id=event_id,
        occurred_at=ist_start(day) + timedelta(hours=15),
        minutes=minutes,
        label=WEBINARS[event_id % len(WEBINARS)],
    )


def _seed_learner(session: Session, today: date) -> None:
    learner = directory.repo.get_person_by_email(session, "learner@saptah.demo")
    if learner is not None:
        ledger.ingest(session, [_webinar(learner.id, 901, today, 45, 0)])
