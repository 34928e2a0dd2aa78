"""Each demo role signs in in a real browser and sees its own home page."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser

ROLES = [
    ("learner@saptah.demo", "Learner", None),
    ("admin.mohfw@saptah.demo", "MDO admin", "admin-home"),
    ("leader.mohfw@saptah.demo", "MDO leader", "admin-home"),
    ("organiser@saptah.demo", "National organiser", "national-home"),
    ("provider@saptah.demo", "Content provider", None),
]


@pytest.mark.parametrize(("email", "label", "panel"), ROLES)
def test_each_role_signs_in_and_sees_home(live_server, page, email, label, panel):
    sign_in_as(page, live_server["url"], email)
    assert page.locator("[data-testid=role]").inner_text() == label
    if panel:
        assert page.locator(f"[data-testid={panel}]").is_visible()
    page.click("text=Sign out")
    page.wait_for_url("**/sign-in")


def test_hindi_renders_with_served_font(live_server, page):
    sign_in_as(page, live_server["url"], "learner@saptah.demo")
    page.goto(f"{live_server['url']}/lang/hi")
    page.goto(f"{live_server['url']}/")
    assert "स्वागत है" in page.content()
    # the Devanagari font is served by Saptah and actually loaded by the browser
    loaded = page.evaluate("document.fonts.load('16px \"Noto Sans Devanagari\"', 'स्वागत').then(f => f.length)")
    assert loaded >= 1
    width = page.evaluate(
        "() => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = '32px \"Noto Sans Devanagari\"'; return c.measureText('स्वागत').width; }"
    )
    assert width > 40
