"""In a real browser: the 14-10-2024 MoHFW circular becomes a plan, is published, learned and reported."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from tests.browser.fixtures import sign_in_as, spent_time_on_modules

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.click("text=Sign out")
    page.wait_for_url("**/sign-in")


def test_circular_to_plan_to_learning_to_compliance(live_server, page) -> None:
    base = live_server["url"]
    deadline = ist_day(utcnow()) + timedelta(days=13)

    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("nav >> text=Plans")
    form = page.locator("[data-testid=new-plan]")
    form.locator("input[name=title]").fill("Karmayogi Saptah 2024: MoHFW courses")
    form.locator("input[name=circular_ref]").fill("MoHFW circular dated 14-10-2024")
    form.locator("input[name=circular_date]").fill("2024-10-14")
    form.locator("button", has_text="Create draft").click()
    page.wait_for_load_state("networkidle")
    add = page.locator("[data-testid=add-item]")
    add.locator("input[name=course_codes]").fill("MOHFW-KNOW-MINISTRY")
    add.locator("input[name=deadline_date]").fill(deadline.isoformat())
    add.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    add = page.locator("[data-testid=add-item]")
    add.locator("input[name=course_codes]").fill("KB-VIKSIT-2047, IKR-JAN-BHAGIDARI, TAO-KARMAYOGI-WAY")
    add.locator("input[name=choose_k]").fill("1")
    add.locator("input[name=deadline_date]").fill(deadline.isoformat())
    add.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    items = page.locator("[data-testid=items]").inner_text()
    assert "Know Your Ministry" in items and "complete 1 of 3" in items
    assert page.locator("[data-testid=publish]").count() == 0  # an admin drafts; only a leader publishes
    plan_url = page.url
    sign_out(page)

    sign_in_as(page, base, "leader.mohfw@saptah.demo")
    page.goto(plan_url)
    page.click("[data-testid=publish]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=plan-status]").inner_text() == "published"
    sign_out(page)

    sign_in_as(page, base, "learner@saptah.demo")
    page.click("nav >> text=My learning")
    table = page.locator("[data-testid=my-learning]")
    assert "MoHFW circular dated 14-10-2024" in table.inner_text()
    assert deadline.strftime("%d-%m-%Y") in table.inner_text()
    # the demo learner also has the ministry's own plan (assigned courses on the home page): it shares courses
    assert page.locator("[data-testid=options-left]", has_text="Jan Bhagidari").count() >= 1
    table.locator("a", has_text="Jan Bhagidari").first.click()
    page.click("[data-testid=enrol]")
    page.wait_for_load_state("networkidle")
    if "/learn/" not in page.url:  # enrolling may open the player directly
        page.click("[data-testid=continue]")
    spent_time_on_modules(live_server, "learner@saptah.demo", "Jan Bhagidari (Bilingual)")
    while page.locator("[data-testid=mark-done]").count():
        with page.expect_navigation():  # the next module's page, not the one just submitted
            page.click("[data-testid=mark-done]")
    page.goto(f"{base}/my/learning")
    done = page.locator("tr[data-status=completed_on_time]")
    assert done.count() >= 1 and "Jan Bhagidari" in done.first.inner_text()  # in each plan that lists it
    assert page.locator("tr[data-status=not_started]", has_text="Know Your Ministry").count() >= 1
    sign_out(page)

    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("nav >> text=Compliance")
    page.click("button:has-text('Show')")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=q]", "Anjali Verma")
    page.click("button:has-text('Show')")
    page.wait_for_load_state("networkidle")
    assert "Completed on time" in page.locator("[data-testid=compliance]").inner_text()
    href = page.locator("[data-testid=export-csv]").get_attribute("href")
    response = page.request.get(f"{base}{href}")
    rows = list(csv.DictReader(io.StringIO(response.body().decode("utf-8-sig"))))
    mine = {r["Item"]: r for r in rows if r["Name"] == "Anjali Verma"}
    choice = next(r for item, r in mine.items() if item.startswith("Any 1 of"))
    assert (choice["Status"], choice["On time"], choice["Designation"]) == (
        "Completed on time",
        "Yes",
        "Section Officer",
    )
    assert choice["Completed on"] == ist_day(utcnow()).strftime("%d-%m-%Y")
    assert mine["Know Your Ministry- Ministry of Health and Family Welfare"]["Status"] == "Not started"


def test_a_large_xlsx_export_is_prepared_in_the_background_and_downloaded(live_server, page, monkeypatch) -> None:
    from openpyxl import load_workbook

    from saptah.plans import pages

    monkeypatch.setattr(pages, "XLSX_DIRECT_ROWS", 5)  # the demo ministry's export is larger than that
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("nav >> text=Compliance")
    page.click("button:has-text('Show')")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=export-xlsx]")
    assert "more than 5 rows" in page.locator("[data-testid=export-large]").inner_text()
    page.click("[data-testid=prepare-xlsx]")
    page.wait_for_url("**/jobs/*")
    page.locator("[data-testid=job-ready]").wait_for(timeout=30_000)  # the page refreshes itself until then
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:  # the saved download has no file name ending of its own
        values = list(load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    assert values[0][0] == "Name" and len(values) > 6
    sign_out(page)
