"""The competency passport in a real browser: a learner's passport, gaps and recommendations (and the PDF), an
MDO admin's needs and gap dashboard, and another ministry's admin kept out."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser


def _complete(live, email: str, course_code: str) -> None:
    """Record a completion the way a provider's bulk upload would (the learner's own player is tested elsewhere)."""
    from datetime import timedelta

    from sqlalchemy import select

    from saptah.catalog import service as catalog
    from saptah.core.db import unit_of_work, utcnow
    from saptah.directory.models import Person

    with unit_of_work(live["factory"]) as session:
        person = session.scalar(select(Person).where(Person.email == email))
        course = catalog.course_by_code(session, course_code)
        catalog.complete_course(session, person_id=person.id, course_id=course.id, at=utcnow() - timedelta(hours=1),
                                source="bulk")  # fmt: skip


def test_a_learner_sees_gaps_closes_one_and_downloads_the_passport(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "learner@saptah.demo")
    page.click("#site-nav a[href='/my/passport']")
    page.wait_for_url("**/my/passport")
    gaps = page.locator("[data-testid=gaps]")
    assert gaps.locator("tr[data-code=BEH-SELF]").count() == 1  # Group B staff of MoHFW need self-awareness
    first = page.locator("[data-testid=recommendations] li[data-kind=course] a").first
    assert first.is_visible()
    _complete(live_server, "learner@saptah.demo", "DOPT-STRESS")
    page.reload()
    held = page.locator("[data-testid=holdings] tr[data-code=BEH-SELF]")
    assert "Stress Management" in held.inner_text()
    assert gaps.locator("tr[data-code=BEH-SELF]").count() == 0
    with page.expect_download() as download:
        page.click("[data-testid=passport-pdf-hi]")
    assert download.value.suggested_filename == "competency-passport-hi.pdf"
    page.goto(f"{base}/lang/hi")
    page.goto(f"{base}/my/passport")
    assert "मेरा दक्षता पासपोर्ट" in page.content()


def test_an_mdo_admin_sets_needs_and_reads_gaps_another_ministrys_admin_is_kept_out(live_server, page, tmp_path):
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("#site-nav a[href='/passport/gaps']")
    page.wait_for_url("**/passport/gaps")
    assert page.locator("[data-testid=gap-table] tr[data-code=FUN-CYBER]").count() >= 1
    page.click("text=Role competency needs")
    page.wait_for_url("**/passport/needs*")
    form = page.locator("[data-testid=add-need]")
    form.locator("input[name=designation]").fill("Deputy Secretary")
    form.locator("select[name=competency]").select_option("FUN-PROJECT")
    form.locator("select[name=level]").select_option("3")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=needs] tr[data-code=FUN-PROJECT]").inner_text().count("Deputy Secretary") == 1
    sheet = tmp_path / "needs.csv"
    sheet.write_text("Designation,Group,Competency,Level\n,Group D,DOM-DISASTER,1\n", encoding="utf-8")
    upload = page.locator("[data-testid=upload-needs]")
    upload.locator("input[type=file]").set_input_files(str(sheet))
    upload.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=needs] tr[data-code=DOM-DISASTER]").count() == 1
    org = page.url.split("org=")[1]
    page.click("text=Sign out")
    sign_in_as(page, base, "admin.mha@saptah.demo")
    response = page.goto(f"{base}/passport/needs?org={org}")
    assert response is not None and response.status == 403
    response = page.goto(f"{base}/passport/gaps?org={org}")
    assert response is not None and response.status == 403
    page.goto(f"{base}/passport/gaps")
    assert page.locator("[data-testid=gap-table] tr[data-code=DOM-DISASTER]").count() == 0
