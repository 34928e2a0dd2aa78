"""Every page of every role at a phone's width (390 px), in English and Hindi: no horizontal scrolling, and no
serious or critical accessibility violation found by axe-core."""

from __future__ import annotations

import pytest

from tests.browser import axe
from tests.browser.crawl import crawl, overflow
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser

ROLES = [
    "learner@saptah.demo",
    "admin.mohfw@saptah.demo",
    "leader.mohfw@saptah.demo",
    "organiser@saptah.demo",
    "provider@saptah.demo",
]
PHONE = {"width": 390, "height": 844}
# Each role's pages are crawled once on each database, in English on one and in Hindi on the other: every page is
# rendered by both databases and read in both languages, at half the cost of all four (a crawl takes 30-40 s).
LANGUAGE_ON = {"sqlite": "en", "postgresql": "hi"}


@pytest.mark.parametrize("email", ROLES)
def test_every_page_fits_a_phone_and_passes_axe(live_server, backend, browser, email):
    base = live_server["url"]
    lang = LANGUAGE_ON[backend]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    axe.install(context)
    page = context.new_page()
    try:
        sign_in_as(page, base, email)
        page.goto(f"{base}/lang/{lang}")
        extra: tuple[str, ...] = ()
        if email.startswith("learner"):  # the course player and its assessment: enrol in a native course first
            page.goto(f"{base}/courses?q=Stress")
            page.click("[data-testid=course-table] a >> nth=0")
            page.wait_for_url("**/courses/*")
            extra = (page.url.removeprefix(base).replace("/courses/", "/learn/"),)
            if page.locator("[data-testid=enrol]").count():
                page.click("[data-testid=enrol]")
                page.wait_for_url("**/learn/*")
        problems, visited = [], []
        for path in crawl(page, base, extra=extra):
            visited.append(path)
            wider = overflow(page)
            if wider > 0:
                problems.append(f"{path}: {wider} px wider than the phone")
            problems.extend(f"{path}: {v}" for v in axe.serious(page))
        assert len(visited) >= 10, visited
        assert not extra or extra[0] in visited
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_menu_folds_behind_a_button_on_a_phone(live_server, browser):
    base = live_server["url"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in_as(page, base, "learner@saptah.demo")
        nav = page.locator("#site-nav")
        toggle = page.locator("[data-menu-toggle]")
        assert toggle.is_visible() and not nav.is_visible()
        # the first card (progress to the target) starts high on the screen, not under a long menu
        assert page.locator("[data-testid=campaign-panel]").bounding_box()["y"] < 220
        toggle.click()
        assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        page.locator("#site-nav a[href='/my/learning']").click()
        page.wait_for_url("**/my/learning")
    finally:
        context.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    try:
        sign_in_as(page, base, "learner@saptah.demo")
        assert page.locator("#site-nav").is_visible() and not page.locator("[data-menu-toggle]").is_visible()
    finally:
        wide.close()


def test_learner_home_in_order_with_assigned_courses_and_deadlines(live_server, page):
    sign_in_as(page, live_server["url"], "learner@saptah.demo")
    page.goto(f"{live_server['url']}/lang/en")  # the crawl above left Hindi in the learner's profile
    page.goto(f"{live_server['url']}/")
    order = page.eval_on_selector_all("[data-testid=home-panels] > .card", "els => els.map(e => e.dataset.testid)")
    assert order == ["campaign-panel", "events-panel", "plans-panel", "learning-panel", "rank-panel"]
    assigned = page.locator("[data-testid=assigned] li")
    assert assigned.count() >= 3
    first = assigned.first.inner_text()
    assert "Mandatory" in first  # the demo's circular plans (the earliest deadline first) come before the others
    # soonest deadline first, as a date the learner can read
    deadlines = page.eval_on_selector_all("[data-testid=deadline]", "els => els.map(e => e.getAttribute('datetime'))")
    assert deadlines == sorted(deadlines) and len(deadlines) >= 2
