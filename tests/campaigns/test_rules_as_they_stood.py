"""Rules as they stood: every rule change is a version with the moment it takes effect, and each record is judged
by the version in force at its own moment, whenever it arrives; recompute gives the same."""

from __future__ import annotations

from datetime import date

import pytest

from saptah.campaigns import ledger, service
from saptah.campaigns import repository as repo
from saptah.campaigns.schemas import RulesChangeIn
from saptah.core.errors import InvalidInput
from saptah.directory.models import Role
from tests.campaigns.helpers import attend, campaign, complete, ist, totals
from tests.factories import csrf, sign_in


def change(db, c, when, **rules):
    service.change_rules(
        db, campaign_id=c.id, actor_id=None, data=RulesChangeIn(reason="test", effective_at=when, **rules)
    )
    db.flush()


def snapshot(db, campaign_id):
    db.flush()
    db.expire_all()
    people = [
        (t.person_id, t.total_minutes, t.mdo_events, t.score, t.reached_target_at)
        for t in repo.totals_of(db, campaign_id)
    ]
    days = [(d.org_id, d.day, d.minutes, d.active_people, d.reached_people) for d in repo.org_days_of(db, campaign_id)]
    return people, days


def test_a_raised_target_does_not_take_back_a_target_reached_before_it(db, make):
    c = campaign(db)
    early, late = make.person("DOHFW"), make.person("DOHFW")
    change(db, c, ist(2024, 10, 24), target_minutes=300)
    complete(db, early.id, 1, ist(2024, 10, 22), 250)  # arrives after the raise, but was done under 240
    complete(db, late.id, 1, ist(2024, 10, 25), 250)  # done under 300
    assert totals(db, c.id, early.id).reached_target_at == ist(2024, 10, 22)
    assert totals(db, c.id, late.id).reached_target_at is None


def test_the_event_tag_rule_judges_each_attendance_by_its_own_day(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    change(db, c, ist(2024, 10, 23), events_need_competency=True)
    attend(db, p.id, 31, 40, ist(2024, 10, 22), linked=False)  # before tags were required: counts
    attend(db, p.id, 32, 50, ist(2024, 10, 24), linked=False)  # after: does not, and says why
    attend(db, p.id, 33, 30, ist(2024, 10, 24), linked=True)
    assert totals(db, c.id, p.id).webinars == 70
    lines = {line.source: line for line in service.progress(db, c.id, p.id)["lines"]}
    assert not lines[f"event:{p.id}:32"].counted
    assert "not tagged with any competency" in lines[f"event:{p.id}:32"].reason


def test_mdo_cap_and_target_changes_recompute_to_what_live_ingest_gave(db, make):
    c = campaign(db)
    people = [make.person("DOHFW") for _ in range(4)]
    change(db, c, ist(2024, 10, 21, 12), mdo_events_cap=120)
    change(db, c, ist(2024, 10, 23), target_minutes=200, events_need_competency=True)
    for i, p in enumerate(people):
        attend(db, p.id, 40, 100, ist(2024, 10, 20), kind="mdo_event", organiser=p.org_id)
        attend(db, p.id, 41, 90, ist(2024, 10, 22), kind="mdo_event", organiser=p.org_id)
        attend(db, p.id, 42, 60, ist(2024, 10, 24), linked=i % 2 == 0)
        complete(db, p.id, 5, ist(2024, 10, 22, 9 + i), 60 + 10 * i)
    live = snapshot(db, c.id)
    # the cap was 240 on the 20th and 120 from the 21st noon: 100 + 20
    assert {row[2] for row in live[0]} == {120}
    ledger.recompute(db, c.id)
    assert snapshot(db, c.id) == live


def test_extension_decided_after_the_window_closed_credits_the_added_days(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 26, 12), 60)
    service.extend(db, campaign_id=c.id, actor_id=None, extended_to=date(2024, 10, 27), reason="decided late")
    ledger.recompute(db, c.id)
    assert totals(db, c.id, p.id).total_minutes == 60
    assert service.history(db, c.id)[0].effective_at == ist(2024, 10, 25, 23, 59, 59).replace(microsecond=999999)


def test_a_version_cannot_take_effect_before_the_one_in_force(db, make):
    c = campaign(db)
    change(db, c, ist(2024, 10, 24), karma_monthly_cap=6)
    with pytest.raises(InvalidInput, match="before the version in force from 24-10-2024 10:00"):
        change(db, c, ist(2024, 10, 22), karma_monthly_cap=8)


def test_the_campaign_page_shows_every_version_and_organisers_set_the_moment(client, db, make):
    c = campaign(db, "Versions page")
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="versions.org@example.gov.in")
    learner = make.person("DOHFW", email="versions.learner@example.gov.in")
    db.commit()
    sign_in(client, "versions.org@example.gov.in")
    form = {"reason": "Raised for the week", "karma_monthly_cap": "6", "effective_at": "2024-10-24T00:00"}
    r = client.post(f"/campaigns/{c.id}/rules", data={**form, "csrf_token": csrf(client)})
    assert r.status_code == 200
    r = client.post(
        f"/campaigns/{c.id}/rules",
        data={"reason": "Tags needed", "events_need_competency": "yes", "csrf_token": csrf(client)},
    )
    assert r.status_code == 200 and 'data-testid="event-tag-rule"' in r.text
    client.cookies.clear()
    sign_in(client, learner.email)
    page = client.get(f"/campaigns/{c.id}").text
    history = page.split('data-testid="history"')[1].split("</table>")[0]
    assert "karma monthly cap: 4 → 6" in history and "24-10-2024 00:00" in history
    assert "events need competency: False → True" in history and "Campaign created" in history
