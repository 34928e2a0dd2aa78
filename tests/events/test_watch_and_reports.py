"""The watch page and its presence API over HTTP, per-event performance and the report tables."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from saptah.core.db import utcnow
from saptah.directory.models import Role
from saptah.events import attendance
from tests.events.helpers import event, organiser
from tests.factories import csrf, sign_in


def ping(client, event_id, **body):
    payload = {"tab": "tab-1", "seq": 1, "seconds": 30, **body}
    return client.post(f"/api/v1/events/{event_id}/presence", json=payload, headers={"X-CSRF-Token": csrf(client)})


def test_watch_page_plays_the_stream_and_pings_are_counted(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, stream_url="https://stream.example.in/live.mp4")
    make.person("DOHFW", email="watcher@dohfw.gov.in")
    sign_in(client, "watcher@dohfw.gov.in")
    page = client.get(f"/events/{ev.id}/watch?ping=5")
    assert '<video src="https://stream.example.in/live.mp4"' in page.text
    assert 'data-interval="5"' in page.text and "/static/events/watch.js" in page.text
    assert client.get("/static/events/watch.js").status_code == 200
    r = ping(client, ev.id)
    assert r.status_code == 200 and r.json()["counted"] and r.json()["seconds"] == 30
    replay = ping(client, ev.id)
    assert replay.status_code == 200 and not replay.json()["counted"] and replay.json()["seconds"] == 30


def test_bad_pings_get_clear_refusals(client, db, make):
    _, org = organiser(db, make)
    live = event(db, org)
    later = event(db, org, start=utcnow() + timedelta(days=1))
    me = make.person("DOHFW", email="pinger@dohfw.gov.in")
    other = make.person("DOHFW")
    r = ping(client, live.id)
    assert r.status_code == 401
    sign_in(client, "pinger@dohfw.gov.in")
    r = ping(client, later.id)
    assert (
        r.status_code == 409
        and r.json()["error"]["message"] == "This event is not live now, so presence is not recorded."
    )
    r = ping(client, live.id, person_id=other.id)
    assert r.status_code == 403 and "only for yourself" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/events/{live.id}/presence", json={"tab": "tab-1", "seq": 1, "seconds": 30})
    assert r.status_code == 403 and "Reload the page" in r.json()["error"]["message"]
    assert ping(client, live.id, seconds=-5).status_code == 400
    assert ping(client, 999999).status_code == 404
    assert ping(client, live.id, person_id=me.id).status_code == 200


def test_performance_page_and_report_tables_with_export(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=30, title_en="Data-driven decision making")
    people = [make.person("DOHFW") for _ in range(3)]
    for n, person in enumerate(people):
        for i in range(1, 6 + 10 * n):
            attendance.ping(db, event=ev, person_id=person.id, tab="t1", seq=i, seconds=60,
                            now=ev.starts_at + timedelta(minutes=i))  # fmt: skip
    db.commit()
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="rep@dopt.gov.in")
    sign_in(client, "rep@dopt.gov.in")
    page = client.get(f"/events/{ev.id}/performance")
    assert 'data-testid="attendees">3<' in page.text and 'data-testid="peak">3<' in page.text
    assert 'data-testid="average">15.0<' in page.text  # (5 + 15 + 25) / 3
    assert 'data-testid="over-half">33.3 %<' in page.text
    r = client.get("/events/reports/central.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = next(row for row in rows if row[1] == "Data-driven decision making")
    assert mine[6:] == ["3", "3", "15.0", "33.3"]
    assert "Data-driven decision making" in client.get("/events/reports").text
    assert client.get("/events/reports/elsewhere.csv").status_code == 404


def test_learners_cannot_read_performance_or_reports(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    make.person("DOHFW", email="curious@dohfw.gov.in")
    sign_in(client, "curious@dohfw.gov.in")
    assert client.get(f"/events/{ev.id}/performance").status_code == 403
    assert client.get("/events/reports").status_code == 403
    assert client.get(f"/api/v1/events/{ev.id}/performance").status_code == 403


def test_my_events_shows_minutes_and_organiser_closes_attendance(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, start=utcnow() - timedelta(minutes=90), minutes=60)
    learner = make.person("DOHFW", email="mine@dohfw.gov.in")
    for i in range(1, 13):
        attendance.ping(db, event=ev, person_id=learner.id, tab="t1", seq=i, seconds=60,
                        now=ev.starts_at + timedelta(minutes=i))  # fmt: skip
    db.commit()
    sign_in(client, "mine@dohfw.gov.in")
    assert f'data-testid="minutes-{ev.id}">12<' in client.get("/events/mine").text
    client.cookies.clear()
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="closer@dopt.gov.in")
    sign_in(client, "closer@dopt.gov.in")
    r = client.post(f"/events/{ev.id}/finalise", data={"csrf_token": csrf(client)})
    assert r.status_code == 200 and "Attendance closed; 1 people credited." in r.text
    r = client.post(f"/events/{ev.id}/update", data={"csrf_token": csrf(client), "recording_url": "javascript:x"})
    assert r.status_code == 400
    r = client.post(f"/events/{ev.id}/update", data={"csrf_token": csrf(client), "recording_url": "https://rec.in/1"})
    assert 'href="https://rec.in/1"' in r.text


def test_attendance_certificate_only_for_those_who_attended(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, start=utcnow() - timedelta(minutes=50), minutes=40, title_en="Ethics in public life")
    stayed = make.person("DOHFW", email="stayed@dohfw.gov.in", full_name="Meera Pillai")
    make.person("DOHFW", email="left@dohfw.gov.in")
    for i in range(1, 31):
        attendance.ping(db, event=ev, person_id=stayed.id, tab="t1", seq=i, seconds=60,
                        now=ev.starts_at + timedelta(minutes=i))  # fmt: skip
    db.commit()
    sign_in(client, "left@dohfw.gov.in")
    r = client.post(f"/events/{ev.id}/certificate", data={"csrf_token": csrf(client)})
    assert r.status_code == 409 and "more than half" in r.text
    client.cookies.clear()
    sign_in(client, "stayed@dohfw.gov.in")
    assert 'data-testid="certificate"' in client.get(f"/events/{ev.id}").text
    r = client.post(f"/events/{ev.id}/certificate", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/certificates/")
    again = client.post(f"/events/{ev.id}/certificate", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert again.headers["location"] == r.headers["location"]  # one certificate per person and event
    pdf = client.get(r.headers["location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_sign_out_stops_presence_pings_within_the_session_cache_bound(client, db, make, monkeypatch):
    from saptah.events import presence

    _, org = organiser(db, make)
    ev = event(db, org)
    make.person("DOHFW", email="leaver@dohfw.gov.in")
    sign_in(client, "leaver@dohfw.gov.in")
    assert ping(client, ev.id, seq=1).json()["counted"]
    cookie = client.cookies.get("saptah_session")
    r = client.post("/sign-out", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code in (302, 303)
    client.cookies.set("saptah_session", cookie)  # a watch page still holding the old cookie
    r = ping(client, ev.id, seq=2)
    assert r.status_code == 200 and r.json()["counted"]  # within SESSION_CACHE_SECONDS (90 s): still its own pings
    assert client.get("/api/v1/events").status_code == 401  # every other route refuses at once
    monkeypatch.setattr(presence, "SESSION_CACHE_SECONDS", 0.0)  # the bound has passed
    r = ping(client, ev.id, seq=3)
    assert r.status_code == 401 and r.json()["error"]["message"] == "Please sign in."


def test_pings_arriving_together_share_a_transaction_but_keep_their_own_answers(client, app, db, make):
    from saptah.core.errors import Forbidden, NotAuthenticated, NotFound
    from saptah.events import presence

    _, org = organiser(db, make)
    ev = event(db, org)
    make.person("DOHFW", email="together@dohfw.gov.in")
    other = make.person("DOHFW")
    sign_in(client, "together@dohfw.gov.in")
    cookie = client.cookies.get("saptah_session")
    batch = [
        presence.Ping(ev.id, cookie, None, "tab-1", 1, 30, None),
        presence.Ping(ev.id, "no-such-session", None, "tab-1", 1, 30, None),
        presence.Ping(ev.id, cookie, None, "tab-2", 1, 30, other.id),
        presence.Ping(999999, cookie, None, "tab-1", 1, 30, None),
        presence.Ping(ev.id, cookie, None, "tab-2", 1, 30, None),
    ]
    ok, unknown, not_mine, no_event, second_tab = presence.run_batch(app.state, batch)
    assert ok.counted and ok.seconds == 30
    assert isinstance(unknown, NotAuthenticated) and isinstance(not_mine, Forbidden) and isinstance(no_event, NotFound)
    assert second_tab.counted and second_tab.seconds == 30  # the same person's other tab: the same 30 s, once


def test_concurrent_pings_over_http_are_merged_exactly(client, app, db, make):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    _, org = organiser(db, make)
    ev = event(db, org)
    emails = [f"crowd{i}@dohfw.gov.in" for i in range(3)]
    cookies = []
    for email in emails:
        make.person("DOHFW", email=email)
        client.cookies.clear()
        sign_in(client, email)
        cookies.append((client.cookies.get("saptah_session"), csrf(client)))

    async def crowd():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:

            async def one(cookie, token, tab, seq):
                ac_cookies = {"saptah_session": cookie, "saptah_csrf": token}
                body = {"tab": tab, "seq": seq, "seconds": 60}
                headers = {"X-CSRF-Token": token, "Cookie": "; ".join(f"{k}={v}" for k, v in ac_cookies.items())}
                return await ac.post(f"/api/v1/events/{ev.id}/presence", json=body, headers=headers)

            jobs = [one(c, t, tab, 1) for c, t in cookies for tab in ("tab-a", "tab-b", "tab-a")]
            return await asyncio.gather(*jobs)

    with ThreadPoolExecutor(1) as pool:  # its own thread: another test (the browser's) may hold this one's loop
        answers = pool.submit(asyncio.run, crowd()).result()
    assert all(r.status_code == 200 for r in answers)
    assert sum(r.json()["counted"] for r in answers) == 6  # two tabs each; the repeated tab-a ping is not counted
    perf = attendance.performance(db, ev)
    assert perf["attendees"] == 3 and perf["peak_viewers"] == 3
    assert {r.json()["seconds"] for r in answers} == {60}
