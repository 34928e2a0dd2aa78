"""Events count: attended minutes of webinars, MDO programmes, Samuhik Charcha and workshops credit by default,
tagged or not; a campaign may require competency tags, and then the form, the event page and "what counted" say so."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from saptah.campaigns import ledger
from saptah.campaigns import repository as campaign_repo
from saptah.catalog.tasks import load_competencies
from saptah.core.db import utcnow
from saptah.core.timeutil import fmt_ist, ist_day
from saptah.directory.models import Role
from saptah.events import tasks as event_tasks
from saptah.events.models import Attendance, Event
from tests.campaigns.helpers import campaign
from tests.events.helpers import event, principal
from tests.factories import csrf, sign_in


def around_today(db, name, **rules):
    today = ist_day(utcnow())
    return campaign(db, name, starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=3), **rules)


def report(client, ev, person, minutes):
    t = lambda m: fmt_ist(ev.starts_at + timedelta(minutes=m), "%Y-%m-%d %H:%M:%S")  # noqa: E731
    text = "Name,User Email,Join Time,Leave Time,Duration (Minutes)\n"
    text += f"{person.full_name},{person.email},{t(0)},{t(minutes)},{minutes}\n"
    files = {"file": ("zoom.csv", text.encode(), "text/csv")}
    r = client.post(f"/events/{ev.id}/import", data={"csrf_token": csrf(client), "kind": "report"}, files=files)
    assert r.status_code == 200 and "rows imported" in r.text


def test_an_untagged_webinar_credits_its_attended_minutes_under_the_default_rules(client, db, make):
    c = around_today(db, "Events count by default")
    org = principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="ev.count@dopt.gov.in"))
    ev = event(db, org, start=utcnow() - timedelta(hours=3), minutes=60)  # no competency tags
    learner = make.person("DOHFW")
    db.commit()
    sign_in(client, "ev.count@dopt.gov.in")
    report(client, ev, learner, 40)
    me = client.get(f"/api/v1/campaigns/{c.id}/progress/{learner.id}").json()
    assert (me["webinars"], me["total_minutes"]) == (40, 40)
    assert [line["counted"] for line in me["lines"] if line["category"] == "webinars"] == [True]


def test_a_campaign_that_requires_tags_says_so_on_the_form_the_event_page_and_in_what_counted(client, db, make):
    load_competencies(db)
    c = around_today(db, "Tagged events only", events_need_competency=True)
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="ev.tags@dopt.gov.in")
    learner = make.person("DOHFW", email="ev.tags.learner@dohfw.gov.in")
    db.commit()
    sign_in(client, "ev.tags@dopt.gov.in")
    form = client.get("/events/new").text
    assert 'data-testid="tag-rule"' in form and "Tagged events only" in form
    assert '<option value="BEH-SELF"' in form and 'name="competencies" multiple' in form
    start = fmt_ist(utcnow() - timedelta(hours=3), "%Y-%m-%dT%H:%M")
    fields = {"kind": "central_webinar", "theme": "Technology", "starts_at": start, "duration_minutes": "60"}
    fields |= {"mode": "online", "stream_url": "https://stream.example.in/a.mp4", "csrf_token": csrf(client)}
    tagged = client.post("/events/new", data={**fields, "title_en": "Tagged", "competencies": ["BEH-SELF", "FUN-AI"]})
    plain = client.post("/events/new", data={**fields, "title_en": "Untagged"})
    assert tagged.status_code == plain.status_code == 200
    ev_tagged = db.scalar(select(Event).where(Event.title_en == "Tagged"))
    ev_plain = db.scalar(select(Event).where(Event.title_en == "Untagged"))
    assert ev_tagged.competencies == ["BEH-SELF", "FUN-AI"] and ev_plain.competencies == []
    assert "earns no minutes in Tagged events only" in plain.text
    assert "attended minutes count in Tagged events only" in tagged.text
    report(client, ev_tagged, learner, 30)
    report(client, ev_plain, learner, 50)
    client.cookies.clear()
    sign_in(client, learner.email)
    me = client.get(f"/api/v1/campaigns/{c.id}/me").json()
    assert me["webinars"] == 30
    refused = [line for line in me["lines"] if not line["counted"]]
    assert len(refused) == 1 and "not tagged with any competency" in refused[0]["reason"]
    assert "not tagged with any competency" in client.get(f"/campaigns/{c.id}").text


def test_the_demo_events_carry_competencies_and_their_attendance_credits(db, make):
    load_competencies(db)
    for _ in range(70):
        make.person("DOHFW")
    event_tasks.seed_demo(db, random.Random(2024), people=70, progress=lambda n: None)
    # the default rules (competency-linked courses only), over the demo's extended window
    c = campaign(db, "NLW 2024 as the demo runs it", ends_on=date(2024, 10, 27))
    ledger.recompute(db, c.id)
    events = list(db.scalars(select(Event)))
    assert events and all(e.competencies for e in events)
    rows = campaign_repo.totals_of(db, c.id)
    assert sum(t.webinars for t in rows) == sum(a.minutes for a in db.scalars(select(Attendance))) > 0
