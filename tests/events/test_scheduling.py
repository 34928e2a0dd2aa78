"""Scheduling, the calendar with filters, .ics downloads and registration, through the API and pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from saptah.core.db import utcnow
from saptah.core.timeutil import IST
from saptah.directory.models import Role
from tests.events.helpers import event, organiser
from tests.factories import csrf, sign_in

WEBINAR = {
    "kind": "central_webinar",
    "title_en": "India in a multipolar world",
    "title_hi": "बहुध्रुवीय विश्व में भारत",
    "theme": "Geopolitics",
    "speakers": ["Dr. S. Jaishankar"],
    "starts_at": "2030-10-22T17:00:00",
    "duration_minutes": 60,
    "mode": "online",
    "stream_url": "https://stream.example.in/geo",
}


def test_organiser_schedules_a_central_webinar_in_ist(client, make):
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org@dopt.gov.in")
    sign_in(client, "org@dopt.gov.in")
    r = client.post("/api/v1/events", json=WEBINAR)
    assert r.status_code == 201
    body = r.json()["event"]
    assert datetime.fromisoformat(body["starts_at"]).astimezone(IST).hour == 17
    assert body["title_hi"] == "बहुध्रुवीय विश्व में भारत"
    page = client.get(f"/events/{body['id']}")
    assert "India in a multipolar world" in page.text and "Dr. S. Jaishankar" in page.text


def test_mdo_admin_may_not_schedule_a_central_webinar_or_another_ministrys_event(client, make):
    make.person("MOHFW", role=Role.MDO_ADMIN, email="adm@mohfw.gov.in")
    sign_in(client, "adm@mohfw.gov.in")
    r = client.post("/api/v1/events", json=WEBINAR)
    assert r.status_code == 403 and "national organisers" in r.json()["error"]["message"]
    mdo = {**WEBINAR, "kind": "mdo_webinar", "organiser_org_code": "MHA"}
    r = client.post("/api/v1/events", json=mdo)
    assert r.status_code == 403 and "administer" in r.json()["error"]["message"]
    r = client.post("/api/v1/events", json={**mdo, "organiser_org_code": "DOHFW"})
    assert r.status_code == 201


def test_bad_event_fields_get_clear_messages(client, make):
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org2@dopt.gov.in")
    sign_in(client, "org2@dopt.gov.in")
    r = client.post("/api/v1/events", json={**WEBINAR, "stream_url": None})
    assert r.status_code == 400 and "stream" in r.json()["error"]["message"]
    r = client.post("/api/v1/events", json={**WEBINAR, "mode": "in_person"})
    assert r.status_code == 400 and "venue" in r.json()["error"]["message"]
    r = client.post("/api/v1/events", json={**WEBINAR, "theme": "Astrology"})
    assert r.status_code == 400 and "Theme must be one of" in r.json()["error"]["message"]
    r = client.post("/api/v1/events", json={**WEBINAR, "duration_minutes": 0})
    assert r.status_code == 400


def test_overlapping_events_are_allowed_but_warned(client, make):
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org3@dopt.gov.in")
    sign_in(client, "org3@dopt.gov.in")
    assert client.post("/api/v1/events", json=WEBINAR).json()["warnings"] == []
    later = {**WEBINAR, "title_en": "Cyber security for every official", "starts_at": "2030-10-22T17:30:00"}
    r = client.post("/api/v1/events", json=later)
    assert r.status_code == 201
    assert r.json()["warnings"] and "India in a multipolar world" in r.json()["warnings"][0]


def test_schedule_through_the_form_shows_errors_and_then_the_event(client, make):
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org4@dopt.gov.in")
    sign_in(client, "org4@dopt.gov.in")
    form = {"csrf_token": csrf(client), "kind": "central_webinar", "title_en": "Mission LiFE", "theme": "Finance"}
    form.update({"starts_at": "2030-10-24T11:00", "duration_minutes": "60", "mode": "online", "stream_url": ""})
    r = client.post("/events/new", data=form)
    assert r.status_code == 400 and "stream or meeting address" in r.text
    form["stream_url"] = "https://stream.example.in/life"
    r = client.post("/events/new", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "The event is scheduled." in page.text and "Mission LiFE" in page.text


def test_calendar_filters_by_kind_theme_organiser_and_ist_days(client, db, make):
    _, org = organiser(db, make)
    start = datetime(2030, 10, 21, 11, 0, tzinfo=IST)
    event(db, org, start=start, title_en="Economy talk", theme="Economy")
    event(db, org, start=start + timedelta(days=2), title_en="Health talk", theme="Health")
    make.person("DOHFW", email="learner@dohfw.gov.in")
    sign_in(client, "learner@dohfw.gov.in")
    titles = [e["title_en"] for e in client.get("/api/v1/events?theme=Economy").json()["items"]]
    assert titles == ["Economy talk"]
    titles = [e["title_en"] for e in client.get("/api/v1/events?from=2030-10-23&to=2030-10-23").json()["items"]]
    assert titles == ["Health talk"]
    assert client.get("/api/v1/events?kind=samuhik_charcha&org=DOPT").json()["total"] == 0
    assert client.get("/api/v1/events?theme=Astrology").status_code == 400
    page = client.get("/events?theme=Health")
    assert "Health talk" in page.text and "Economy talk" not in page.text


def test_ics_download_opens_in_a_calendar_app(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, start=datetime(2030, 10, 21, 11, 0, tzinfo=IST), title_en="Yoga at work")
    make.person("DOHFW", email="ics@dohfw.gov.in")
    sign_in(client, "ics@dohfw.gov.in")
    r = client.get(f"/events/{ev.id}/event.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    item = next(c for c in Calendar.from_ical(r.content).walk() if c.name == "VEVENT")
    assert str(item["summary"]) == "Yoga at work"
    assert item.decoded("dtstart").astimezone(IST).hour == 11
    assert (item.decoded("dtend") - item.decoded("dtstart")) == timedelta(minutes=60)


def test_registration_open_closed_and_full(client, db, make):
    _, org = organiser(db, make)
    upcoming = utcnow() + timedelta(days=1)
    open_ev = event(db, org, start=upcoming, capacity=1)
    closed_ev = event(db, org, start=upcoming, access="closed")
    make.person("DOHFW", email="first@dohfw.gov.in")
    make.person("DOHFW", email="second@dohfw.gov.in")
    sign_in(client, "first@dohfw.gov.in")
    assert client.post(f"/api/v1/events/{open_ev.id}/registrations").status_code == 201
    r = client.post(f"/api/v1/events/{closed_ev.id}/registrations")
    assert r.status_code == 403 and "invitation" in r.json()["error"]["message"]
    client.cookies.clear()
    sign_in(client, "second@dohfw.gov.in")
    r = client.post(f"/api/v1/events/{open_ev.id}/registrations")
    assert r.status_code == 409 and "full" in r.json()["error"]["message"]


def test_invitation_list_lets_invited_people_watch(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, access="closed")
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="inviter@dopt.gov.in")
    make.person("DOHFW", email="guest@dohfw.gov.in")
    sign_in(client, "inviter@dopt.gov.in")
    r = client.post(
        f"/events/{ev.id}/invite",
        data={"csrf_token": csrf(client), "emails": "guest@dohfw.gov.in\nnobody@nowhere.in"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = client.get(r.headers["location"]).text
    assert "Invited 1." in shown and "Not known: nobody@nowhere.in" in shown
    client.cookies.clear()
    sign_in(client, "guest@dohfw.gov.in")
    assert client.get(f"/events/{ev.id}/watch").status_code == 200


def test_calendar_shows_live_now_first_then_upcoming_then_past(client, db, make):
    _, org = organiser(db, make)
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    from tests.events.helpers import principal

    now = utcnow()
    for days in (30, 20, 10):
        event(db, org, start=now - timedelta(days=days), title_en=f"Ended {days} days ago")
    event(db, org, start=now + timedelta(days=5), title_en="In five days")
    event(db, org, start=now - timedelta(minutes=10), title_en="Live now")
    event(db, org, start=now + timedelta(days=1), title_en="Tomorrow")
    event(
        db, principal(db, admin), start=now + timedelta(days=2), title_en="MoHFW workshop", kind="offline_workshop",
        mode="in_person", venue="Nirman Bhawan", stream_url=None,
    )  # fmt: skip
    make.person("DOHFW", email="viewer@dohfw.gov.in")
    sign_in(client, "viewer@dohfw.gov.in")
    expected = [
        "Live now", "Tomorrow", "MoHFW workshop", "In five days",
        "Ended 10 days ago", "Ended 20 days ago", "Ended 30 days ago",
    ]  # fmt: skip
    titles = [e["title_en"] for e in client.get("/api/v1/events").json()["items"]]
    assert titles == expected
    paged = []
    for page in (1, 2, 3, 4):
        got = client.get("/api/v1/events", params={"size": 2, "page": page}).json()
        assert got["total"] == 7
        paged += [e["title_en"] for e in got["items"]]
    assert paged == expected
    html = client.get("/events").text
    assert [html.index(t) for t in expected] == sorted(html.index(t) for t in expected)
    picker = html.split('data-testid="organiser-filter"')[1].split("</select>")[0]
    assert "(MOHFW)" in picker and "(DOPT)" in picker and "(MHA)" not in picker  # only organisers of events
    mine = client.get("/events", params={"org": "MOHFW", "kind": "offline_workshop"}).text
    assert "MoHFW workshop" in mine and "Tomorrow" not in mine
