"""Nominations: quota per ministry, levels, only one's own officers, organisers export by ministry."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from saptah.core.db import utcnow
from saptah.directory.models import Role
from tests.events.helpers import event, organiser
from tests.factories import csrf, sign_in


def inaugural(db, make):
    _, org = organiser(db, make)
    return event(db, org, kind="inaugural", start=utcnow() + timedelta(days=3), title_en="Inaugural event")


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
