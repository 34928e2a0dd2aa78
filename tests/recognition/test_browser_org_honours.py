"""In a real browser: a national organiser draws the ministry-level honour roll, leaves an organisation out and
publishes it; anyone reads it on the public honours page (no contact details) and verifies a certificate; an admin
of an honoured organisation downloads its certificate."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser
PHONE_OR_EMAIL = re.compile(r"@|\b\d{10}\b")


def _wait_for(page, selector: str) -> None:
    for _ in range(120):  # the embedded worker prepares the certificates in the background
        if page.locator(selector).count():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError(f"{selector} never appeared")


def test_organiser_draws_reviews_and_publishes_the_ministry_level_roll(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "organiser@saptah.demo")
    page.goto(f"{base}/campaigns")
    page.click("text=National Learning Week 2024")
    page.click("text=Honour roll")
    page.select_option("[data-testid=draft-org-roll] select[name=size]", "3")
    page.fill("[data-testid=draft-org-roll] input[name=signatory_name]", "Secretary, DoPT")
    page.click("[data-testid=draft-org-roll] button[type=submit]")
    assert page.locator("[data-testid=roll-status]").inner_text() == "draft"
    assert page.locator("[data-testid=review-help]").is_visible()
    first = page.locator("[data-testid=org-entry]").first
    left_out = first.locator("[data-testid=org-name]").inner_text()
    before = page.locator("[data-testid=org-entry]").count()
    first.locator("button", has_text="Leave out").click()
    page.wait_for_load_state("load")
    names = page.locator("[data-testid=org-name]").all_inner_texts()
    assert left_out not in names and 0 < len(names) <= before
    page.click("[data-testid=publish-form] button")
    assert page.locator("[data-testid=roll-status]").inner_text() == "published"
    _wait_for(page, "[data-testid=archive]")
    with page.expect_download() as info:
        page.click("[data-testid=archive]")
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        text = PdfReader(io.BytesIO(archive.read(pdfs[0]))).pages[0].extract_text()
    assert len(pdfs) == len(names) and "Secretary, DoPT" in text and "Rank " in text


def test_anyone_reads_the_public_honours_and_verifies_a_certificate(live_server, browser):
    base = live_server["url"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{base}/sign-in")
        page.click("[data-menu-toggle]")  # on a phone the menu folds behind a button, signed in or not
        page.click("#site-nav a[href='/honours']")
        assert page.locator("[data-testid=honours] a").count() >= 1
        page.locator("[data-testid=honours] a").first.click()
        _wait_for(page, "main a[href^='/verify/']")
        assert page.locator("[data-testid=roll-status]").inner_text() == "published"
        main = page.locator("main").inner_text()
        assert page.locator("[data-testid=org-entry]").count() > 0
        assert not PHONE_OR_EMAIL.search(main), "the public page shows a phone number or an e-mail"
        assert page.locator("[data-testid=org-certificate]").count() == 0  # downloads: the organisation's admins
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        honoured = page.locator("[data-testid=org-entry]").first.locator("[data-testid=org-name]").inner_text()
        page.locator("main a[href^='/verify/']").first.click()
        assert page.locator("[data-testid=verify-status]").inner_text() == "valid"
        assert page.locator("[data-testid=verify-name]").inner_text() == honoured
    finally:
        context.close()


def test_admin_of_an_honoured_organisation_downloads_its_certificate(live_server, page):
    from sqlalchemy import select

    from saptah.core.db import unit_of_work
    from saptah.directory import service as directory
    from saptah.directory.models import Organisation, Role
    from saptah.recognition import org_honours

    base = live_server["url"]
    with unit_of_work(live_server["factory"]) as session:
        roll = org_honours.published(session)[-1]  # the demo's roll
        entry = org_honours.roll_of(session, None, roll.id)[1][0].entries[0]
        org = session.scalar(select(Organisation).where(Organisation.id == entry.org_id))
        assert org is not None
        email, password = "honoured.admin@saptah.demo", "saptah-demo-2024"
        admin = directory.create_person(session, full_name="Honoured Admin", email=email, org=org, password=password)
        directory.grant_role(session, actor=None, person=admin, role=Role.MDO_ADMIN, org=org)
        roll_id, org_name = roll.id, org.name_en
    sign_in_as(page, base, "honoured.admin@saptah.demo")
    page.goto(f"{base}/honours/{roll_id}")
    _wait_for(page, "[data-testid=org-certificate]")
    mine = page.locator("[data-testid=org-entry]", has=page.locator("[data-testid=org-certificate]"))
    assert {n for n in mine.locator("[data-testid=org-name]").all_inner_texts()} == {org_name}
    with page.expect_download() as info:
        mine.first.locator("[data-testid=org-certificate]").click()
    text = PdfReader(info.value.path()).pages[0].extract_text()
    assert org_name in text and "Rank " in text
