"""Installable and usable offline: manifest, icons and service worker; pages already opened and a course's text
modules readable without a connection; time and "done" marks made offline sent when the connection returns."""

from __future__ import annotations

import time

import httpx
import pytest

from saptah.catalog import repository as catalog
from saptah.core.db import unit_of_work
from saptah.directory import repository as directory
from tests.browser.fixtures import sign_in_as, spent_time_on_modules

pytestmark = pytest.mark.browser


def test_manifest_icons_and_service_worker_are_served(live_server):
    base = live_server["url"]
    manifest = httpx.get(f"{base}/manifest.webmanifest").json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert httpx.get(base + icon["src"]).status_code == 200
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    worker = httpx.get(f"{base}/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert httpx.get(f"{base}/favicon.ico").headers["content-type"] == "image/x-icon"


def _server_state(factory, code: str) -> tuple[int, set[int], int]:
    """(seconds in use, modules done, number of modules) of the demo learner in a course."""
    with unit_of_work(factory) as session:
        person = directory.get_person_by_email(session, "learner@saptah.demo")
        course = catalog.course_by_code(session, code)
        enrolment = catalog.get_enrolment(session, person.id, course.id)
        progress = catalog.module_progress(session, person.id, course.id)
        done = {m for m, row in progress.items() if row.done_at is not None}
        return (enrolment.seconds_in_use if enrolment else 0), done, len(progress)


def _wait_until(check, what: str, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not seen: {what}")
        time.sleep(0.2)


def test_pages_and_modules_read_offline_and_offline_work_is_sent_on_return(live_server, browser):
    base, factory = live_server["url"], live_server["factory"]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_as(page, base, "learner@saptah.demo")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # the page is now looked after by the service worker
        assert page.evaluate("!!navigator.serviceWorker.controller")
        page.goto(f"{base}/courses?q=Jan+Bhagidari")
        page.click("[data-testid=course-table] a >> nth=0")
        page.click("[data-testid=enrol]")
        page.wait_for_url("**/learn/*")
        # a "done" mark counts only after the module's time on task, offline as online
        spent_time_on_modules(live_server, "learner@saptah.demo", "Jan Bhagidari (Bilingual)")
        course_url = page.url
        first_title = page.locator("[data-testid=module-title]").inner_text()
        second = page.eval_on_selector_all("[data-testid=module-list] a[href^='/learn/']", "e => e[0].href")
        page.goto(second)  # read online once: kept on the device
        page.goto(course_url)
        page.wait_for_function(
            "url => caches.open('saptah-pages-v1').then(c => c.match(url)).then(r => !!r)", arg=second
        )
        token = page.input_value("input[name=csrf_token]")
        module_id = page.get_attribute("[data-testid=module]", "data-module")
        seconds_before, done_before, _ = _server_state(factory, "IKR-JAN-BHAGIDARI")

        context.set_offline(True)
        page.goto(f"{base}/")  # a page opened before
        assert page.locator("[data-testid=campaign-panel]").is_visible()
        assert page.locator("[data-offline-note]").is_visible()
        page.goto(second)  # a module read before
        assert page.locator("[data-testid=module-title]").inner_text() not in ("", first_title)
        page.goto(course_url)
        page.click("[data-testid=mark-done]")  # marked done without a connection
        page.wait_for_url("**/offline?kept=1*")
        assert page.locator("[data-testid=kept-note]").is_visible()
        queued = page.evaluate(
            """([url, token, module]) => fetch(url, {method: 'POST', body: new URLSearchParams(
                   {csrf_token: token, module_id: module, seconds: '30'})}).then(r => r.status)""",
            [course_url.replace("/learn/", "/learn/").split("?")[0] + "/ping", token, module_id],
        )
        assert queued == 202  # kept on the device
        assert _server_state(factory, "IKR-JAN-BHAGIDARI")[:2] == (seconds_before, done_before)

        context.set_offline(False)
        page.goto(f"{base}/")  # back online: what waited is sent
        _wait_until(lambda: len(_server_state(factory, "IKR-JAN-BHAGIDARI")[1]) == len(done_before) + 1, "done mark")
        _wait_until(lambda: _server_state(factory, "IKR-JAN-BHAGIDARI")[0] >= seconds_before + 30, "30 s of reading")
        page.goto(course_url)
        assert "done" in page.locator("[data-testid=module-list]").inner_text()
    finally:
        context.close()


def test_modules_of_an_enrolled_course_are_kept_offline_without_being_opened(live_server, browser):
    """Enrolled elsewhere (say on the desktop), the learner opens only the home page on the phone: every module of
    the course is fetched ahead and readable offline, and fetching ahead records nothing (no resume point)."""
    from saptah.catalog import service as catalog_service

    base, factory, email = live_server["url"], live_server["factory"], "leader.mohfw@saptah.demo"
    with unit_of_work(factory) as session:
        person = directory.get_person_by_email(session, email)
        course = catalog.course_by_code(session, "DOPT-OFFICE-PROC")
        catalog_service.enrol(session, person_id=person.id, course_id=course.id)
        modules = [(m.id, m.title) for m in catalog.modules_of(session, course.id)]
        course_id, person_id = course.id, person.id
    assert len(modules) == 3
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_as(page, base, email)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # looked after by the service worker: it is asked to keep the enrolled courses
        assert page.evaluate("!!navigator.serviceWorker.controller")
        urls = [f"{base}/learn/{course_id}?module={mid}" for mid, _ in modules]
        page.wait_for_function(
            "urls => caches.open('saptah-pages-v1').then(c => Promise.all(urls.map(u => c.match(u))))"
            ".then(hits => hits.every(Boolean))",
            arg=urls,
            timeout=30000,
        )
        with unit_of_work(factory) as session:
            enrolment = catalog.get_enrolment(session, person_id, course_id)
            assert enrolment.last_module_id is None  # fetched ahead, not opened
            assert catalog.module_progress(session, person_id, course_id) == {}

        context.set_offline(True)
        for url, (_mid, title) in zip(urls, modules, strict=True):
            page.goto(url)  # never opened online
            assert page.locator("[data-testid=module-title]").inner_text() == title
            assert page.locator("[data-offline-note]").is_visible()
    finally:
        context.close()
