"""An MDO admin, in a real browser, previews a staff list, imports it and downloads the result file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser.fixtures import sign_in_as
from tests.onboarding.helpers import csv_bytes, row

pytestmark = pytest.mark.browser


def test_admin_previews_imports_and_downloads_the_result(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.click("nav >> text=Onboarding")
    page.wait_for_url("**/onboarding")
    data = csv_bytes(
        [
            row(name="कविता मिश्रा", email="kavita.mishra@mohfw.gov.in", ext="BR-1"),
            row(name="Arjun Nair", email="arjun.nair@mohfw.gov.in", mobile="+91 99887 76655", ext="BR-2"),
            row(name="No Email", email="not-an-address", ext="BR-3"),
        ]
    )
    page.select_option("select[name=org]", "MOHFW")
    page.set_input_files(
        "input[name=file]", files=[{"name": "mohfw-staff.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.click("button[value=preview]")
    page.wait_for_selector("[data-testid=preview-table]", timeout=30000)
    table = page.locator("[data-testid=preview-table]").inner_text()
    assert "कविता मिश्रा" in table and "Will be created" in table
    assert "Email 'not-an-address' is not a valid e-mail address." in table
    assert page.locator("#created").inner_text() == "2" and page.locator("#failed").inner_text() == "1"

    page.click("[data-testid=import-now]")
    page.wait_for_selector("[data-testid=result-csv]", timeout=30000)
    assert page.locator("[data-testid=status]").inner_text() == "done"
    assert "Created" in page.locator("[data-testid=preview-table]").inner_text()
    with page.expect_download() as info:
        page.click("[data-testid=result-csv]")
    download = info.value
    assert download.suggested_filename == "mohfw-staff-result.csv"
    lines = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert lines[0][-2:] == ["Status", "Error Details"]
    assert [line[-2] for line in lines[1:]] == ["Created", "Created", "Failed"]
    assert "not a valid e-mail address" in lines[3][-1]

    page.goto(f"{base}/onboarding")
    history = page.locator("[data-testid=history]").inner_text()
    assert "mohfw-staff.csv" in history and "Rakesh Kumar Singh" in history
