"""Done means, in a real browser on both databases: a learner takes part in a ministry's Samuhik Charcha (a reply
with formatting and an attachment, an upvote), its organiser hides a post with a reason, another ministry's admin
cannot see the ministry's closed community, and the discussion pages fit a phone and pass axe in Hindi."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.crawl import overflow
from tests.browser.fixtures import sign_in_as

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PHONE = {"width": 390, "height": 844}


def test_a_learner_takes_part_in_the_samuhik_charcha_and_its_organiser_moderates(live_server, browser):
    base = live_server["url"]
    learner = browser.new_context(viewport={"width": 1280, "height": 900})
    page = learner.new_page()
    sign_in_as(page, base, "learner@saptah.demo")
    page.locator("#site-nav a[href='/discussions']").click()
    page.get_by_role("link", name="Samuhik Charcha: Citizen-first health services").click()
    expect(page.get_by_test_id("space-title")).to_have_text("Samuhik Charcha: Citizen-first health services")
    page.get_by_role("link", name="Queue-free OPD registration: what worked in your hospital?").click()
    page.get_by_test_id("post-body").fill("In our ward **token slips by SMS** helped; the rota is attached.")
    page.get_by_test_id("post-files").set_input_files([{"name": "rota.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Reply", exact=True).click()
    mine = page.get_by_test_id("post").last
    expect(mine.get_by_test_id("post-body-html").locator("strong")).to_have_text("token slips by SMS")
    expect(mine.get_by_test_id("attachment")).to_have_text("rota.png")
    first = page.get_by_test_id("post").first
    first.get_by_test_id("upvote").click()
    expect(page.get_by_test_id("post").first.get_by_test_id("upvote")).to_have_attribute("aria-pressed", "true")
    thread_url = page.url.split("#")[0]

    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    mod = admin.new_page()
    sign_in_as(mod, base, "admin.mohfw@saptah.demo")
    mod.goto(thread_url)
    post = mod.get_by_test_id("post").last
    post.locator("summary", has_text="Moderate").click()
    post.locator("input[name=reason]").last.fill("Shares a staff rota with phone numbers")
    post.get_by_test_id("hide").click()
    expect(mod.get_by_test_id("flash")).to_have_text("The post is hidden.")

    page.goto(thread_url)
    hidden = page.get_by_test_id("post").last
    expect(hidden.get_by_test_id("hidden-note")).to_contain_text("Shares a staff rota with phone numbers")
    expect(hidden.get_by_test_id("post-body-html")).to_have_count(0)
    learner.close()
    admin.close()


def test_another_ministrys_admin_cannot_see_a_closed_community(live_server, browser):
    base = live_server["url"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_as(page, base, "admin.mohfw@saptah.demo")
    page.goto(f"{base}/discussions?kind=community")
    page.get_by_role("link", name="MoHFW capacity building cell").click()
    expect(page.get_by_test_id("closed")).to_be_visible()
    closed_url = page.url
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_as(page, base, "admin.mha@saptah.demo")
    page.goto(f"{base}/discussions")
    expect(page.get_by_test_id("spaces")).not_to_contain_text("MoHFW capacity building cell")
    expect(page.get_by_test_id("spaces")).to_contain_text("Karmayogi Saptah: learning together")
    response = page.goto(closed_url)
    assert response is not None and response.status == 404
    api = page.request.get(closed_url.replace("/discussions/spaces/", "/api/v1/discussions/spaces/"))
    assert api.status == 404
    page.goto(f"{base}/discussions/search?q=nodal")
    expect(page.get_by_test_id("search-total")).to_have_text(re.compile(r"^0 "))
    context.close()


def test_an_organiser_opens_a_community_and_the_pages_fit_a_phone_in_hindi(live_server, browser):
    base = live_server["url"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    axe.install(context)
    page = context.new_page()
    sign_in_as(page, base, "organiser@saptah.demo")
    page.goto(f"{base}/lang/hi")
    page.goto(f"{base}/discussions/new")
    page.locator("input[name=title_en]").fill("Young professionals")
    page.locator("input[name=title_hi]").fill("युवा पेशेवर")
    page.locator("form[data-testid=community-form] button[type=submit]").click()
    expect(page.get_by_test_id("space-title")).to_have_text("युवा पेशेवर")
    page.get_by_test_id("thread-title").fill("पहला प्रश्न")
    page.get_by_test_id("post-body").fill("आप इस सप्ताह क्या *सीख* रहे हैं?")
    page.locator("form[data-testid=thread-form] button[type=submit]").click()
    expect(page.get_by_test_id("thread-title")).to_have_text("पहला प्रश्न")
    page.get_by_test_id("follow-thread").click()
    problems = []
    for path in ["/discussions", page.url.removeprefix(base).split("#")[0], "/discussions/following",
                 "/discussions/search?q=%E0%A4%B8%E0%A5%80%E0%A4%96", "/discussions/new"]:  # fmt: skip
        page.goto(base + path)
        if overflow(page) > 0:
            problems.append(f"{path}: {overflow(page)} px wider than the phone")
        problems.extend(f"{path}: {v}" for v in axe.serious(page))
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.goto(f"{base}/discussions/search?q=%E0%A4%B8%E0%A5%80%E0%A4%96")  # सीख
    expect(page.get_by_test_id("search-hits")).to_contain_text("पहला प्रश्न")
    assert not problems, "\n".join(problems)
    context.close()
