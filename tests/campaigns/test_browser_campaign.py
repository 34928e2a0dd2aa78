"""In a real browser: a learner completes a course and sees bar, points and rank move; an MDO admin sees their
organisation's board; a national organiser extends a window and publishes an honour roll."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.browser.fixtures import sign_in_as, spent_time_on_modules

pytestmark = pytest.mark.browser
COURSE = "Jan Bhagidari"  # 80 minutes, competency-linked, two modules, no assessment


def _progress(page) -> tuple[int, int, int | None]:
    minutes = int(page.locator("[data-testid=my-progress] [data-testid=minutes]").inner_text())
    karma = int(page.locator("[data-testid=my-progress] [data-testid=karma]").inner_text())
    rank = page.locator("[data-testid=my-progress] [data-testid=rank-national]").inner_text()
    return minutes, karma, int(rank) if rank.isdigit() else None


def test_learner_completes_a_course_and_sees_bar_points_and_rank_move(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "learner@saptah.demo")
    panel = page.locator("[data-testid=campaign-panel]")
    assert "National Learning Week 2026" in panel.inner_text()
    panel.locator("a", has_text="National Learning Week 2026").click()
    campaign_url = page.url
    before = _progress(page)
    assert before[0] > 0, "the demo learner starts with some credit"
    page.goto(f"{base}/courses?q={COURSE.replace(' ', '+')}")
    page.click(f"[data-testid=course-table] >> text={COURSE}")
    page.click("[data-testid=enrol]")
    page.wait_for_url("**/learn/**")
    spent_time_on_modules(live_server, "learner@saptah.demo", f"{COURSE} (Bilingual)")  # its full title
    while page.locator("[data-testid=mark-done]").count():
        with page.expect_navigation():  # the form's answer is the next page: no look at the old one meanwhile
            page.click("[data-testid=mark-done]")
    page.goto(campaign_url)
    after = _progress(page)
    assert after[0] == before[0] + 80
    assert after[1] >= before[1] + 5  # 5 for the completion (and 5 more if it was the first enrolment)
    assert after[2] is not None and (before[2] is None or after[2] < before[2])
    width = page.locator("[data-testid=my-progress] [data-testid=progress-bar] span").get_attribute("style")
    assert f"width: {min(100, after[0] * 100 // 240)}%" in width
    assert f"Course: {COURSE}" in page.locator("[data-testid=lines]").inner_text()
    page.goto(campaign_url + "/leaderboard?board=n")
    me = page.locator("[data-testid=around] [data-testid=me-row]")
    assert "Anjali Verma" in me.inner_text() and str(after[0]) in me.inner_text()


def test_mdo_admin_sees_their_organisation_board(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.goto(f"{base}/campaigns")
    page.click("text=National Learning Week 2026")
    page.click("text=Leaderboard")
    assert "Ministry of Health & Family Welfare" in page.locator("[data-testid=board-label]").inner_text()
    rows = page.locator("[data-testid=top] tr").all_inner_texts()
    assert len(rows) > 1 and all("@" not in r for r in rows)  # names, never e-mails
    page.goto(page.url.split("/leaderboard")[0] + "/organisations")
    assert page.locator("[data-testid=org-row]").count() > 0


def test_organiser_extends_window_and_publishes_honour_roll(live_server, page):
    base = live_server["url"]
    sign_in_as(page, base, "organiser@saptah.demo")
    page.goto(f"{base}/campaigns")
    page.click("text=National Learning Week 2024")
    assert "27-10-2024 23:59" in page.locator("[data-testid=window]").inner_text()
    page.fill("[data-testid=extend-form] input[name=extended_to]", "2024-10-28")
    page.fill("[data-testid=extend-form] input[name=reason]", "Final day for state staff")
    page.click("[data-testid=extend-form] button[type=submit]")
    assert "28-10-2024 23:59" in page.locator("[data-testid=window]").inner_text()
    assert "Final day for state staff" in page.locator("[data-testid=history]").inner_text()
    page.click("text=Honour roll")
    page.select_option("[data-testid=draft-roll] select[name=size]", "5")
    page.fill("[data-testid=draft-roll] input[name=signatory_name]", "Secretary, DoPT")
    page.click("[data-testid=draft-roll] button[type=submit]")
    assert page.locator("[data-testid=roll-entries] tr").count() == 6  # header and five people
    assert page.locator("[data-testid=roll-status]").inner_text() == "draft"
    page.click("[data-testid=publish-form] button")
    assert page.locator("[data-testid=roll-status]").inner_text() == "published"
    for _ in range(60):  # the embedded worker generates the certificates in the background
        if page.locator("[data-testid=archive]").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    with page.expect_download() as info:
        page.click("[data-testid=archive]")
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 5
