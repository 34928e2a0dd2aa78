"""A closed event's stream address reaches only those the watch page lets in (issue 15, defect 5)."""

from __future__ import annotations

from saptah.directory.models import Role
from tests.events.helpers import event, mohfw_admin
from tests.factories import sign_in

STREAM = "https://stream.example.in/secret-briefing.m3u8"


def closed_mohfw_event(db, make):
    _, admin = mohfw_admin(db, make)
    return event(db, admin, kind="mdo_webinar", access="closed", stream_url=STREAM)


def test_another_ministrys_admin_sees_no_stream_address(client, db, make):
    ev = closed_mohfw_event(db, make)
    outsider = make.person("MOAFW", role=Role.MDO_ADMIN)
    sign_in(client, outsider.email)
    assert client.get(f"/events/{ev.id}/watch").status_code == 404
    one = client.get(f"/api/v1/events/{ev.id}")
    assert one.status_code == 200 and one.json()["stream_url"] is None
    listed = client.get("/api/v1/events", params={"q": ev.title_en, "size": 200})
    assert all(item["stream_url"] is None for item in listed.json()["items"] if item["id"] == ev.id)
    for ics in (f"/api/v1/events/{ev.id}/event.ics", f"/events/{ev.id}/event.ics"):
        answer = client.get(ics)
        assert answer.status_code == 200 and "BEGIN:VEVENT" in answer.text
        assert "secret-briefing" not in answer.text


def test_the_invited_and_the_organisers_see_it(client, db, make):
    ev = closed_mohfw_event(db, make)
    from saptah.events.models import Registration

    guest = make.person("MOAFW")
    db.add(Registration(event_id=ev.id, person_id=guest.id, source="invited"))
    db.commit()
    for person in (guest, make.person("MOHFW", role=Role.MDO_ADMIN)):
        client.cookies.clear()
        sign_in(client, person.email)
        assert client.get(f"/api/v1/events/{ev.id}").json()["stream_url"] == STREAM
        assert "secret-briefing" in client.get(f"/events/{ev.id}/event.ics").text.replace("\r\n ", "")
