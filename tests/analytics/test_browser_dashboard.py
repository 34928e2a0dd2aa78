"""In a real browser: the organiser's dashboard, drill-down, an export and the report PDF; an MDO admin's scope."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser


def shown_figures(page) -> dict[str, str]:
    """Key figures as the page shows them: label -> value."""
    out = {}
    for card in page.locator("[data-figure]").all():
        label = card.locator(".muted").first.inner_text().strip()
        out[label] = card.locator(".figure").inner_text().strip()
    return out


def test_organiser_drills_down_exports_and_downloads_the_report(live_server, page) -> None:
    base = live_server["url"]
    sign_in_as(page, base, "organiser@saptah.demo")
    page.click("header nav >> text=Dashboard")
    page.wait_for_load_state("networkidle")
    assert "National dashboard" in page.locator("h1").inner_text()
    assert page.locator("figure.chart svg").count() >= 2
    national = shown_figures(page)
    assert int(national["Registered people"].replace(",", "")) > 300

    page.locator('[data-table="breakdown"] a', has_text="Ministry of Health").first.click()
    page.wait_for_load_state("networkidle")
    assert "Ministry of Health" in page.locator(".crumbs").inner_text()
    rows = page.locator('[data-table="breakdown"] tbody tr')
    assert rows.count() >= 1 and "Department of Health" in page.locator('[data-table="breakdown"]').inner_text()
    ministry = shown_figures(page)
    assert int(ministry["Registered people"].replace(",", "")) < int(national["Registered people"].replace(",", ""))

    with page.expect_download() as dl:
        page.click('a[href*="/dashboard/export/breakdown.csv"]')
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("Organisation,Code,Registered") and "Department of Health" in csv_text

    page.click("text=Prepare the campaign report (PDF)")
    page.wait_for_selector("text=The report is ready", timeout=60_000)
    with page.expect_download() as dl:
        page.click("text=Download the report (PDF)")
    data = Path(dl.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Ministry of Health" in text
    for label, value in ministry.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(label))
        assert value in line, (label, value, line)


def test_mdo_admin_sees_only_their_subtree(live_server, page) -> None:
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("header nav >> text=Dashboard")
    page.wait_for_load_state("networkidle")
    assert "MDO dashboard" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    assert "Ministry of Health" in body and "Ministry of Home Affairs" not in body
    assert "Not started yet" in body and "Remind these people" in body
    assert "Ministry of Health" in page.locator(".crumbs").inner_text()
    # another ministry's dashboard is refused
    mha = page.request.get(f"{base}/api/v1/organisations").json()
    assert all(o["code"] != "MHA" for o in mha)
    resp = page.goto(f"{base}/dashboard/mdo?org=1")
    assert resp is not None and resp.status in (403, 404)
