"""The national build's set-based passports equal what live ingest stores for the same activity."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from saptah.analytics.national import (
    Shape,
    create_events,
    make_plan,
    write_attendance,
    write_completions,
    write_passports,
)
from saptah.catalog import service as catalog
from saptah.directory import service as directory
from saptah.events import attendance as event_attendance
from saptah.events.models import Event
from saptah.passport import repository as repo
from saptah.passport import service
from saptah.passport.models import PassportEvidence, RoleNeed


def passports(db):
    db.flush()
    e = PassportEvidence
    evidence = db.execute(
        select(e.person_id, e.competency_id, e.source_key, e.kind, e.object_id, e.title, e.level, e.earned_at).order_by(
            e.person_id, e.source_key, e.competency_id
        )
    ).all()
    return [tuple(r) for r in evidence], repo.all_levels(db)


def test_the_national_builds_passports_are_what_live_ingest_gives(db) -> None:
    shape = Shape(people=300, orgs=340, courses=12, active=90, completions=400, central_webinars=2, mdo_events=3,
                  webinar_reach=0.5)  # fmt: skip
    plan = make_plan(db, np.random.default_rng(5), shape, lambda _s, _n: None)
    ids = create_events(db, plan, directory.org_by_code(db, "DOPT").id)
    live_tx = db.begin_nested()
    for p, c, s in zip(
        plan.completion_person.tolist(), plan.completion_course.tolist(), plan.completion_at.tolist(), strict=True
    ):
        catalog.complete_course(db, person_id=p, course_id=c, at=datetime.fromtimestamp(s, UTC), source="bulk")
    for e, p, _o, m, _a in plan.attendance:
        event_attendance.set_imported(db, db.get(Event, ids[e][0]), person_id=p, minutes=m, source="report")
    live = passports(db)
    live_tx.rollback()
    write_completions(db, plan, lambda _s, _n: None)
    write_attendance(db, plan, ids)
    stored = write_passports(db, ids)
    bulk = passports(db)
    assert stored == len(live[0]) > 300 and any(r[3] == "event" for r in live[0])
    assert max(level for _p, _c, level, _at in live[1]) >= 2  # repetition raised some
    assert live == bulk
    assert db.scalar(select(RoleNeed.id).limit(1)) is not None  # the demo ministry's needs
    assert service.rebuild_all_levels(db) is None and repo.all_levels(db) == live[1]
