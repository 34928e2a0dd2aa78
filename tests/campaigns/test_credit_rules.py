"""Each credit rule, pinned with an example a learner would recognise."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saptah.campaigns import credit, ledger, service
from saptah.campaigns import repository as repo
from saptah.campaigns.schemas import RulesChangeIn
from saptah.core import signals
from saptah.core.errors import Conflict, InvalidInput
from saptah.core.timeutil import IST, ist_day
from tests.campaigns.helpers import attend, campaign, complete, ist, totals


def test_course_credits_its_declared_duration_inside_the_window(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 20), 90)
    t = totals(db, c.id, p.id)
    assert (t.courses, t.total_minutes, t.completions) == (90, 90, 1)


def test_completion_at_235959_ist_on_last_day_counts_but_midnight_does_not(db, make):
    c = campaign(db)
    p, q = make.person("DOHFW"), make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 25, 23, 59, 59), 60)
    complete(db, q.id, 1, ist(2024, 10, 26, 0, 0, 0), 60)
    assert totals(db, c.id, p.id).total_minutes == 60
    assert totals(db, c.id, q.id) is None
    # the learner is told why the midnight completion did not count
    lines = service.progress(db, c.id, q.id)["outside"]
    assert "after the campaign ended on 25-10-2024" in lines[0].reason


def test_course_completed_before_the_window_credits_nothing(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 7, ist(2024, 10, 18, 23, 59, 59), 60)
    assert totals(db, c.id, p.id) is None
    assert "before the campaign began on 19-10-2024" in service.progress(db, c.id, p.id)["outside"][0].reason


def test_a_course_completed_twice_counts_once(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 3, ist(2024, 10, 20), 45)
    complete(db, p.id, 3, ist(2024, 10, 22), 45)
    complete(db, p.id, 3, ist(2024, 10, 20), 45)  # a replay
    t = totals(db, c.id, p.id)
    assert (t.total_minutes, t.completions) == (45, 1)


def test_course_first_completed_before_window_stays_uncounted_when_redone(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 3, ist(2024, 10, 21), 45)
    assert totals(db, c.id, p.id).total_minutes == 45
    complete(db, p.id, 3, ist(2024, 9, 1), 45)  # the earlier completion arrives late: it was done before
    assert totals(db, c.id, p.id).total_minutes == 0


def test_course_without_competency_does_not_count_and_says_why(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 5, ist(2024, 10, 20), 60, linked=False)
    assert totals(db, c.id, p.id).total_minutes == 0
    line = service.progress(db, c.id, p.id)["lines"][0]
    assert not line.counted and "competency" in line.reason


def test_competency_rule_can_be_switched_off(db, make):
    c = campaign(db, competency_only=False)
    p = make.person("DOHFW")
    complete(db, p.id, 5, ist(2024, 10, 20), 60, linked=False)
    assert totals(db, c.id, p.id).total_minutes == 60


def test_webinar_credits_attended_minutes_as_a_running_total(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    attend(db, p.id, 11, 20, ist(2024, 10, 21, 11))
    attend(db, p.id, 11, 50, ist(2024, 10, 21, 11))  # the running total grew
    attend(db, p.id, 11, 50, ist(2024, 10, 21, 11))  # replayed
    t = totals(db, c.id, p.id)
    assert (t.webinars, t.total_minutes) == (50, 50)


def test_mdo_events_count_up_to_four_hours(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    org = p.org_id
    attend(db, p.id, 21, 180, ist(2024, 10, 20), kind="mdo_event", organiser=org)
    attend(db, p.id, 22, 120, ist(2024, 10, 21), kind="mdo_event", organiser=org)
    attend(db, p.id, 23, 30, ist(2024, 10, 22), kind="offline", organiser=org)
    t = totals(db, c.id, p.id)
    assert (t.mdo_events, t.offline, t.total_minutes) == (240, 30, 270)


def test_target_reached_once_at_the_moment_it_was_crossed(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 20, 9), 120)
    complete(db, p.id, 2, ist(2024, 10, 21, 9), 100)
    assert totals(db, c.id, p.id).reached_target_at is None
    complete(db, p.id, 3, ist(2024, 10, 22, 15), 30)
    t = totals(db, c.id, p.id)
    assert t.reached_target_at == ist(2024, 10, 22, 15)
    days = {(d.day, d.reached_people, d.active_people) for d in repo.org_days_of(db, c.id) if d.org_id == p.org_id}
    assert (date(2024, 10, 22), 1, 0) in days and (date(2024, 10, 20), 0, 1) in days


def test_extension_is_a_recorded_act_and_credits_the_added_days(db, make):
    c = campaign(db)
    p, boss = make.person("DOHFW"), make.person("DOPT")
    complete(db, p.id, 1, ist(2024, 10, 26, 12), 60)
    assert totals(db, c.id, p.id) is None
    service.extend(db, campaign_id=c.id, actor_id=boss.id, extended_to=date(2024, 10, 27), reason="Demand from MDOs")
    ledger.recompute(db, c.id)
    assert totals(db, c.id, p.id).total_minutes == 60
    complete(db, p.id, 2, ist(2024, 10, 27, 23, 59, 59), 30)  # live ingest after the change
    assert totals(db, c.id, p.id).total_minutes == 90
    act = service.history(db, c.id)[0]
    assert (act.changed_by, act.reason) == (boss.id, "Demand from MDOs")
    assert "25-10-2024 to 27-10-2024" in act.change


def test_extension_must_move_the_end_later(db, make):
    c = campaign(db)
    with pytest.raises(InvalidInput, match="already runs to 25-10-2024"):
        service.extend(db, campaign_id=c.id, actor_id=None, extended_to=date(2024, 10, 24), reason="oops")


def test_rule_change_records_and_refuses_no_op(db, make):
    c = campaign(db)
    with pytest.raises(InvalidInput, match="Nothing changes"):
        service.change_rules(
            db, campaign_id=c.id, actor_id=None, data=RulesChangeIn(reason="x y z", target_minutes=240)
        )
    service.change_rules(db, campaign_id=c.id, actor_id=None, data=RulesChangeIn(reason="more", karma_monthly_cap=8))
    assert "karma monthly cap: 4 → 8" in service.history(db, c.id)[0].change


def test_duplicate_campaign_name_is_a_conflict(db):
    campaign(db, "Same name")
    with pytest.raises(Conflict):
        campaign(db, "Same name")


def test_only_participating_organisations_are_credited(db, make):
    c = campaign(db, org_codes=["MOHFW"])
    inside, outside = make.person("DOHFW"), make.person("MHA")
    complete(db, inside.id, 1, ist(2024, 10, 20), 60)
    complete(db, outside.id, 1, ist(2024, 10, 20), 60)
    assert totals(db, c.id, inside.id).total_minutes == 60
    assert totals(db, c.id, outside.id) is None


def test_recompute_equals_live_ingest(db, make):
    c = campaign(db)
    people = [make.person("DOHFW") for _ in range(3)]
    for i, p in enumerate(people):
        complete(db, p.id, 1, ist(2024, 10, 20, 8 + i), 100 + i)
        attend(db, p.id, 9, 150, ist(2024, 10, 21), kind="mdo_event", organiser=p.org_id)
        complete(db, p.id, 2, ist(2024, 10, 18), 50)
    db.flush()
    live = [(t.person_id, t.total_minutes, t.score, t.reached_target_at) for t in repo.totals_of(db, c.id)]
    days = [(d.org_id, d.day, d.minutes, d.active_people, d.reached_people) for d in repo.org_days_of(db, c.id)]
    counts = repo.score_counts_of(db, c.id)
    ledger.recompute(db, c.id)
    db.expire_all()
    assert [(t.person_id, t.total_minutes, t.score, t.reached_target_at) for t in repo.totals_of(db, c.id)] == live
    assert [(d.org_id, d.day, d.minutes, d.active_people, d.reached_people) for d in repo.org_days_of(db, c.id)] == days
    assert repo.score_counts_of(db, c.id) == counts


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_ist_day_by_arithmetic_agrees_with_the_time_zone_database(moment):
    assert credit.day_of(moment) == ist_day(moment)
    assert credit.day_of(moment.astimezone(IST)) == ist_day(moment)


def test_a_batch_of_events_is_credited_once_at_its_end(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    with signals.batch(db):
        complete(db, p.id, 1, ist(2024, 10, 20), 60)
        attend(db, p.id, 7, 45, ist(2024, 10, 21))
        assert totals(db, c.id, p.id) is None  # queued: one ingest, in one lock order, when the batch ends
    t = totals(db, c.id, p.id)
    assert (t.courses, t.webinars, t.total_minutes, t.completions) == (60, 45, 105, 1)
