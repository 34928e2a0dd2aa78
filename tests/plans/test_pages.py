"""Plan pages and exports over HTTP, the JSON API, and reminders through a real local SMTP server."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from saptah.directory.models import Role
from saptah.notify.tasks import send_due
from saptah.plans.tasks import remind
from tests.factories import csrf, sign_in
from tests.plans.conftest import PlanKit, at


def today() -> date:
    return ist_day(utcnow())


def saptah_plan(kit: PlanKit, deadline: date):
    return kit.plan(
        title="Karmayogi Saptah 2024",
        circular_ref="MoHFW circular 14-10-2024",
        items=[
            {"courses": ["KYM_MOHFW"], "deadline_date": deadline},
            {"courses": ["VIKSIT", "JANBHAG", "LEADKY"], "choose_k": 1, "deadline_date": deadline},
        ],
        publish_on=today(),
    )


def test_my_learning_page_shows_why_deadline_and_options_left(kit: PlanKit, client, db) -> None:
    deadline = today() + timedelta(days=10)
    saptah_plan(kit, deadline)
    learner = kit.make.person("DOHFW", email="anjali@dohfw.gov.in")
    kit.complete(learner, "VIKSIT", utcnow())
    db.commit()
    sign_in(client, "anjali@dohfw.gov.in")
    page = client.get("/my/learning")
    assert page.status_code == 200
    assert "MoHFW circular 14-10-2024" in page.text
    assert deadline.strftime("%d-%m-%Y") in page.text
    assert 'data-status="completed_on_time"' in page.text and 'data-status="not_started"' in page.text
    api = client.get("/api/v1/my/learning").json()
    assert [(r["title"], r["status"]) for r in api] == [
        ("Know Your Ministry- Ministry of Health and Family Welfare", "not_started"),
        (
            "Any 1 of: Overview of Viksit Bharat 2047; Jan Bhagidari (Bilingual); Leading the Karmayogi Way",
            "completed_on_time",
        ),
    ]
    assert 'href="/my/learning"' in page.text  # the menu entry everyone has


def test_my_learning_without_plans_says_so(kit: PlanKit, client, db) -> None:
    kit.make.person("MHA", email="nobody@mha.gov.in")
    sign_in(client, "nobody@mha.gov.in")
    assert "No learning plan applies to you yet" in client.get("/my/learning").text


def test_admin_drafts_leader_publishes_over_http(kit: PlanKit, client, db) -> None:
    codes = [kit.code(k) for k in ("KYM_MOHFW", "VIKSIT", "JANBHAG", "LEADKY")]
    admin = kit.make.person("MOHFW", role=Role.MDO_ADMIN, email="adm@mohfw.gov.in")
    kit.make.person("MOHFW", role=Role.MDO_LEADER, email="lead@mohfw.gov.in")
    db.commit()
    sign_in(client, admin.email)
    token = csrf(client)
    r = client.post(
        "/plans", data={"csrf_token": token, "title": "Saptah", "owner_org_code": "MOHFW"}, follow_redirects=False
    )
    assert r.status_code == 303
    url = r.headers["location"]
    bad = client.post(f"{url}/items", data={"csrf_token": token, "course_codes": ",".join(codes[1:]), "choose_k": "4"})
    assert bad.status_code == 400 and "Cannot require 4 of 3" in bad.text
    ok = client.post(
        f"{url}/items", data={"csrf_token": token, "course_codes": codes[0], "deadline_date": "2030-10-27"}
    )
    assert ok.status_code == 200
    refused = client.post(f"{url}/publish", data={"csrf_token": token})
    assert refused.status_code == 403 and "Only an MDO leader" in refused.text
    outside = client.post(
        "/plans", data={"csrf_token": token, "title": "Theirs", "owner_org_code": "MOHFW", "audience_org_code": "MHA"}
    )
    assert outside.status_code == 403
    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, "lead@mohfw.gov.in")
    done = client.post(f"{url}/publish", data={"csrf_token": csrf(client)})
    assert done.status_code == 200 and 'data-testid="plan-status">published' in done.text
    no_csrf = client.post(f"{url}/versions", data={})
    assert no_csrf.status_code == 403


def test_compliance_export_has_apar_columns_and_only_the_subtree(kit: PlanKit, client, db) -> None:
    plan = saptah_plan(kit, today() + timedelta(days=5))
    done = kit.make.person("DOHFW", full_name="Asha Rao", designation="Section Officer", employee_id="=1+2")
    kit.make.person("DHR", full_name="Bimal Das")
    kit.complete(done, "KYM_MOHFW", utcnow())
    kit.complete(done, "LEADKY", utcnow())
    dohfw_admin = kit.make.person("DOHFW", role=Role.MDO_ADMIN, email="adm@dohfw.gov.in")
    db.commit()
    sign_in(client, dohfw_admin.email)
    r = client.get(f"/plans/compliance.csv?plan={plan.id}")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Name",
        "E-mail",
        "Designation",
        "Group",
        "Employee ID",
        "Organisation",
        "Item",
        "Mandatory",
        "Deadline",
        "Status",
        "Completed on",
        "On time",
    ]
    asha = [x for x in rows[1:] if x[0] == "Asha Rao"]
    assert [(x[1], x[4], x[9], x[11]) for x in asha] == [(done.email, "'=1+2", "Completed on time", "Yes")] * 2
    assert not any(x[0] == "Bimal Das" for x in rows)  # DHR is outside the DoHFW admin's subtree
    x = client.get(f"/plans/compliance.xlsx?plan={plan.id}&status=completed_on_time")
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Name" and {v[0] for v in values[1:]} == {"Asha Rao"}
    page = client.get(f"/plans/compliance?plan={plan.id}")
    assert page.status_code == 200 and "Asha Rao" in page.text and "Bimal Das" not in page.text
    mha_admin = kit.make.person("MHA", role=Role.MDO_ADMIN, email="adm@mha.gov.in")
    db.commit()
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, mha_admin.email)
    assert client.get(f"/plans/compliance.csv?plan={plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}").status_code == 404


def test_compliance_summary_per_sub_organisation_and_national_ranking(kit: PlanKit, client, db) -> None:
    plan = kit.plan(items=[{"courses": ["YOGA"], "deadline_date": today() - timedelta(days=1)}], publish_on=today())
    a = kit.make.person("DGHS")
    kit.make.person("DGHS")
    kit.complete(a, "YOGA", utcnow() - timedelta(days=3))
    db.commit()
    sign_in(client, kit.admin.email)
    body = client.get(f"/api/v1/plans/{plan.id}/compliance").json()
    dohfw = next(o for o in body["organisations"] if o["name"] == "Department of Health & Family Welfare")
    assert dohfw["people"] >= 2 and 0 < dohfw["pct_complete"] < 100 and dohfw["pct_overdue"] > 0
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, kit.organiser.email)
    national = client.get(f"/api/v1/plans/{plan.id}/compliance").json()
    assert [o["name"] for o in national["organisations"]] == ["Ministry of Health & Family Welfare"]
    page = client.get(f"/plans/compliance?plan={plan.id}")
    assert "Ministries and states" in page.text and "Rank" in page.text
    narrowed = client.get(f"/plans/compliance?plan={plan.id}&org=MOHFW").text
    assert "Department of Health &amp; Family Welfare" in narrowed
    assert client.get(f"/plans/compliance?plan={plan.id}&status=finished").status_code == 400


def test_reminders_reach_smtp_once_per_person_item_and_kind(kit: PlanKit, db, settings, smtp) -> None:
    deadline = date(2024, 10, 27)
    kit.plan(
        items=[{"courses": ["KYM_MOHFW"], "deadline_date": deadline}],
        publish_on=date(2024, 10, 14),
        reminder_days=[7, 1],
    )
    late = kit.make.person("DOHFW", email="late@dohfw.gov.in", full_name="Late Lal")
    prompt = kit.make.person("DOHFW", email="prompt@dohfw.gov.in")
    kit.complete(prompt, "KYM_MOHFW", at(2024, 10, 16))
    dohfw_admin = kit.make.person("DOHFW", role=Role.MDO_ADMIN, email="digest@dohfw.gov.in")

    remind(db, settings, today=date(2024, 10, 20))
    remind(db, settings, today=date(2024, 10, 20))  # the scheduler running twice
    send_due(db, settings)
    mails = smtp.to(late.email)
    assert [m["Subject"].strip() for m in mails] == [
        "Due in 7 days: Know Your Ministry- Ministry of Health and Family Welfare"
    ]
    assert "Health and Family Welfare" in mails[0].get_content() and "/my/learning" in mails[0].get_content()
    assert smtp.to(prompt.email) == []

    remind(db, settings, today=date(2024, 10, 26))
    remind(db, settings, today=date(2024, 10, 28))
    remind(db, settings, today=date(2024, 10, 29))
    send_due(db, settings)
    subjects = [m["Subject"].strip() for m in smtp.to(late.email)]  # a long subject is folded
    assert subjects == [
        "Due in 7 days: Know Your Ministry- Ministry of Health and Family Welfare",
        "Due in 1 day: Know Your Ministry- Ministry of Health and Family Welfare",
        "Overdue: Know Your Ministry- Ministry of Health and Family Welfare",
    ]
    digests = [m for m in smtp.to(dohfw_admin.email) if m["Subject"].startswith("Weekly digest")]
    assert len(digests) == 1 and "Late Lal" in digests[0].get_content()


def test_reminder_job_runs_from_the_queue(kit: PlanKit, db, factory, settings) -> None:
    from saptah.jobs import service as jobs
    from saptah.notify.models import OutboxMessage
    from saptah.plans.tasks import JOB_KIND

    kit.plan(items=[{"courses": ["RTI"], "deadline_date": date(2024, 10, 27)}], publish_on=date(2024, 10, 14))
    person = kit.make.person("DOHFW", email="queued@dohfw.gov.in")
    jobs.enqueue(db, kind=JOB_KIND, payload={"today": "2024-10-26"}, lock_key=JOB_KIND)
    db.commit()
    assert jobs.run_one(factory, settings)
    db.expire_all()
    keys = set(db.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.to_addr == person.email)))
    assert len(keys) == 1 and keys.pop().endswith(":before1")


def test_json_api_drafts_adds_a_choice_group_and_refuses_bad_input(kit: PlanKit, client, db) -> None:
    codes = [kit.code(k) for k in ("VIKSIT", "JANBHAG", "LEADKY")]
    db.commit()
    sign_in(client, kit.admin.email)
    created = client.post("/api/v1/plans", json={"title": "Saptah 2024", "owner_org_code": "MOHFW"})
    assert created.status_code == 201
    plan_id = created.json()["id"]
    bad_k = client.post(f"/api/v1/plans/{plan_id}/items", json={"course_codes": codes, "choose_k": 4})
    assert bad_k.status_code == 400 and "k must not exceed" in bad_k.json()["error"]["message"]
    unknown = client.post(f"/api/v1/plans/{plan_id}/items", json={"course_codes": codes, "colour": "red"})
    assert unknown.status_code in (400, 422)
    ok = client.post(f"/api/v1/plans/{plan_id}/items", json={"course_codes": codes, "choose_k": 1})
    assert ok.status_code == 201
    assert [(i["choose_k"], len(i["options"])) for i in ok.json()["items"]] == [(1, 3)]
    assert client.post(f"/api/v1/plans/{plan_id}/publish").status_code == 403
    assert client.get("/api/v1/plans/999999").status_code == 404


def test_learners_cannot_open_plans_or_compliance(kit: PlanKit, client, db) -> None:
    learner = kit.make.person("DOHFW", email="just.learning@dohfw.gov.in")
    sign_in(client, learner.email)
    assert client.get("/plans").status_code == 403
    assert client.get("/plans/compliance").status_code == 403
    assert client.post("/api/v1/plans", json={"title": "Mine", "owner_org_code": "DOHFW"}).status_code == 403
    assert client.get("/plans/compliance.csv?plan=1").status_code in (403, 404)
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    assert client.get("/my/learning", follow_redirects=False).status_code in (303, 401)


def test_home_panel_counts_open_and_overdue_items(kit: PlanKit, db) -> None:
    from saptah.directory import service as directory
    from saptah.plans.tasks import learning_panel

    kit.plan(
        items=[
            {"courses": ["YOGA"], "deadline_date": today() - timedelta(days=2)},
            {"courses": ["RTI"], "deadline_date": today() + timedelta(days=9)},
        ],
        publish_on=today(),
    )
    person = kit.make.person("DOHFW")
    panel = learning_panel(db, directory.load_principal(db, person.id))
    assert panel is not None and panel[0] == "plans_panel.html"
    assert (panel[1]["open"], panel[1]["overdue"], panel[1]["done"]) == (2, 1, 0)
    assert panel[1]["next"].title == "Yoga Break at Workplace"
    outsider = kit.make.person("MHA")
    assert learning_panel(db, directory.load_principal(db, outsider.id)) is None


def test_every_filter_on_the_compliance_page_applies_to_its_export(kit: PlanKit, client, db) -> None:
    plan = saptah_plan(kit, today() + timedelta(days=5))
    asha = kit.make.person("DOHFW", full_name="Asha Rao", employee_id="EMP7", email="asha@dohfw.gov.in")
    kit.make.person("DOHFW", full_name="Ravi Kumar", employee_id="EMP8")
    kit.make.person("DHR", full_name="Bimal Das")
    kit.complete(asha, "KYM_MOHFW", utcnow())
    db.commit()
    sign_in(client, kit.admin.email)
    page = client.get(f"/plans/compliance?plan={plan.id}").text
    picker = page.split('data-testid="org-filter"')[1].split("</select>")[0]
    assert "(DOHFW)" in picker and "(DHR)" in picker and "(MHA)" not in picker

    def exported(**filters: str) -> list[list[str]]:
        shown = client.get("/plans/compliance", params={"plan": plan.id, **filters}).text
        link = "/plans/compliance.csv?" + shown.split('href="/plans/compliance.csv?')[1].split('"')[0]
        got = client.get(html.unescape(link))  # the page's own export link
        assert got.status_code == 200
        return list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))[1:]

    assert {r[0] for r in exported(org="DHR")} == {"Bimal Das"}
    assert {r[0] for r in exported(q="EMP7")} == {"Asha Rao"}
    done = exported(status="completed_on_time")
    assert [(r[0], r[1], r[4]) for r in done] == [("Asha Rao", "asha@dohfw.gov.in", "EMP7")]
    assert {r[0] for r in exported(org="DOHFW", status="not_started")} == {"Asha Rao", "Ravi Kumar"}


def test_a_large_xlsx_export_is_prepared_by_a_job_for_its_requester_only(
    kit: PlanKit, client, db, factory, settings, monkeypatch
) -> None:
    from saptah.jobs import service as jobs
    from saptah.jobs.models import JobFile
    from saptah.plans import pages

    monkeypatch.setattr(pages, "XLSX_DIRECT_ROWS", 3)  # 3 people x 2 items = 6 rows: over the limit
    plan = saptah_plan(kit, today() + timedelta(days=5))
    for i in range(3):
        kit.make.person("DOHFW", full_name=f"Officer {i}", designation='=HYPERLINK("x")' if i == 0 else "SO")
    kit.make.person("DHR", full_name="Outside Person")
    admin = kit.make.person("DOHFW", role=Role.MDO_ADMIN, email="big@dohfw.gov.in")
    other = kit.make.person("DOHFW", role=Role.MDO_ADMIN, email="other@dohfw.gov.in")
    db.commit()
    sign_in(client, admin.email)
    offer = client.get(f"/plans/compliance.xlsx?plan={plan.id}")
    assert offer.status_code == 200 and 'data-testid="export-large"' in offer.text and "more than 3 rows" in offer.text
    refused = client.post("/plans/compliance.xlsx", data={"plan": str(plan.id)})
    assert refused.status_code == 403  # no CSRF token: nothing queued
    bad = client.post(
        "/plans/compliance.xlsx", data={"plan": str(plan.id), "status": "nope", "csrf_token": csrf(client)}
    )
    assert bad.status_code == 400 and "Status must be one of" in bad.text
    queued = client.post(
        "/plans/compliance.xlsx", data={"plan": str(plan.id), "csrf_token": csrf(client)}, follow_redirects=False
    )
    assert queued.status_code == 303
    job_url = queued.headers["location"]
    waiting = client.get(job_url)
    assert 'data-testid="job-progress"' in waiting.text and 'http-equiv="refresh"' in waiting.text
    assert client.get(job_url + "/file").status_code == 404  # not ready yet
    assert jobs.run_one(factory, settings)
    ready = client.get(job_url)
    assert 'data-testid="job-ready"' in ready.text and "refresh" not in ready.text
    got = client.get(job_url + "/file")
    assert got.status_code == 200 and got.headers["content-disposition"].endswith(
        f'-plan-{plan.id}-{today():%Y%m%d}.xlsx"'
    )
    values = list(load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
    names = sorted({v[0] for v in values[1:]})
    assert values[0][0] == "Name" and {"Officer 0", "Officer 1", "Officer 2"} <= set(names)
    assert len(values) - 1 == 2 * len(names)  # every person of the subtree, once per mandatory item
    assert "Outside Person" not in names  # DHR is outside the DoHFW admin's subtree
    assert any(v[2] == '\'=HYPERLINK("x")' for v in values[1:])  # stored as text, never a formula
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, other.email)
    assert client.get(job_url).status_code == 404 and client.get(job_url + "/file").status_code == 404
    db.expire_all()
    job_id = int(job_url.rsplit("/", 1)[1])
    file = db.get(JobFile, job_id)
    assert file is not None
    file.created_at = utcnow() - timedelta(days=2)
    db.commit()
    assert jobs.purge_files(jobs.JobContext(factory, settings, job_id, {})) == {"removed": 1}
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, admin.email)
    assert 'data-testid="job-gone"' in client.get(job_url).text


def test_reminders_and_the_weekly_digest_are_written_in_the_readers_language(kit: PlanKit, db, settings, smtp) -> None:
    kit.plan(
        items=[{"courses": ["KYM_MOHFW"], "deadline_date": date(2024, 10, 27)}],
        publish_on=date(2024, 10, 14),
        reminder_days=[7],
    )
    late = kit.make.person("DOHFW", email="der@dohfw.gov.in", full_name="Der Lal")
    admin = kit.make.person("DOHFW", role=Role.MDO_ADMIN, email="hindi-digest@dohfw.gov.in", full_name="सविता राव")
    late.preferred_language = admin.preferred_language = "hi"
    db.flush()
    remind(db, settings, today=date(2024, 10, 20))
    remind(db, settings, today=date(2024, 10, 29))
    send_due(db, settings)
    subjects = [m["Subject"].strip() for m in smtp.to(late.email)]
    assert subjects[0] == "7 दिन में देय: Know Your Ministry- Ministry of Health and Family Welfare", subjects
    [digest] = [m for m in smtp.to(admin.email) if m["Subject"].startswith("साप्ताहिक सारांश: ")]
    assert not [m for m in smtp.to(admin.email) if "Weekly digest" in m["Subject"]]
    body = digest.get_content()
    assert body.startswith("प्रिय सविता राव,") and "अनिवार्य मदें समय-सीमा से पीछे हैं" in body
    assert "Der Lal" in body and "27 अक्टू॰ 2024" in body and "Weekly digest" not in body
