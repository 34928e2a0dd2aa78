"""In a real browser (Debian chromium): a content provider uploads SCORM 1.2 and 2004 packages through the form
(a malicious one is refused with the reason); a learner launches, suspends, resumes on another device, completes,
fails and passes, with scorm-again's run-time served by Saptah and the CMI data kept by the server."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.fixtures import sign_in_as
from tests.catalog import scorm_builder

pytestmark = pytest.mark.browser
# SCORM time on task is tested against the clock over HTTP (test_scorm_runtime); here a lesson may finish at once.
LIVE_SETTINGS = {"module_min_share": 0}
LEARNER = "learner@saptah.demo"


def _upload(page: Any, base: str, version: str, code: str, data: bytes) -> None:
    page.goto(f"{base}/catalog/scorm")
    page.set_input_files("[data-testid=scorm-file]", {"name": f"{code}.zip", "mimeType": "application/zip",
                                                       "buffer": data})  # fmt: skip
    page.fill("[data-testid=scorm-code]", code)
    page.fill("[data-testid=scorm-minutes]", "15")
    page.fill("[data-testid=scorm-competencies]", "BEH-SELF")
    page.click("[data-testid=scorm-submit]")
    page.wait_for_load_state("networkidle")


def _publish(page: Any) -> None:
    page.select_option("select[name=status]", "live")
    page.click("form[action$='/status'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _attempt(live: dict[str, Any], code: str) -> Any:
    """The demo learner's latest attempt at the course's first SCO, as the server stored it."""
    from sqlalchemy import select

    from saptah.catalog.models import Course, ScormPackage
    from saptah.core.db import unit_of_work
    from saptah.directory.models import Person
    from saptah.lrs.models import ScormAttempt

    with unit_of_work(live["factory"]) as session:
        person = session.scalar(select(Person.id).where(Person.email == LEARNER))
        package = session.scalar(select(ScormPackage.id).join(Course, Course.id == ScormPackage.course_id)
                                 .where(Course.code == code))  # fmt: skip
        row = session.scalar(
            select(ScormAttempt).where(ScormAttempt.person_id == person, ScormAttempt.package_id == package)
            .order_by(ScormAttempt.attempt_no.desc()).limit(1)
        )  # fmt: skip
        if row is not None:
            session.expunge(row)
        return row


def _wait_for(check: Any, what: str, timeout: float = 10) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _open_lesson(page: Any, base: str, course_id: str) -> Any:
    page.goto(f"{base}/courses/{course_id}")
    page.click("[data-testid=continue]")
    page.wait_for_url("**/scorm/*/play**")
    frame = page.frame_locator("#scorm-frame")
    frame.locator("#entry").wait_for()
    return frame


def _course_id(page: Any) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def test_scorm_12_upload_launch_suspend_resume_elsewhere_and_complete(live_server, browser):
    base = live_server["url"]
    provider = browser.new_context()
    page = provider.new_page()
    sign_in_as(page, base, "provider@saptah.demo")
    _upload(page, base, "1.2", "SCORM-EVIL", scorm_builder.with_extra("1.2", "../../etc/evil.html"))
    assert "zip slip" in page.locator("[data-testid=scorm-error]").inner_text()
    _upload(page, base, "1.2", "SCORM-BROWSER-12", scorm_builder.build("1.2", title="Ethics (SCORM 1.2)"))
    assert page.locator("[data-testid=course-title]").inner_text() == "Ethics (SCORM 1.2)"
    _publish(page)
    course_id = _course_id(page)
    provider.close()

    laptop = browser.new_context()
    page = laptop.new_page()
    sign_in_as(page, base, LEARNER)
    page.goto(f"{base}/courses/{course_id}")
    page.click("[data-testid=enrol]")
    page.wait_for_load_state("networkidle")
    frame = _open_lesson(page, base, course_id)
    assert frame.locator("#entry").inner_text() == "entry=ab-initio"
    assert frame.locator("#learner").inner_text().startswith("learner=")
    frame.locator("#suspend-btn").click()
    frame.locator("#done").filter(has_text="suspended").wait_for()
    stored = _wait_for(lambda: (a := _attempt(live_server, "SCORM-BROWSER-12")) and a.terminated and a, "the suspend")
    assert stored.exit == "suspend" and stored.cmi["core"]["lesson_location"] == "page-2"
    laptop.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    sign_in_as(page, base, LEARNER)
    frame = _open_lesson(page, base, course_id)
    assert frame.locator("#entry").inner_text() == "entry=resume"
    assert frame.locator("#location").inner_text() == "location=page-2"
    assert frame.locator("#suspend").inner_text() == "suspend=seen=1,2"
    assert frame.locator("#status").inner_text() == "status=incomplete"
    frame.locator("#complete-btn").click()
    page.locator("[data-testid=scorm-status]").filter(has_text="completed this lesson").wait_for()
    page.goto(f"{base}/courses/{course_id}")
    assert page.locator("[data-testid=completed]").is_visible()
    phone.close()


def test_scorm_2004_fail_then_pass(live_server, browser):
    base = live_server["url"]
    context = browser.new_context()
    page = context.new_page()
    sign_in_as(page, base, "provider@saptah.demo")
    _upload(page, base, "2004", "SCORM-BROWSER-2004", scorm_builder.build("2004", title="RTI quiz", mastery=0.8))
    _publish(page)
    course_id = _course_id(page)
    page.click("text=Sign out")
    sign_in_as(page, base, LEARNER)
    page.goto(f"{base}/courses/{course_id}")
    page.click("[data-testid=enrol]")
    page.wait_for_load_state("networkidle")
    frame = _open_lesson(page, base, course_id)
    assert frame.locator("#mastery").inner_text() == "mastery=0.8"
    frame.locator("#score").fill("50")
    frame.locator("#score-btn").click()
    frame.locator("#done").filter(has_text="scored").wait_for()
    failed = _wait_for(lambda: (a := _attempt(live_server, "SCORM-BROWSER-2004")) and a.terminated and a, "the fail")
    assert failed.success == "failed" and failed.satisfied_at is None
    page.goto(f"{base}/courses/{course_id}")
    assert page.locator("[data-testid=completed]").count() == 0

    frame = _open_lesson(page, base, course_id)
    assert frame.locator("#entry").inner_text() == "entry=ab-initio"
    assert "Attempt 2" in page.locator("[data-testid=scorm-attempt]").inner_text()
    frame.locator("#score").fill("90")
    frame.locator("#score-btn").click()
    page.locator("[data-testid=scorm-status]").filter(has_text="completed this lesson").wait_for()
    page.goto(f"{base}/courses/{course_id}")
    assert page.locator("[data-testid=completed]").is_visible()
    context.close()


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_scorm_pages_fit_a_phone_and_pass_axe(live_server, browser, lang):
    from tests.browser import axe
    from tests.browser.crawl import overflow

    base = live_server["url"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    axe.install(context)
    page = context.new_page()
    code = f"SCORM-PHONE-{lang.upper()}"
    problems: list[str] = []

    def check(what: str) -> None:
        if overflow(page) > 0:
            problems.append(f"{what}: {overflow(page)} px wider than the phone")
        problems.extend(f"{what}: {v}" for v in axe.serious(page))

    sign_in_as(page, base, "provider@saptah.demo")
    page.goto(f"{base}/lang/{lang}")
    page.goto(f"{base}/catalog/scorm")
    check("upload form")
    _upload(page, base, "1.2", code, scorm_builder.build("1.2", title="Two lessons", lessons=2))
    _publish(page)
    course_id = _course_id(page)
    _upload(page, base, "1.2", code, scorm_builder.with_extra("1.2", "/etc/passwd"))
    assert page.locator("[data-testid=scorm-error]").is_visible()
    check("upload form with a refusal")
    context.clear_cookies()  # signed out
    sign_in_as(page, base, LEARNER)
    page.goto(f"{base}/lang/{lang}")
    page.goto(f"{base}/courses/{course_id}")
    page.click("[data-testid=enrol]")
    page.wait_for_load_state("networkidle")
    _open_lesson(page, base, course_id)
    assert page.locator("[data-testid=scorm-items] li").count() == 2
    check("player")
    context.close()
    assert not problems, "\n".join(problems)
