"""Campaign pages and API as people use them: progress, organiser acts, access rules, bad input."""

from __future__ import annotations

from saptah.directory.models import Role
from tests.campaigns.helpers import campaign, complete, ist
from tests.factories import csrf, sign_in


def test_learner_sees_bar_breakdown_and_why(client, db, make):
    c = campaign(db, "NLW pages")
    p = make.person("DOHFW", email="learner.pages@example.gov.in")
    complete(db, p.id, 1, ist(2024, 10, 20), 90)
    complete(db, p.id, 2, ist(2024, 10, 21), 30, linked=False)
    complete(db, p.id, 3, ist(2024, 10, 26, 0, 0, 0), 30)
    db.commit()
    sign_in(client, p.email)
    page = client.get(f"/campaigns/{c.id}").text
    assert 'data-testid="minutes">90<' in page
    assert "Not linked to any competency" in page
    assert "after the campaign ended on 25-10-2024" in page
    api = client.get(f"/api/v1/campaigns/{c.id}/me").json()
    assert api["total_minutes"] == 90 and api["courses"] == 90 and api["percent"] == 37
    assert api["rank_national"] == 1 and api["rank_organisation"] == 1


def test_organiser_extends_with_reason_and_others_may_not(client, db, make):
    c = campaign(db, "NLW extend")
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org.pages@example.gov.in")
    admin = make.person("MOHFW", role=Role.MDO_ADMIN, email="admin.pages@example.gov.in")
    sign_in(client, admin.email)
    r = client.post(
        f"/campaigns/{c.id}/extend", data={"extended_to": "2024-10-27", "reason": "x y z", "csrf_token": csrf(client)}
    )
    assert r.status_code == 403
    client.cookies.clear()
    sign_in(client, "org.pages@example.gov.in")
    token = csrf(client)
    r = client.post(f"/campaigns/{c.id}/extend", data={"extended_to": "2024-10-27", "reason": "", "csrf_token": token})
    assert r.status_code == 400 and "Say why" in r.text
    r = client.post(
        f"/campaigns/{c.id}/extend",
        data={"extended_to": "2024-10-27", "reason": "demand", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/campaigns/{c.id}").text
    assert "Window extended from 25-10-2024 to 27-10-2024" in page and "demand" in page
    assert "27-10-2024 23:59" in page
    r = client.post(f"/campaigns/{c.id}/extend", data={"extended_to": "2024-10-27", "reason": "again"})
    assert r.status_code == 403  # no CSRF token


def test_api_create_validates_and_refuses_learners(client, db, make):
    org = make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org.api@example.gov.in")
    learner = make.person("DOHFW", email="learner.api@example.gov.in")
    body = {"name": "API week", "starts_on": "2024-10-19", "ends_on": "2024-10-25", "target_minutes": 240}
    sign_in(client, learner.email)
    assert client.post("/api/v1/campaigns", json=body).status_code == 403
    client.cookies.clear()
    sign_in(client, org.email)
    bad = client.post("/api/v1/campaigns", json=body | {"ends_on": "2024-10-01"})
    assert bad.status_code == 400 and "end on or after" in bad.json()["error"]["message"]
    assert client.post("/api/v1/campaigns", json=body | {"org_codes": ["NOPE"]}).status_code == 404
    created = client.post("/api/v1/campaigns", json=body)
    assert created.status_code == 201 and created.json()["rules"]["target_minutes"] == 240
    assert client.post("/api/v1/campaigns", json=body).status_code == 409
    cid = created.json()["id"]
    r = client.post(f"/api/v1/campaigns/{cid}/rules", json={"reason": "raise", "karma_monthly_cap": 8})
    assert r.status_code == 200 and r.json()["rules_version"] == 2
    assert client.get(f"/api/v1/campaigns/{cid}/history").json()[0]["change"] == "karma monthly cap: 4 → 8"
    assert client.get("/api/v1/campaigns/999999").status_code == 404


def test_progress_of_someone_else_is_hidden_outside_your_subtree(client, db, make):
    c = campaign(db, "NLW privacy")
    mha_admin = make.person("MHA", role=Role.MDO_ADMIN, email="mha.admin.p@example.gov.in")
    health = make.person("DOHFW")
    sign_in(client, mha_admin.email)
    assert client.get(f"/api/v1/campaigns/{c.id}/progress/{health.id}").status_code == 404
