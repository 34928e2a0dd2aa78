"""Course import (CLI, page), search pages, enrolment and rating forms, the player, export."""

from __future__ import annotations

import json
import re

from saptah.catalog import repository as repo
from saptah.directory.models import Role
from tests.catalog.conftest import QUIZ, study
from tests.factories import csrf, sign_in

GOOD_CSV = (
    "code,title_en,provider,duration_minutes,languages,competencies,status\n"
    "NEW-1,Public Procurement Basics,CP_KB,45,en|hi,FUN-PROCURE,live\n"
    "NEW-2,GeM for Buyers,CP_KB,30,en,FUN-PROCURE|FUN-FINANCE,draft\n"
)
BAD_CSV = (
    "code,title_en,provider,duration_minutes,competencies\n"
    "BAD-1,Good row,CP_KB,45,FUN-PROCURE\n"
    "BAD-2,Unknown competency,CP_KB,45,NOT-A-COMPETENCY\n"
    "BAD-3,Unknown provider,CP_NOBODY,45,\n"
    "BAD-4,Zero minutes,CP_KB,0,\n"
)


def upload(client, name, content):
    return client.post(
        "/catalog/import",
        data={"csrf_token": csrf(client)},
        files={"file": (name, content, "text/csv")},
    )


def test_provider_imports_a_csv_and_the_courses_appear(client, db, make, courses):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    r = upload(client, "courses.csv", GOOD_CSV.encode())
    assert r.status_code == 200 and "2 new courses" in r.text
    live = repo.course_by_code(db, "NEW-1")
    assert (live.status, live.language_list) == ("live", ["en", "hi"])
    assert live.activity_id.endswith("/courses/NEW-1")
    assert [c.code for c in repo.competencies_of(db, [live.id])[live.id]] == ["FUN-PROCURE"]
    r = client.get("/courses?q=procurement")
    assert "Public Procurement Basics" in r.text and "GeM for Buyers" not in r.text  # the draft is not listed
    again = upload(client, "fix.csv", b"code,title_en,duration_minutes\nNEW-1,Public Procurement Basics (2nd ed.),50\n")
    assert "1 updated" in again.text
    db.refresh(live)
    assert (live.title_en, live.duration_minutes, live.status) == ("Public Procurement Basics (2nd ed.)", 50, "live")


def test_bad_rows_are_reported_each_and_nothing_is_written(client, db, make, courses):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    sign_in(client, organiser.email)
    r = upload(client, "courses.csv", BAD_CSV.encode())
    assert r.status_code == 400
    assert "Row 3: unknown competency NOT-A-COMPETENCY" in r.text
    assert "Row 4: unknown provider CP_NOBODY" in r.text
    assert "Row 5: duration_minutes" in r.text
    assert "Nothing was imported" in r.text
    assert repo.course_by_code(db, "BAD-1") is None


def test_a_provider_cannot_import_for_another_provider_and_learners_cannot_import(client, make, courses):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    r = upload(client, "c.csv", b"code,title_en,provider,duration_minutes\nX-1,Someone else's,CP_AWS,30\n")
    assert r.status_code == 400 and "only for your own organisation" in r.text
    learner = make.person()
    client.cookies.clear()
    sign_in(client, learner.email)
    assert client.get("/catalog/import").status_code == 403
    assert upload(client, "c.csv", GOOD_CSV.encode()).status_code == 403


def test_unreadable_files_get_a_clear_message(client, make, courses):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    assert "not valid" in upload(client, "c.json", b"[{").text
    assert "PDF" in upload(client, "c.csv", b"%PDF-1.4 ...").text
    assert "lacks column" in upload(client, "c.csv", b"name,minutes\nx,1\n").text


def test_json_import_with_modules_and_assessment_is_playable(client, db, make, courses):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    row = {
        "code": "JSON-1",
        "title_en": "Imported with a quiz",
        "duration_minutes": 20,
        "status": "live",
        "competencies": ["BEH-SELF"],
        "modules": [{"title": "Only module", "body": "Read me."}],
        "assessment": QUIZ,
    }
    r = client.post(
        "/catalog/import",
        data={"csrf_token": csrf(client)},
        files={"file": ("c.json", json.dumps([row]).encode(), "application/json")},
    )
    assert r.status_code == 200
    course = repo.course_by_code(db, "JSON-1")
    assert course.assessment["pass_mark"] == 60 and len(repo.modules_of(db, course.id)) == 1


def test_cli_import_courses(tmp_path, db, courses, monkeypatch):
    from typer.testing import CliRunner

    from saptah import cli

    file = tmp_path / "bad.csv"
    file.write_text(BAD_CSV, encoding="utf-8")
    monkeypatch.setattr(cli, "factory_for", lambda settings: lambda: db)
    monkeypatch.setattr(db, "close", lambda: None)
    cli._register_domain_commands()
    result = CliRunner().invoke(cli.app, ["import-courses", str(file)])
    assert result.exit_code == 1 and "Row 3: unknown competency" in result.output
    assert repo.course_by_code(db, "BAD-1") is None
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["import-courses", str(good)])
    assert result.exit_code == 0 and "Imported 2 new course(s)" in result.output, result.output
    assert repo.course_by_code(db, "NEW-2").status == "draft"


def test_learner_enrols_takes_a_course_passes_and_rates_through_pages(client, db, make, courses, clock):
    learner = make.person(full_name="Meera Nair")
    course = courses.make(title_en="Cyber basics", assessment=QUIZ)
    sign_in(client, learner.email)
    # the search form sends every filter, empty ones included
    found = client.get("/courses?q=cyber&competency=&provider=&language=&category=&max_minutes=")
    assert found.status_code == 200 and "Cyber basics" in found.text
    token = csrf(client)
    r = client.post(f"/courses/{course.id}/enrol", data={"csrf_token": token}, follow_redirects=False)
    assert r.headers["location"] == f"/learn/{course.id}"
    page = client.get(f"/learn/{course.id}").text
    assert "One" in page and "Finish every module" in page
    for m in repo.modules_of(db, course.id):  # 30 minutes in two modules: at least 7.5 minutes on each
        study(client, clock, course.id, m.id, 8 * 60)
        client.post(f"/learn/{course.id}/modules/{m.id}/done", data={"csrf_token": token})
    r = client.post(f"/learn/{course.id}/assessment", data={"csrf_token": token, "q0": "1", "q1": "0"})
    assert "You scored 100%" in r.text
    detail = client.get(f"/courses/{course.id}").text
    assert "Completed" in detail and "Download certificate" in detail
    bad = client.post(f"/courses/{course.id}/rate", data={"csrf_token": token, "stars": "7"})
    assert bad.status_code == 400 and "1 to 5" in bad.text
    client.post(f"/courses/{course.id}/rate", data={"csrf_token": token, "stars": "5", "review": "Clear"})
    assert "You gave 5 ★" in client.get(f"/courses/{course.id}").text


def test_course_pages_refuse_bad_requests(client, make, courses):
    learner = make.person()
    retired = courses.make(status="retired")
    draft = courses.make(status="draft")
    sign_in(client, learner.email)
    token = csrf(client)
    assert client.get("/courses/999999").status_code == 404
    assert client.get(f"/courses/{draft.id}").status_code == 404  # drafts are the provider's business
    r = client.post(f"/courses/{retired.id}/enrol", data={"csrf_token": token})
    assert r.status_code == 409 and "retired" in r.text
    assert client.post(f"/courses/{retired.id}/enrol", data={}).status_code == 403  # no CSRF token
    assert client.get(f"/learn/{retired.id}").status_code == 409
    assert client.get("/courses?category=Nonsense").status_code == 400
    assert client.get("/courses?max_minutes=abc").status_code == 400


def test_admin_enrols_own_staff_in_bulk_but_not_other_ministries(client, db, make, courses):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    mine, foreign = make.person("MOHFW"), make.person("MHA")
    course = courses.make()
    sign_in(client, admin.email)
    emails = f"{mine.email}\n{foreign.email}\n{mine.email}"
    sent = client.post(
        f"/courses/{course.id}/enrol-many", data={"csrf_token": csrf(client), "emails": emails}, follow_redirects=False
    )
    r = client.get(sent.headers["location"])  # post/redirect/get: the outcome is a message on the course page
    assert "Enrolled 1" in r.text and f"{foreign.email}: no one with this e-mail in your organisation" in r.text
    client.post(
        f"/courses/{course.id}/enrol-many",
        data={"csrf_token": csrf(client), "emails": mine.email},
        follow_redirects=False,
    )
    assert "Enrolled 0; already enrolled 1" in client.get(f"/courses/{course.id}").text
    assert repo.get_enrolment(db, foreign.id, course.id) is None


def test_provider_publishes_and_retires_and_exports(client, make, courses):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    draft = courses.make(status="draft")
    sign_in(client, provider.email)
    token = csrf(client)
    client.post(f"/courses/{draft.id}/status", data={"csrf_token": token, "status": "live"})
    assert "Enrol" in client.get(f"/courses/{draft.id}").text
    r = client.post(f"/courses/{draft.id}/status", data={"csrf_token": token, "status": "draft"})
    assert r.status_code == 409
    export = client.get("/catalog/export.csv")
    assert export.status_code == 200 and draft.code in export.text
    assert json.loads(client.get("/catalog/export.json").content)[0]["code"]


def test_api_search_and_enrol(client, make, courses):
    learner = make.person()
    course = courses.make(title_en="Negotiation skills")
    sign_in(client, learner.email)
    body = client.get("/api/v1/courses", params={"q": "negotiation"}).json()
    assert body["total"] == 1 and body["items"][0]["id"] == course.id
    assert client.get("/api/v1/courses", params={"size": 1000}).status_code == 400


def test_national_organisers_edit_the_competency_dictionary_and_others_cannot(client, db, make, courses):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    sign_in(client, organiser.email)
    token = csrf(client)
    form = {"csrf_token": token, "code": "dom-space", "area": "Domain", "theme": "Space technology"}
    assert client.post("/competencies", data=form).status_code == 200
    assert "DOM-SPACE" in client.get("/competencies").text
    assert client.post("/competencies", data=form).status_code == 409
    assert client.post("/competencies", data={**form, "code": "X", "area": "Magic"}).status_code == 400
    comp = repo.competencies_by_codes(db, ["DOM-SPACE"])["DOM-SPACE"]
    edit = {**form, "competency_id": comp.id, "theme": "Space applications", "active": "no"}
    client.post("/competencies", data=edit)
    db.refresh(comp)
    assert (comp.theme, comp.active) == ("Space applications", False)
    learner = make.person()
    client.cookies.clear()
    sign_in(client, learner.email)
    assert "Space applications" not in client.get("/competencies").text  # retired entries are hidden
    assert client.post("/competencies", data={**form, "csrf_token": csrf(client), "code": "NEW"}).status_code == 403


def test_program_page_shows_progress_by_its_rule(client, db, make, reference):
    from datetime import UTC, datetime

    from saptah.catalog import service

    learner = make.person()
    stress = repo.course_by_code(db, "DOPT-STRESS")
    service.complete_course(db, person_id=learner.id, course_id=stress.id, at=datetime.now(UTC), source="bulk")
    db.commit()
    prarambh = repo.collection_by_code(db, "KARMAYOGI-PRARAMBH")
    sign_in(client, learner.email)
    page = client.get(f"/programs/{prarambh.id}").text
    assert "1 of 8 courses needed" in page and "Stress Management" in page
    assert client.get(f"/api/v1/programs/{prarambh.id}").json()["completed_course_ids"] == [stress.id]
    assert client.get("/programs/999999").status_code == 404


def test_home_shows_courses_in_progress_and_the_menu_in_hindi(client, db, make, courses):
    from saptah.catalog import service

    learner = make.person()
    course = courses.make(title_en="Half-done course")
    service.enrol(db, person_id=learner.id, course_id=course.id)
    db.commit()
    sign_in(client, learner.email)
    home = client.get("/").text
    assert "Continue learning" in home and "Half-done course" in home
    assert 'href="/courses"' in home and 'href="/my/certificates"' in home
    assert 'href="/catalog/import"' not in home  # learners do not import courses
    client.get("/lang/hi")
    assert "पाठ्यक्रम" in client.get("/courses").text


def test_api_rating_bulk_enrolment_and_completions(client, db, make, courses):
    from datetime import UTC, datetime

    from saptah.catalog import service

    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    staff = make.person("DOHFW")
    course = courses.make()
    sign_in(client, admin.email)
    token = {"X-CSRF-Token": csrf(client)}
    r = client.post(f"/api/v1/courses/{course.id}/enrolments/bulk", json={"emails": [staff.email]}, headers=token)
    assert r.status_code == 200 and r.json()["enrolled"] == 1
    assert client.post(f"/api/v1/courses/{course.id}/enrolments").status_code == 201
    assert client.put(f"/api/v1/courses/{course.id}/rating", json={"stars": 9}).status_code == 400
    assert client.put(f"/api/v1/courses/{course.id}/rating", json={"stars": 3}).json()["stars"] == 3
    service.complete_course(db, person_id=admin.id, course_id=course.id, at=datetime.now(UTC), source="bulk")
    db.commit()
    assert [c["course_id"] for c in client.get("/api/v1/me/completions").json()] == [course.id]
    assert client.get("/api/v1/courses/999999").status_code == 404
    comps = client.get("/api/v1/competencies").json()
    assert {"Behavioural", "Functional", "Domain"} <= {c["area"] for c in comps}


def test_admin_sees_course_codes_and_exports_the_live_catalogue(client, make, courses):
    live = courses.make(title_en="Overview of Viksit Bharat 2047")
    draft = courses.make(status="draft")
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    page = client.get(f"/courses/{live.id}").text
    assert f'<code data-testid="course-code">{live.code}</code>' in page
    listing = client.get("/courses", params={"q": "viksit"}).text
    assert f"<code>{live.code}</code>" in listing and 'data-testid="catalogue-csv"' in listing
    export = client.get("/catalog/export.csv")
    assert export.status_code == 200 and live.code in export.text and draft.code not in export.text
    learner = make.person("MOHFW")
    sign_in(client, learner.email)
    assert client.get("/catalog/export.csv").status_code == 403
    assert f"<code>{live.code}</code>" not in client.get("/courses", params={"q": "viksit"}).text


def test_reference_catalogue_keeps_the_circulars_facts(db):
    from saptah.catalog.tasks import load_reference_catalogue
    from saptah.directory import repository as dirrepo

    load_reference_catalogue(db, base_url="http://testserver")
    nihfw = dirrepo.get_org_by_code(db, "CP_NIHFW")
    for code in ("NIHFW-YOGA-WELLBEING", "NIHFW-NATUROPATHY", "NIHFW-METABOLIC"):
        assert repo.course_by_code(db, code).provider_org_id == nihfw.id, code  # developed by NIHFW, not AYUSH
    assert repo.course_by_code(db, "IKR-JAN-BHAGIDARI").title_en == "Jan Bhagidari (Bilingual)"
    kym = repo.course_by_code(db, "MOHFW-KNOW-MINISTRY").title_en
    assert kym == "Know Your Ministry- Ministry of Health and Family Welfare"


def test_a_provider_sees_its_own_courses_with_its_learners_figures(client, db, make, courses):
    from saptah.catalog.models import CourseCompletion, Enrolment, Rating
    from saptah.core.db import utcnow

    mine = courses.make(title_en="Digital governance basics")
    quiet = courses.make(title_en="Nobody here yet")
    theirs = courses.make(title_en="Someone else's course", provider="CP_TAO")
    learners = [make.person("MOHFW") for _ in range(4)]
    for i, p in enumerate(learners):
        db.add(Enrolment(person_id=p.id, course_id=mine.id, seconds_in_use=600 * (i + 1)))
    for p in learners[:2]:
        db.add(CourseCompletion(person_id=p.id, course_id=mine.id, completed_at=utcnow(), source="native"))
    db.add(Rating(person_id=learners[0].id, course_id=mine.id, stars=5))
    db.add(Rating(person_id=learners[1].id, course_id=mine.id, stars=4))
    db.commit()
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    assert 'href="/catalog/mine"' in client.get("/").text
    page = client.get("/catalog/mine").text
    table = page.split('data-testid="provider-courses"')[1]
    assert theirs.title_en not in table
    row = table.split(f'data-code="{mine.code}"')[1].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row)
    # enrolments, completions, completed %, average minutes on task (10, 20, 30, 40 minutes), rating
    assert cells[3:] == ["4", "2", "50.0", "25.0", "4.5 ★ (2)"]
    quiet_row = table.split(f'data-code="{quiet.code}"')[1].split("</tr>")[0]
    assert "No ratings yet" in quiet_row
    learner = make.person("MOHFW")
    sign_in(client, learner.email)
    assert client.get("/catalog/mine").status_code == 403
