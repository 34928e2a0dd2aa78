"""National and MDO dashboards: figures a reader sees, drill-down, filters, scoping, exports."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

from openpyxl import load_workbook
from tests.analytics.conftest import START, World, ist
from tests.factories import sign_in

from saptah.directory import service as directory

API = "/api/v1/analytics/dashboard"


def figures(body: dict) -> dict[str, dict]:
    return {f["key"]: f for f in body["figures"]}


def table(body: dict, key: str) -> dict:
    return next(t for t in body["tables"] if t["key"] == key)


def test_national_key_figures_match_what_happened(client, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    body = client.get(API, params={"campaign": world.campaign.id}).json()
    f = figures(body)
    minutes = sum(c.duration_minutes for _p, c, _d in world.completions)
    per_day = Counter(d for _p, _c, d in world.completions)
    peak_day, peak_n = max(per_day.items(), key=lambda kv: kv[1])
    assert f["registered"]["value"] == len(world.people)
    assert f["active"]["value"] == len({p.id for p, _c, _d in world.completions})
    assert f["reached"]["value"] == 1  # only a1 reached 240 minutes
    assert f["reached"]["display"] == "1 (25.0 %)"
    assert f["completions"]["value"] == len(world.completions)
    assert f["hours"]["value"] == round(minutes / 60)
    assert f["peak"]["display"] == f"{peak_day.isoformat()}: {peak_n}"
    assert f["avg_per_day"]["value"] == round(len(world.completions) / 7)
    assert all(x["definition"] for x in body["figures"])
    trend = table(body, "trend")
    assert [r[0] for r in trend["rows"]] == [(START + timedelta(i)).isoformat() for i in range(7)]
    assert [r[1] for r in trend["rows"]] == [per_day.get(START + timedelta(i), 0) for i in range(7)]


def test_breakdown_drills_down_the_tree(client, db, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    body = client.get(API, params={"campaign": world.campaign.id}).json()
    top = {r[1]: r for r in table(body, "breakdown")["rows"]}
    assert top["MOHFW"][6] == 6 and top["MHA"][6] == 2  # completions under each ministry
    assert top["MOHFW"][3] == 3 and top["MOHFW"][4] == 1  # active, reached
    mohfw = directory.org_by_code(db, "MOHFW")
    inner = client.get(API, params={"campaign": world.campaign.id, "org": mohfw.id}).json()
    rows = {r[1]: r for r in table(inner, "breakdown")["rows"]}
    assert set(rows) >= {"DOHFW", "DHR"} and "MHA" not in rows
    assert rows["DOHFW"][6] == 4 and rows["DHR"][6] == 2
    assert figures(inner)["completions"]["value"] == 6
    assert inner["org_name"] == mohfw.name_en


def test_mdo_admin_sees_only_their_subtree(client, db, world: World) -> None:
    sign_in(client, world.people["admin_mohfw"].email)
    body = client.get(API, params={"campaign": world.campaign.id}).json()
    f = figures(body)
    assert f["completions"]["value"] == 6  # MHA's two completions are not theirs
    assert f["registered"]["value"] == 6
    assert {r[1] for r in table(body, "breakdown")["rows"]} == {"MOHFW"}
    mha = directory.org_by_code(db, "MHA")
    denied = client.get(API, params={"campaign": world.campaign.id, "org": mha.id})
    assert denied.status_code == 403
    page = client.get("/dashboard", follow_redirects=True)
    assert page.status_code == 200 and "MDO dashboard" in page.text
    assert "Ministry of Home Affairs" not in page.text


def test_learners_get_no_dashboard(client, world: World) -> None:
    sign_in(client, world.people["a1"].email)
    assert client.get(API).status_code == 403
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export/trend.csv").status_code == 403


def test_group_and_date_filters(client, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    only_a = client.get(API, params={"campaign": world.campaign.id, "group": "Group A"}).json()
    group_a = [x for x in world.completions if x[0].group == "Group A"]
    assert figures(only_a)["completions"]["value"] == len(group_a)
    assert figures(only_a)["active"]["value"] == 2
    late = client.get(API, params={"campaign": world.campaign.id, "start": str(START + timedelta(2))}).json()
    assert figures(late)["completions"]["value"] == len([x for x in world.completions if x[2] >= START + timedelta(2)])
    bad = client.get(API, params={"campaign": world.campaign.id, "start": "2024-10-25", "end": "2024-10-20"})
    assert bad.status_code == 400 and "last day" in bad.json()["error"]["message"]
    assert client.get(API, params={"group": "Group Z", "campaign": world.campaign.id}).status_code == 400
    assert client.get(API, params={"campaign": 999999}).status_code == 404
    assert client.get(API, params={"colour": "red"}).status_code == 400


def test_course_metrics(client, db, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    body = client.get(API, params={"campaign": world.campaign.id}).json()
    top = table(body, "top_courses")["rows"]
    assert top[0][0] == "Mission Karmayogi basics" and top[0][2] == 3
    langs = {r[0]: r[1] for r in table(body, "by_language")["rows"]}
    assert langs == {"Hindi": 3, "English": 5}
    areas = {r[0]: r[1] for r in table(body, "by_area")["rows"]}
    assert areas == {"Behavioural": 8}
    provider = directory.org_by_code(db, "CP_KB").name_en
    assert {r[0]: r[1] for r in table(body, "by_provider")["rows"]} == {provider: 8}


def test_exports_csv_and_xlsx_are_formula_safe(client, db, make, world: World) -> None:
    evil = make.org("EVIL", parent="MOHFW", name='=HYPERLINK("http://x")')
    person = make.person(evil)
    world.complete(db, person, world.courses[2], START + timedelta(3))
    db.commit()
    sign_in(client, world.people["organiser"].email)
    mohfw = directory.org_by_code(db, "MOHFW")
    params = {"campaign": world.campaign.id, "org": mohfw.id}
    csv = client.get("/dashboard/export/breakdown.csv", params=params)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    xlsx = client.get("/dashboard/export/breakdown.xlsx", params=params)
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    names = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in names
    assert client.get("/dashboard/export/breakdown.pdf", params=params).status_code == 400
    assert client.get("/dashboard/export/nothing.csv", params=params).status_code == 404


def test_dashboard_page_has_charts_with_tables(client, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    page = client.get("/dashboard", params={"campaign": world.campaign.id})
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") >= 3
    svg = html[html.index("<svg") : html.index(">", html.index("<svg"))]
    assert "viewBox" in svg and 'width="' not in svg and 'role="img"' in svg
    assert 'data-table="trend"' in html and "Daily course-completion trend" in html
    assert "Learning hours" in html and "Definition" in html
    assert "/dashboard/export/trend.csv" in html


def test_webinar_figures_national_and_scoped(client, db, world: World) -> None:
    from saptah.events import attendance
    from saptah.events.models import Event

    start = ist(START + timedelta(2), 11)
    web = Event(
        kind="central_webinar",
        title_en="Viksit Bharat webinar",
        theme="Governance",
        mode="online",
        organiser_org_id=directory.org_by_code(db, "DOPT").id,
        starts_at=start,
        duration_minutes=60,
        competencies=["BEH-SELF"],
    )
    charcha = Event(
        kind="samuhik_charcha",
        title_en="Charcha on ethics",
        theme="Governance",
        mode="in_person",
        organiser_org_id=directory.org_by_code(db, "DOHFW").id,
        starts_at=start,
        duration_minutes=45,
        competencies=["BEH-SELF"],
    )
    db.add_all([web, charcha])
    db.flush()
    attendance.set_imported(db, web, person_id=world.people["a1"].id, minutes=50, source="report")
    attendance.set_imported(db, web, person_id=world.people["m1"].id, minutes=20, source="report")
    db.commit()
    sign_in(client, world.people["organiser"].email)
    f = figures(client.get(API, params={"campaign": world.campaign.id}).json())
    assert (f["webinars"]["value"], f["webinar_attendance"]["value"], f["charchas"]["value"]) == (1, 2, 1)
    client.cookies.clear()
    sign_in(client, world.people["admin_mha"].email)
    body = client.get(API, params={"campaign": world.campaign.id}).json()
    f = figures(body)
    assert (f["webinars"]["value"], f["webinar_attendance"]["value"], f["charchas"]["value"]) == (1, 1, 0)
    row = table(body, "central_webinars")["rows"][0]
    assert row[1] == "Viksit Bharat webinar" and row[4] == 1 and row[5] == 20.0


def test_chart_axes_of_counts_show_whole_numbers_each_once(client, world: World) -> None:
    import re

    sign_in(client, world.people["organiser"].email)
    html = client.get("/dashboard", params={"campaign": world.campaign.id}).text
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) >= 3
    for svg in charts:
        ticks = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if re.fullmatch(r"[\d,.]+", t)]
        assert ticks, "a chart without a count axis"
        assert all("." not in t for t in ticks), ticks  # counts: no 0.5 steps
        assert len(ticks) == len(set(ticks)), ticks  # no "0 0 1 2 2 2 3"
