"""The language a person picks with the switch on the sign-in page is the one they get, and keep."""

from __future__ import annotations

import pytest

from saptah.core.db import unit_of_work
from saptah.directory import repository as directory
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser


def _choose(page, lang: str) -> None:
    """Pick a language with the switch (in the menu, behind its button on a phone)."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible():
        toggle.click()
    page.click(f"a[href='/lang/{lang}']")
    page.wait_for_selector(f"html[lang={lang}]")


def _profile_language(live_server, email: str) -> str:
    with unit_of_work(live_server["factory"]) as session:
        return directory.get_person_by_email(session, email).preferred_language


def test_hindi_chosen_before_signing_in_wins_over_the_profile_and_is_kept(live_server, browser):
    base, email = live_server["url"], "admin.mha@saptah.demo"
    assert _profile_language(live_server, email) == "en"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{base}/sign-in")
        _choose(page, "hi")  # the language switch, before signing in
        sign_in_as(page, base, email)
        assert page.get_attribute("html", "lang") == "hi"
        assert "मुख्य पृष्ठ" in page.content()
        assert _profile_language(live_server, email) == "hi"  # kept in the profile
        page.goto(f"{base}/people")
        assert page.get_attribute("html", "lang") == "hi" and "कर्मचारी" in page.locator("h1").inner_text()
    finally:
        context.close()
    # another browser (the phone): the profile now says Hindi
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_as(page, base, email)
        assert page.get_attribute("html", "lang") == "hi"
        _choose(page, "en")  # back to English while signed in: kept too
        assert _profile_language(live_server, email) == "en"
    finally:
        context.close()


def test_a_language_left_by_someone_else_does_not_override_the_profile(live_server, browser):
    """Signing in sets the interface language from the profile; the next person in the same browser, who chose
    nothing, gets their own profile's language, not the one the previous person's profile set."""
    base = live_server["url"]
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in_as(page, base, "learner@saptah.demo")
        page.goto(f"{base}/lang/hi")  # the learner's own choice, kept in the learner's profile
        page.click("text=साइन आउट")
        page.wait_for_url("**/sign-in")
        assert page.get_attribute("html", "lang") == "hi"  # the page still shows the last language used
        sign_in_as(page, base, "organiser@saptah.demo")  # chose nothing: the organiser's profile (English)
        assert page.get_attribute("html", "lang") == "en"
        assert _profile_language(live_server, "organiser@saptah.demo") == "en"
    finally:
        context.close()
