"""Done means, in a real browser: schedule, nominate within quota, watch live, upload a Samuhik Charcha sheet."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text

from saptah.core.db import unit_of_work
from saptah.core.modules import optional_module
from saptah.core.timeutil import IST
from saptah.directory.models import Person
from saptah.events.models import Attendance, Event
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser


def officers(factory, org_code, n, tag):
    """Officers of an organisation, added the way onboarding would (the small demo may have none there)."""
    from saptah.directory.service import create_person, org_by_code

    with unit_of_work(factory) as s:
        org = org_by_code(s, org_code)
        return [
            create_person(s, full_name=f"Officer {tag} {i}", email=f"officer.{tag}.{i}@{org_code.lower()}.gov.in",
                          org=org, designation="Deputy Secretary").email
            for i in range(n)
        ]  # fmt: skip


def attendance_of(factory, event_id, email):
    with unit_of_work(factory) as s:
        pid = s.scalar(select(Person.id).where(Person.email == email))
        return pid, s.scalar(select(Attendance).where(Attendance.event_id == event_id, Attendance.person_id == pid))


def credited_attendance(factory, event_id, email, within=10.0):
    """The attendance row once its first minute has gone to the campaign engine (or as it is after `within` s)."""
    deadline = time.monotonic() + within
    while True:
        pid, row = attendance_of(factory, event_id, email)
        if row.published_minutes >= 1 or time.monotonic() > deadline:
            return pid, row
        time.sleep(0.2)


def campaign_minutes(factory, person_id, event_id):
    """Minutes the campaign engine recorded for this attendance (None when there is no campaign engine)."""
    if optional_module("saptah.campaigns.models") is None:
        return None
    with unit_of_work(factory) as s:
        key = f"event:{person_id}:{event_id}"
        return s.execute(text("SELECT minutes FROM campaign_records WHERE source_key = :k"), {"k": key}).scalar()


def schedule(page, base, title, start, *, quota=""):
    page.goto(f"{base}/events/new")
    page.select_option("select[name=kind]", "central_webinar")
    page.fill("input[name=title_en]", title)
    page.select_option("select[name=theme]", "Technology")
    page.fill("textarea[name=speakers]", "Dr. Saurabh Garg")
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=duration_minutes]", "60")
    page.fill("input[name=stream_url]", "https://stream.example.in/live.mp4")
    page.fill("input[name=nomination_quota]", quota)
    page.select_option("select[name=nomination_unit]", "ministry")  # the quota below is per ministry
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=created]")
    return int(re.search(r"/events/(\d+)", page.url).group(1))


def test_events_done_means(live_server, page):
    base, factory = live_server["url"], live_server["factory"]
    now = datetime.now(IST)
    # an organiser schedules a central webinar that is live now, and one tomorrow taking 2 nominations per ministry
    sign_in_as(page, base, "organiser@saptah.demo")
    live_id = schedule(page, base, "Data for decisions (browser test)", now - timedelta(minutes=1))
    assert page.locator("[data-testid=status]").inner_text() == "live"
    later_id = schedule(page, base, "Cyber hygiene (browser test)", now + timedelta(days=1), quota="2")
    page.goto(f"{base}/events?q=browser+test")
    assert page.locator("[data-testid=calendar]").inner_text().count("(browser test)") == 2
    page.click("text=Sign out")

    # the MoHFW admin nominates two officers, and the third is refused with the reason
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    emails = officers(factory, "DOHFW", 3, "nom")
    for email in emails[:2]:
        page.goto(f"{base}/events/{later_id}")
        page.fill("[data-testid=nominate] input[name=email]", email)
        page.select_option("[data-testid=nominate] select[name=level]", "Other officer")
        page.click("[data-testid=nominate] button[type=submit]")
        page.wait_for_selector("[data-testid=flash]")
    assert page.locator("[data-testid=quota-left]").inner_text() == "0"
    assert page.locator("[data-testid=nominations]").inner_text().count("Other officer") == 2
    page.fill("[data-testid=nominate] input[name=email]", emails[2])
    page.click("[data-testid=nominate] button[type=submit]")
    assert "has used all 2 nominations for this event" in page.content()
    page.goto(f"{base}/")
    page.click("text=Sign out")

    # a learner watches the live page; presence pings every 2 s while visible and the minutes appear
    sign_in_as(page, base, "learner@saptah.demo")
    page.goto(f"{base}/events/{live_id}/watch?ping=2")
    assert page.locator("video").get_attribute("src") == "https://stream.example.in/live.mp4"
    # (a locator wait, not wait_for_function: the page's Content-Security-Policy forbids evaluating strings)
    expect(page.locator("#watched-minutes")).to_have_text(re.compile(r"^\s*[1-9]\d*\s*$"), timeout=100_000)
    page.goto(f"{base}/events/mine")
    assert int(page.locator(f"[data-testid=minutes-{live_id}]").inner_text()) >= 1
    pid, row = credited_attendance(factory, live_id, "learner@saptah.demo")  # the app's sweep sends it within seconds
    assert row.minutes >= 1 and row.published_minutes >= 1
    credited = campaign_minutes(factory, pid, live_id)
    assert credited is None if optional_module("saptah.campaigns.models") is None else credited >= 1
    page.click("text=Sign out")

    # the MoHFW admin uploads the Samuhik Charcha attendance sheet; attendees are credited, a stranger reported
    with unit_of_work(factory) as s:
        charcha = s.scalar(select(Event).where(Event.kind == "samuhik_charcha", Event.title_en.like("%Citizen-first%")))
        charcha_id, length = charcha.id, charcha.duration_minutes
    attendees = officers(factory, "DHR", 2, "charcha")
    sheet = "E-mail,Minutes\n" + "".join(f"{e},{length}\n" for e in attendees) + "ghost@nowhere.gov.in,30\n"
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.goto(f"{base}/events/{charcha_id}")
    page.set_input_files("[data-testid=import-form] input[name=file]",
                         files=[{"name": "charcha.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])  # fmt: skip
    page.click("[data-testid=import-form] button[type=submit]")
    summary = page.locator("[data-testid=import-summary]").inner_text()
    assert "2 rows imported, 1 rows with errors" in summary
    assert (
        "No one with e-mail ghost@nowhere.gov.in is registered."
        in page.locator("[data-testid=import-rows]").inner_text()
    )
    for email in attendees:
        pid, row = attendance_of(factory, charcha_id, email)
        assert row.minutes == length and row.attended
        credited = campaign_minutes(factory, pid, charcha_id)
        assert credited is None if optional_module("saptah.campaigns.models") is None else credited == length
