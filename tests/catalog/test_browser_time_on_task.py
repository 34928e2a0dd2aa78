"""In a real browser: the native player reports the time the page is visible, and refuses an early "done" with a
clear message saying what is left."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saptah.catalog import repository as catalog
from saptah.catalog.models import Course
from saptah.core.db import unit_of_work
from saptah.directory.models import Person
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser
COURSE = "MOHFW-KNOW-MINISTRY"  # Know Your Ministry (MoHFW): 165 minutes, three modules of 55, at least 27.5 on each


def _first_module_seconds(live) -> tuple[int, int]:
    with unit_of_work(live["factory"]) as session:
        person = session.scalar(select(Person).where(Person.email == "learner@saptah.demo"))
        course = session.scalar(select(Course).where(Course.code == COURSE))
        first = catalog.modules_of(session, course.id)[0]
        row = catalog.module_progress(session, person.id, course.id).get(first.id)
        return course.id, (row.seconds_in_use if row else 0)


def test_the_player_reports_time_and_refuses_an_early_done(live_server, page):
    base = live_server["url"]
    course_id, before = _first_module_seconds(live_server)
    assert before == 0, "the demo learner must start this course fresh"
    sign_in_as(page, base, "learner@saptah.demo")
    page.goto(f"{base}/courses/{course_id}")
    page.click("[data-testid=enrol]")
    page.wait_for_url("**/learn/**")
    left = page.locator("[data-testid=time-left]")
    assert "Spend about 28 minutes more on this module before marking it done." in left.inner_text()
    page.wait_for_timeout(3000)  # the page is read for a few seconds
    title = page.locator("[data-testid=module-title]").inner_text()
    page.click("[data-testid=mark-done]")
    page.wait_for_load_state("networkidle")
    refusal = page.locator("[data-testid=not-yet]")
    assert refusal.inner_text().startswith("Not yet: Spend about 28 minutes more on this module")
    assert page.locator("[data-testid=module-title]").inner_text() == title  # still on the same module
    assert page.locator("[data-testid=completed]").count() == 0
    _, spent = _first_module_seconds(live_server)
    assert 2 <= spent <= 60, "the page reported the seconds it was visible, and no more"
