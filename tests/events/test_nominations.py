"""Nominations: quota per ministry, levels, only one's own officers, organisers export by ministry."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from saptah.core.db import utcnow
from saptah.directory.models import Role
from tests.events.helpers import event, organiser
from tests.factories import csrf, sign_in


def inaugural(db, make, unit="ministry"):
    _, org = organiser(db, make)
    start = utcnow() + timedelta(days=3)
    return event(db, org, kind="inaugural", start=start, title_en="Inaugural event", nomination_unit=unit)


def test_inaugural_event_takes_six_per_ministry_and_refuses_the_seventh(client, db, make):
    ev = inaugural(db, make)
    assert ev.nomination_quota == 6 and "Secretary" in ev.nomination_levels
    make.person("MOHFW", role=Role.MDO_ADMIN, email="adm@mohfw.gov.in")
    officers = [make.person("DOHFW" if i % 2 else "DHR", designation="Director") for i in range(7)]
    sign_in(client, "adm@mohfw.gov.in")
    for officer in officers[:6]:
        body = {"email": officer.email, "level": "Other officer", "mobile": "9876543210"}
        assert client.post(f"/api/v1/events/{ev.id}/nominations", json=body).status_code == 201
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": officers[6].email, "level": "Other officer"})
    assert r.status_code == 409
    assert (
        r.json()["error"]["message"]
        == "Ministry of Health and Family Welfare has used all 6 nominations for this event."
        or "used all 6" in r.json()["error"]["message"]
    )
    assert len(client.get(f"/api/v1/events/{ev.id}/nominations").json()) == 6


def test_nominating_someone_outside_your_mdo_is_refused_with_a_reason(client, db, make):
    ev = inaugural(db, make)
    make.person("MOHFW", role=Role.MDO_ADMIN, email="adm2@mohfw.gov.in")
    outsider = make.person("MHA")
    sign_in(client, "adm2@mohfw.gov.in")
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": outsider.email, "level": "Secretary"})
    assert r.status_code == 404 and "organisation you administer" in r.json()["error"]["message"]
    mine = make.person("DOHFW")
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": mine.email, "level": "Chief Guest"})
    assert r.status_code == 400 and "Level must be one of" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": mine.email, "level": "Secretary"})
    assert r.status_code == 201
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": mine.email, "level": "Secretary"})
    assert r.status_code == 409 and "already nominated" in r.json()["error"]["message"]


def test_learners_cannot_nominate_and_each_ministry_has_its_own_quota(client, db, make):
    ev = inaugural(db, make)
    make.person("DOHFW", email="plain@dohfw.gov.in")
    sign_in(client, "plain@dohfw.gov.in")
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": "plain@dohfw.gov.in", "level": "Secretary"})
    assert r.status_code == 403
    client.cookies.clear()
    make.person("MHA", role=Role.MDO_ADMIN, email="adm@mha.gov.in")
    sign_in(client, "adm@mha.gov.in")
    for _ in range(6):
        officer = make.person("MHA")
        body = {"email": officer.email, "level": "Other officer"}
        assert client.post(f"/api/v1/events/{ev.id}/nominations", json=body).status_code == 201
    page = client.get(f"/events/{ev.id}")
    assert 'data-testid="quota-left">0<' in page.text


def test_nomination_form_and_organiser_export_by_ministry(client, db, make):
    ev = inaugural(db, make)
    make.person("MOHFW", role=Role.MDO_ADMIN, email="adm3@mohfw.gov.in")
    officer = make.person("DOHFW", full_name="Asha Menon", designation="Joint Secretary")
    sign_in(client, "adm3@mohfw.gov.in")
    form = {"csrf_token": csrf(client), "email": officer.email, "level": "Joint Secretary (Training)", "mobile": ""}
    r = client.post(f"/events/{ev.id}/nominate", data=form)
    assert r.status_code == 200 and "Asha Menon" in r.text and 'data-testid="quota-left">5<' in r.text
    assert client.get(f"/events/{ev.id}/nominations.csv").status_code == 403
    client.cookies.clear()
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="exp@dopt.gov.in")
    sign_in(client, "exp@dopt.gov.in")
    r = client.get(f"/events/{ev.id}/nominations.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ministry", "Level", "Name"]
    assert rows[1][0].startswith("Ministry of Health") and rows[1][2] == "Asha Menon"
    assert client.get(f"/events/{ev.id}/nominations.xlsx").headers["content-type"].startswith("application/vnd")


def test_by_default_each_ministry_and_department_has_its_own_six_seats(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, kind="inaugural", start=utcnow() + timedelta(days=3), title_en="Inaugural event")
    assert (ev.nomination_quota, ev.nomination_unit) == (6, "department")
    make.person("MOHFW", role=Role.MDO_ADMIN, email="adm.dept@mohfw.gov.in")
    sign_in(client, "adm.dept@mohfw.gov.in")
    for code in ("DOHFW", "DHR", "MOHFW"):
        for _ in range(6):
            officer = make.person(code, designation="Director")
            body = {"email": officer.email, "level": "Other officer"}
            assert client.post(f"/api/v1/events/{ev.id}/nominations", json=body).status_code == 201, code
    seventh = make.person("DHR")
    r = client.post(f"/api/v1/events/{ev.id}/nominations", json={"email": seventh.email, "level": "Other officer"})
    assert r.status_code == 409 and "Department of Health Research has used all 6" in r.json()["error"]["message"]
    assert len(client.get(f"/api/v1/events/{ev.id}/nominations").json()) == 18


def test_the_organiser_chooses_the_quota_level_on_the_event_form(client, db, make):
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org.quota@dopt.gov.in")
    sign_in(client, "org.quota@dopt.gov.in")
    form = client.get("/events/new").text
    assert 'data-testid="nomination-unit"' in form and "each ministry or department" in form
    data = {
        "csrf_token": csrf(client), "kind": "central_webinar", "title_en": "Quota by ministry", "theme": "Governance",
        "starts_at": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60",
        "mode": "online", "stream_url": "https://stream.example.in/q", "language": "English", "access": "open",
        "nomination_quota": "4", "nomination_unit": "ministry",
    }  # fmt: skip
    r = client.post("/events/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    got = client.get("/api/v1" + r.headers["location"].split("?")[0]).json()
    assert (got["nomination_quota"], got["nomination_unit"]) == (4, "ministry")
