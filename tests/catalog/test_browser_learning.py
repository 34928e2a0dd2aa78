"""In a real browser: a learner finds, takes and passes a course, downloads the certificate and verifies it;
a content provider imports a course file."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from tests.browser.fixtures import sign_in_as, spent_time_on_modules

pytestmark = pytest.mark.browser
COURSE_CODE = "I4C-CYBER-SAFE"


def _answers() -> list[int]:
    text = resources.files("saptah.catalog").joinpath("data/reference_courses.json").read_text("utf-8")
    spec = next(c for c in json.loads(text) if c["code"] == COURSE_CODE)
    return [q["answer"] for q in spec["assessment"]["questions"]]


def _qr_matches(pdf: PdfReader, url: str) -> bool:
    """Read the QR image's modules back out of the PDF and compare them with the QR code of `url`."""
    image = pdf.pages[0].images[0].image.convert("L")
    qr = segno.make(url, error="m")
    size = len(qr.matrix)
    border = 2
    scale = image.width / (size + 2 * border)
    for r, row in enumerate(qr.matrix):
        for c, dark in enumerate(row):
            px = image.getpixel((int((c + border + 0.5) * scale), int((r + border + 0.5) * scale)))
            if bool(dark) != (px < 128):
                return False
    return True


def test_learner_finds_takes_passes_and_verifies_a_certificate(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "learner@saptah.demo")
    page.click("header >> text=Courses")
    page.fill("[data-testid=course-search]", "cyber space")
    page.click("form[role=search] button[type=submit]")
    page.click("[data-testid=course-table] >> text=Stay Safe in Cyber Space")
    assert page.locator("[data-testid=course-title]").inner_text() == "Stay Safe in Cyber Space"
    assert page.locator("[data-testid=completed]").count() == 0, "the demo learner must start this course fresh"
    if page.locator("[data-testid=enrol]").count():
        page.click("[data-testid=enrol]")
    else:
        page.click("[data-testid=continue]")
    page.wait_for_url("**/learn/**")
    spent_time_on_modules(live_server, "learner@saptah.demo", "Stay Safe in Cyber Space")
    while page.locator("[data-testid=mark-done]").count():
        title = page.locator("[data-testid=module-title]").inner_text()
        with page.expect_navigation():  # the next module's page, not the one just submitted
            page.click("[data-testid=mark-done]")
        assert (
            page.locator("[data-testid=module-title]").inner_text() != title
            or page.locator("[data-testid=submit-assessment]").count()
        )
    for i, answer in enumerate(_answers()):
        page.check(f"input[name=q{i}][value='{answer}']")
    page.click("[data-testid=submit-assessment]")
    assert "You scored 100%" in page.locator("[data-testid=flash]").inner_text()
    page.reload()  # post/redirect/get: reloading shows the page again, not "Method Not Allowed"
    assert page.locator("[data-testid=passed]").is_visible() and not page.locator("[data-testid=flash]").count()
    page.click("a[href^='/courses/']")
    with page.expect_download() as info:
        page.click("[data-testid=certificate-pdf]")
    pdf = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert "Anjali Verma" in pdf.pages[0].extract_text()
    verify_url = next(a.get_object()["/A"]["/URI"] for a in pdf.pages[0]["/Annots"])
    assert verify_url.startswith(f"{base}/verify/")
    assert _qr_matches(pdf, verify_url), "the QR code in the PDF must encode the verification address"
    page.goto(verify_url)
    assert page.locator("[data-testid=verify-status]").inner_text() == "valid"
    assert page.locator("[data-testid=verify-name]").inner_text() == "Anjali Verma"
    page.goto(f"{base}/my/certificates")
    assert "Stay Safe in Cyber Space" in page.locator("[data-testid=certificates]").inner_text()


def test_provider_imports_a_course_file(live_server, page, tmp_path):
    base = live_server["url"]
    file = tmp_path / "courses.csv"
    file.write_text(
        "code,title_en,duration_minutes,languages,competencies,status\n"
        "KB-BROWSER-1,Records Management in e-Office,40,en|hi,FUN-OFFICE,live\n",
        encoding="utf-8",
    )
    sign_in_as(page, base, "provider@saptah.demo")
    page.click("header >> text=Import courses")
    page.set_input_files("[data-testid=import-file]", str(file))
    page.click("[data-testid=import-submit]")
    assert "1 new course" in page.locator("[data-testid=import-ok]").inner_text()
    page.goto(f"{base}/courses?q=records+e-office")
    assert "Records Management in e-Office" in page.locator("[data-testid=course-table]").inner_text()
