"""The national-scale bulk path ends in the same aggregates as live ingest, and keeps NLW 2024's shape."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select

from saptah.analytics.bulkcredit import credit_campaign
from saptah.analytics.models import CourseDayTotal, GroupDayTotal
from saptah.analytics.national import (
    NLW_CURVE,
    NLW_START,
    Shape,
    create_events,
    make_plan,
    plan_completions,
    write_attendance,
    write_completions,
)
from saptah.analytics.rebuild import rebuild_course_totals
from saptah.campaigns import check as campaign_check
from saptah.campaigns import service as campaigns
from saptah.campaigns.models import CampaignOrgDayTotal, CampaignPersonTotal, CampaignScoreCount
from saptah.campaigns.schemas import CampaignCreate
from saptah.catalog import service as catalog
from saptah.core.timeutil import ist_day
from saptah.directory import service as directory
from saptah.events import attendance as event_attendance
from saptah.events.models import Event


def snapshot(db, campaign_id: int) -> dict[str, list]:
    """Every aggregate a dashboard reads (karma left out: it comes from certificates, not from this path)."""
    db.flush()
    p = CampaignPersonTotal
    people = db.execute(
        select(
            p.person_id,
            p.org_id,
            p.courses,
            p.webinars,
            p.mdo_events,
            p.total_minutes,
            p.completions,
            p.score,
            p.reached_target_at,
        )
        .where(p.campaign_id == campaign_id)
        .order_by(p.person_id)
    ).all()
    d = CampaignOrgDayTotal  # live ingest spreads its deltas over shards: compare the sums
    sums = [func.sum(x) for x in (d.minutes, d.completions, d.active_people, d.reached_people)]
    days = db.execute(
        select(d.org_id, d.day, *sums)
        .where(d.campaign_id == campaign_id)
        .group_by(d.org_id, d.day)
        .having((sums[0] != 0) | (sums[1] != 0) | (sums[2] != 0))
        .order_by(d.org_id, d.day)
    ).all()
    s = CampaignScoreCount
    scores = db.execute(
        select(s.board, s.score, func.sum(s.people))
        .where(s.campaign_id == campaign_id)
        .group_by(s.board, s.score)
        .having(func.sum(s.people) != 0)
        .order_by(s.board, s.score)
    ).all()
    c, g = CourseDayTotal, GroupDayTotal
    courses = db.execute(
        select(c.org_id, c.day, c.course_id, c.completions, c.minutes).order_by(c.org_id, c.day, c.course_id)
    ).all()
    groups = db.execute(select(g.org_id, g.day, g.grp, g.completions, g.minutes).order_by(g.org_id, g.day, g.grp)).all()
    return {
        "people": [tuple(r) for r in people],
        "days": [tuple(r) for r in days],
        "scores": [tuple(r) for r in scores],
        "courses": [tuple(r) for r in courses],
        "groups": [tuple(r) for r in groups],
    }


def test_bulk_path_gives_the_same_aggregates_as_live_ingest(db) -> None:
    shape = Shape().scaled(400 / Shape().people)
    shape = Shape(
        people=400,
        orgs=shape.orgs,
        courses=25,
        active=120,
        completions=420,
        central_webinars=3,
        mdo_events=4,
        webinar_reach=0.4,
    )
    plan = make_plan(db, np.random.default_rng(8), shape, lambda _s, _n: None)
    camp = campaigns.create(
        db,
        actor_id=None,
        data=CampaignCreate(name="Bulk vs live", starts_on=NLW_START, ends_on=NLW_START + timedelta(days=6)),
    )  # days 8-9 fall outside
    ids = create_events(db, plan, directory.org_by_code(db, "DOPT").id)
    live_tx = db.begin_nested()
    for p, c, s in zip(
        plan.completion_person.tolist(), plan.completion_course.tolist(), plan.completion_at.tolist(), strict=True
    ):
        catalog.complete_course(db, person_id=p, course_id=c, at=datetime.fromtimestamp(s, UTC), source="bulk")
    for e, p, _o, m, _a in plan.attendance:
        event_attendance.set_imported(db, db.get(Event, ids[e][0]), person_id=p, minutes=m, source="report")
    live = snapshot(db, camp.id)
    live_tx.rollback()
    write_completions(db, plan, lambda _s, _n: None)
    write_attendance(db, plan, ids)
    credit_campaign(db, camp.id)
    rebuild_course_totals(db)
    bulk = snapshot(db, camp.id)
    assert len(live["people"]) > 50 and any(r[3] > 0 for r in live["people"]) and any(r[4] > 0 for r in live["people"])
    assert any(r[8] is not None for r in live["people"])  # someone reached the target
    assert live["people"] == bulk["people"]
    assert live["days"] == bulk["days"]
    assert live["scores"] == bulk["scores"]
    assert live["courses"] == bulk["courses"] and live["groups"] == bulk["groups"]
    # the national build's records are the ones live ingest stores (titles included): saptah check finds nothing
    found, _counts = campaign_check.check(db, camp.id)
    assert list(found) == []


def test_completions_follow_the_nlw_2024_daily_curve() -> None:
    shape = Shape().scaled(0.01)
    rng = np.random.default_rng(1)
    people = np.arange(1, shape.people + 1)
    courses = np.arange(1, shape.courses + 1)
    p, c, s = plan_completions(rng, people, courses, shape)
    assert len(p) == shape.completions and len(np.unique(p)) == shape.active
    assert len(set(zip(p.tolist(), c.tolist(), strict=True))) == len(p)  # once per person and course
    per_day = Counter(ist_day(datetime.fromtimestamp(x, UTC)) for x in s.tolist())
    days = [per_day[NLW_START + timedelta(days=i)] for i in range(len(NLW_CURVE))]
    assert max(days) == days[5]  # the peak on day 6 (24 Oct)
    share = days[5] / sum(days)
    assert abs(share - 6.2 / 32.6) < 0.002
    assert abs(sum(days) / len(days) - shape.completions / 9) < 1
