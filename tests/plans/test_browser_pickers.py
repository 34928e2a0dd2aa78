"""In a real browser: an MDO admin builds a plan with pickers, not codes (the course picker searches as they type,
the audience count updates as they choose), all from /static/pickers.js with no inline script."""

from __future__ import annotations

import re

import pytest

from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser


def _settled(count) -> int:
    """The audience count once it stops changing (each change refreshes it after a 300 ms pause and a fetch)."""
    last = None
    for _ in range(40):
        now = count.inner_text()
        if now == last:
            return int(re.sub(r"\D", "", now))
        last = now
        count.page.wait_for_timeout(800)
    raise AssertionError(f"the audience count kept changing: {last}")


def test_admin_builds_a_plan_with_the_pickers(live_server, page) -> None:
    base = live_server["url"]
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("nav >> text=Plans")
    form = page.locator("[data-testid=new-plan]")
    count = page.locator("[data-testid=audience-count]")
    count.filter(has_text=re.compile(r"\d people match")).wait_for(timeout=15000)
    everyone = int(re.sub(r"\D", "", count.inner_text()))
    assert everyone > 0
    page.select_option("[data-testid=audience-org]", "DOHFW")
    form.locator("input[name=groups][value='Group B']").check()
    page.wait_for_function(
        "n => { const t = document.querySelector('[data-testid=audience-count]').textContent;"
        " return /people match/.test(t) && parseInt(t.replace(/\\D/g, '')) < n; }",
        arg=everyone,
        timeout=15000,
    )
    narrowed = _settled(count)  # both changes counted (the first reply may come before the second change's)
    form.locator("input[name=title]").fill("Group B of DoHFW: Jan Bhagidari")
    form.locator("button", has_text="Create draft").click()
    page.wait_for_selector("[data-testid=plan-reach]")
    assert f"reaches {narrowed:,} people" in page.locator("[data-testid=plan-reach]").inner_text()

    page.fill("input[name=course_q]", "jan bhag")
    pick = page.locator("[data-testid=course-picks] input[value=IKR-JAN-BHAGIDARI]")
    pick.wait_for(timeout=15000)  # fetched as typed: the search form was not submitted
    assert "course_q" not in page.url
    label = page.locator("[data-testid=course-picks] label", has=page.locator("input[value=IKR-JAN-BHAGIDARI]"))
    label = label.inner_text()
    assert "Jan Bhagidari (Bilingual)" in label and "80 min" in label and "IKR-JAN-BHAGIDARI" in label
    pick.check()
    page.locator("[data-testid=add-item] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    items = page.locator("[data-testid=items]").inner_text()
    assert "Jan Bhagidari (Bilingual)" in items and "IKR-JAN-BHAGIDARI" in items

    page.goto(f"{base}/plans/compliance")
    assert page.locator("select[name=org] option").count() > 1
    assert blocked == []


def test_the_pickers_speak_the_pages_language(live_server, page) -> None:
    """The words pickers.js writes come translated from the page (#saptah-text), not in English."""
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.goto(f"{base}/lang/hi")
    try:
        page.goto(f"{base}/plans")
        count = page.locator("[data-testid=audience-count]")
        count.filter(has_text=re.compile(r"\d लोग मेल खाते हैं")).wait_for(timeout=15000)
        assert "people match" not in count.inner_text()
        box = page.locator("select[data-org-picker]").first
        if page.locator("input.picker-filter").count():
            assert page.locator("input.picker-filter").first.get_attribute("placeholder") == "संगठन छाँटें"
        assert box.count() == 1
    finally:
        page.goto(f"{base}/lang/en")  # the choice is kept in the profile: give the next test its English back
