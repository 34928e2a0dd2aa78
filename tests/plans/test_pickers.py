"""Pickers instead of codes on the plan pages: find a course by title, pick organisations from the admin's own
subtree, and see how many people an audience reaches before the plan is saved or published (no JS needed)."""

from __future__ import annotations

import re

from saptah.directory.models import Role
from tests.factories import csrf, sign_in
from tests.plans.conftest import PlanKit


def test_course_picker_finds_by_title_words_or_code_and_adds_the_ticked_courses(kit: PlanKit, client, db) -> None:
    yoga = kit.course("YOGA")
    kit.course("POSH")
    retired = kit.course("CYBER", status="retired")
    sign_in(client, kit.admin.email)
    sent = client.post("/plans", data={"csrf_token": csrf(client), "title": "Wellness week", "owner_org_code": "MOHFW"})
    plan_url = str(sent.url)
    found = client.get(plan_url, params={"course_q": "yoga brea"})
    assert found.status_code == 200
    picks = found.text.split('data-testid="course-picks"')[1].split("</div>")[0]
    assert yoga.code in picks and "Yoga Break at Workplace" in picks and "min" in picks
    assert "Prevention of Sexual Harassment" not in picks
    by_code = client.get(plan_url, params={"course_q": yoga.code[:6].lower()}).text
    assert f'value="{yoga.code}"' in by_code
    api = client.get("/api/v1/courses/picker", params={"q": "cyber"}).json()
    assert retired.code not in [c["code"] for c in api]  # only live courses can be mandated
    one = client.get("/api/v1/courses/picker", params={"q": "yoga"}).json()[0]
    assert (one["code"], one["minutes"], one["title"]) == (yoga.code, yoga.duration_minutes, yoga.title_en)
    added = client.post(
        plan_url + "/items", data={"csrf_token": csrf(client), "course_codes": [yoga.code], "kind": "mandatory"}
    )
    assert added.status_code == 200
    assert "Yoga Break at Workplace" in added.text and f"<code>{yoga.code}</code>" in added.text


def test_organisation_picker_lists_only_the_admins_subtree(kit: PlanKit, client) -> None:
    sign_in(client, kit.admin.email)
    page = client.get("/plans").text
    picker = page.split('data-testid="audience-org"')[1].split("</select>")[0]
    assert "(MOHFW)" in picker and "(DOHFW)" in picker
    assert "(MHA)" not in picker and "(DOPT)" not in picker


def test_audience_builder_counts_who_matches_before_saving_and_before_publishing(kit: PlanKit, client, db) -> None:
    for i in range(3):
        kit.make.person("DOHFW", designation="Staff Nurse", group="Group B", email=f"nurse{i}@dohfw.gov.in")
    kit.make.person("DOHFW", designation="Section Officer", group="Group B", email="so@dohfw.gov.in")
    kit.make.person("DOHFW", designation="Staff Nurse", group="Group C", email="nurse.c@dohfw.gov.in")
    sign_in(client, kit.admin.email)
    form = client.get("/plans").text
    assert 'value="Staff Nurse"' in form.split('data-testid="designations"')[1]
    query = {
        "title": "Nursing refresher",
        "owner_org_code": "MOHFW",
        "audience_org_code": "DOHFW",
        "groups": ["Group B"],
        "designations": ["Staff Nurse"],
    }
    counted = client.get("/plans/audience", params={**query, "csrf_token": csrf(client)})
    assert counted.status_code == 200
    assert re.search(r'data-testid="audience-count">3 people match', counted.text)
    assert 'value="Nursing refresher"' in counted.text  # the form comes back as filled in
    api = client.get("/api/v1/plans/audience-count", params={k: v for k, v in query.items() if k != "title"})
    assert api.json() == {"people": 3}
    outside = client.get("/api/v1/plans/audience-count", params={"owner_org_code": "MOHFW", "audience_org_code": "MHA"})
    assert outside.status_code == 403
    sent = client.post("/plans", data={**query, "csrf_token": csrf(client)})
    assert re.search(r'data-testid="plan-reach">This plan reaches <strong>3</strong> people', sent.text)


def test_pickers_script_is_a_static_file_and_pages_carry_no_inline_script(kit: PlanKit, client) -> None:
    leader = kit.make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, leader.email)
    page = client.get("/plans").text
    assert '<script src="/static/pickers.js" defer></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    js = client.get("/static/pickers.js")
    assert js.status_code == 200 and "/api/v1/courses/picker" in js.text
