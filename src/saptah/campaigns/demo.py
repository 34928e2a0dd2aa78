"""The demo campaigns: NLW 2026 running now (window around today, IST) and NLW 2024, closed and extended.

Credit is seeded through the real paths only: catalogue completions (which publish CourseCompleted) and the
events' attendance (seeded by the events domain), exactly as live activity arrives; every credited minute has a
source that exists, dated before now (`saptah check` passes on the demo).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saptah.campaigns import ledger, service
from saptah.campaigns.models import Campaign
from saptah.campaigns.schemas import CampaignCreate, RulesChangeIn
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day, ist_start
from saptah.directory import service as directory
from saptah.directory.models import Person

NLW_NOW = "National Learning Week 2026"
NLW_2024 = "National Learning Week 2024"
CAP_RAISED_ON = date(2024, 10, 24)  # the day NLW 2024's karma cap for completions outside a plan was raised


def seed(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """Both demo campaigns and their credit."""
    organiser = directory.repo.get_person_by_email(session, "organiser@saptah.demo")
    actor = organiser.id if organiser else None
    today = ist_day(utcnow())
    staff = list(session.scalars(select(Person.id).where(~Person.email.like("%@saptah.demo")).order_by(Person.id)))
    now = _campaign(session, NLW_NOW, today - timedelta(days=2), today + timedelta(days=4), actor)
    old = _campaign(session, NLW_2024, date(2024, 10, 19), date(2024, 10, 25), actor)
    _seed_2024(session, rng, staff, actor)
    if old.rules_version <= 1:  # a demo run again keeps the versions it recorded the first time
        # as in 2024: the karma cap was raised from the 24th (the peak day), then the week was extended to the 27th;
        # completions of the 19th-23rd keep the cap that stood then, whenever they arrive
        cap = RulesChangeIn(
            reason="More courses count for karma during the week",
            karma_monthly_cap=10,
            effective_at=ist_start(CAP_RAISED_ON),
        )
        service.change_rules(session, campaign_id=old.id, actor_id=actor, data=cap)
        service.extend(
            session,
            campaign_id=old.id,
            actor_id=actor,
            extended_to=date(2024, 10, 27),
            reason="Extended on popular demand",
        )
    ledger.recompute(session, old.id)
    ledger.recompute(session, now.id)  # credit the completions and attendance made before the campaign existed
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
