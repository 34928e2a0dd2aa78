"""Who may see and change what: one test per access rule."""

from __future__ import annotations

from datetime import date, timedelta

from saptah.directory.models import Role, RoleChange, RoleGrant
from tests.factories import csrf, sign_in


def test_signed_out_page_redirects_to_sign_in(client):
    r = client.get("/people", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/sign-in")


def test_signed_out_api_is_401_json(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Please sign in."


def test_learner_cannot_open_admin_pages(client, make):
    learner = make.person("DOHFW")
    sign_in(client, learner.email)
    r = client.get("/people")
    assert r.status_code == 403
    assert "for MDO admins" in r.text
    assert client.get("/api/v1/people").status_code == 403


def test_learner_sees_only_themselves(client, make):
    learner = make.person("DOHFW")
    colleague = make.person("DOHFW")
    sign_in(client, learner.email)
    assert client.get(f"/api/v1/people/{learner.id}").json()["email"] == learner.email
    assert client.get(f"/api/v1/people/{colleague.id}").status_code == 404


def test_mdo_admin_sees_own_subtree_only(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    inside = make.person("NIHFW", full_name="Inside Person")  # NIHFW sits under MoHFW
    outside = make.person("MHA", full_name="Outside Person")
    sign_in(client, admin.email)
    page = client.get("/people?q=Person").text
    assert "Inside Person" in page
    assert "Outside Person" not in page
    assert client.get(f"/api/v1/people/{inside.id}").status_code == 200
    assert client.get(f"/api/v1/people/{outside.id}").status_code == 404
    assert client.get(f"/people/{outside.id}").status_code == 404
    listed = {p["email"] for p in client.get("/api/v1/people", params={"size": 200}).json()["items"]}
    assert inside.email in listed and outside.email not in listed


def test_mdo_admin_cannot_create_people_in_another_ministry(client, make, db):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    body = {"full_name": "New Joiner", "email": "new.joiner@example.gov.in", "org_code": "MHA"}
    r = client.post("/api/v1/people", json=body)
    assert r.status_code == 403
    assert client.get("/api/v1/people", params={"q": "new.joiner"}).json()["total"] == 0
    body["org_code"] = "DOHFW"
    assert client.post("/api/v1/people", json=body).status_code == 201


def test_mdo_admin_cannot_browse_another_ministry_tree(client, make, db):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    mha = make.org("MHA")
    assert client.get(f"/organisations?parent={mha.id}").status_code == 403
    mohfw = make.org("MOHFW")
    assert client.get(f"/organisations?parent={mohfw.id}").status_code == 200


def test_national_organiser_sees_everything(client, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    someone = make.person("MHA")
    sign_in(client, organiser.email)
    assert client.get(f"/api/v1/people/{someone.id}").status_code == 200
    roots = {o["code"] for o in client.get("/api/v1/organisations").json()}
    assert {"GOI", "ST_UP"} <= roots


def test_leader_grants_admin_in_subtree_with_expiry_and_it_is_recorded(client, make, db):
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    staff = make.person("DOHFW")
    sign_in(client, leader.email)
    until = (date.today() + timedelta(days=30)).isoformat()
    r = client.post(
        "/api/v1/roles", json={"email": staff.email, "role": "mdo_admin", "org_code": "DOHFW", "expires_on": until}
    )
    assert r.status_code == 201
    grant = db.query(RoleGrant).filter_by(person_id=staff.id, role="mdo_admin").one()
    assert grant.expires_on.isoformat() == until
    change = db.query(RoleChange).filter_by(person_id=staff.id).one()
    assert (change.actor_id, change.action, change.role) == (leader.id, "grant", "mdo_admin")
    r = client.request("DELETE", "/api/v1/roles", json={"email": staff.email, "role": "mdo_admin", "org_code": "DOHFW"})
    assert r.status_code == 204
    assert [c.action for c in db.query(RoleChange).filter_by(person_id=staff.id).order_by(RoleChange.id)] == [
        "grant",
        "revoke",
    ]


def test_leader_cannot_grant_outside_subtree_or_grant_organiser(client, make, db):
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    mha_person = make.person("MHA")
    own = make.person("DOHFW")
    sign_in(client, leader.email)
    r = client.post("/api/v1/roles", json={"email": own.email, "role": "mdo_admin", "org_code": "MHA"})
    assert r.status_code == 403
    assert "inside their own organisation" in r.json()["error"]["message"]
    r = client.post("/api/v1/roles", json={"email": own.email, "role": "national_organiser"})
    assert r.status_code == 403
    r = client.post("/api/v1/roles", json={"email": mha_person.email, "role": "mdo_admin", "org_code": "MOHFW"})
    assert r.status_code == 404  # cannot even learn that the person exists
    assert db.query(RoleGrant).filter_by(person_id=own.id).count() == 0


def test_admin_cannot_grant_roles(client, make, db):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    staff = make.person("DOHFW")
    sign_in(client, admin.email)
    r = client.post("/api/v1/roles", json={"email": staff.email, "role": "mdo_admin", "org_code": "DOHFW"})
    assert r.status_code == 403


def test_expired_role_no_longer_applies(client, make, db):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    grant = db.query(RoleGrant).filter_by(person_id=admin.id).one()
    grant.expires_on = date.today() - timedelta(days=1)
    db.commit()
    sign_in(client, admin.email)
    assert client.get("/people").status_code == 403


def test_role_form_on_person_page_needs_csrf(client, make, db):
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    staff = make.person("DOHFW")
    sign_in(client, leader.email)
    r = client.post(f"/people/{staff.id}/roles", data={"role": "mdo_admin", "org_code": "DOHFW"})
    assert r.status_code == 403
    r = client.post(
        f"/people/{staff.id}/roles",
        data={"role": "mdo_admin", "org_code": "DOHFW", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert db.query(RoleGrant).filter_by(person_id=staff.id, role="mdo_admin").count() == 1


def test_api_tokens_scoped_and_revocable(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    read = client.post("/api/v1/tokens", json={"name": "hrms read", "scopes": ["read"]}).json()
    write = client.post("/api/v1/tokens", json={"name": "hrms write", "scopes": ["read", "write"]}).json()
    client.cookies.clear()
    h_read = {"Authorization": f"Bearer {read['token']}"}
    h_write = {"Authorization": f"Bearer {write['token']}"}
    assert client.get("/api/v1/me", headers=h_read).json()["email"] == admin.email
    body = {"full_name": "Token Made", "email": "token.made@example.gov.in", "org_code": "DOHFW"}
    assert client.post("/api/v1/people", json=body, headers=h_read).status_code == 403
    assert client.post("/api/v1/people", json=body, headers=h_write).status_code == 201
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=h_write).status_code == 403
    assert client.delete(f"/api/v1/tokens/{read['id']}", headers=h_write).status_code == 204
    r = client.get("/api/v1/me", headers=h_read)
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]


def test_unknown_token_is_401(client):
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer sapt_made_up"})
    assert r.status_code == 401


def test_bad_api_input_is_400_with_message(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    r = client.post("/api/v1/people", json={"full_name": "X", "email": "not-an-email", "org_code": "DOHFW"})
    assert r.status_code == 400
    assert "email" in r.json()["error"]["message"]
    r = client.post(
        "/api/v1/people", json={"full_name": "X", "email": "x@example.gov.in", "org_code": "DOHFW", "surprise": 1}
    )
    assert r.status_code == 400


def test_unknown_page_is_friendly_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "There is no page at this address" in r.text
    assert "<html" in r.text


def test_unknown_query_parameter_is_refused(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    r = client.get("/api/v1/people", params={"q": "a", "sise": 10})
    assert r.status_code == 400
    assert "Unknown query parameter(s): sise" in r.json()["error"]["message"]
    assert client.get("/api/v1/people", params={"q": "a", "size": 10}).status_code == 200


def test_people_search_finds_words_inside_names_emails_and_ids_literally(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    meera = make.person("MOHFW", full_name="Meera Sharma", email="meera.s@example.gov.in", employee_id="EMP42")
    make.person("MOHFW", full_name="Ravi 100% Kumar", email="ravi_k@example.gov.in")
    make.person("MOHFW", full_name="Sunil Rao", email="sunil@example.gov.in")

    def found(q: str) -> set[str]:
        r = client.get("/api/v1/people", params={"q": q, "size": 200})
        assert r.status_code == 200
        return {p["full_name"] for p in r.json()["items"]}

    sign_in(client, admin.email)
    assert found("SHARM") == {"Meera Sharma"}  # inside a name, any case
    assert found("meera.s@") == {"Meera Sharma"}  # inside an e-mail
    assert found("EMP42") == {meera.full_name}  # an employee ID, exactly
    assert found("100%") == {"Ravi 100% Kumar"}  # % is a letter, not "anything"
    assert found("i_k@") == {"Ravi 100% Kumar"}  # so is _
    assert found("%") == {"Ravi 100% Kumar"}


def test_a_role_expires_at_the_end_of_its_day_in_india_not_on_the_servers_utc_day(client, make, db, monkeypatch):
    """At 01:30 IST on 8 December the server's UTC day is still the 7th: a role that expired on the 7th no longer
    applies, and the 8th is not "in the past" for a new grant's expiry."""
    from datetime import UTC, datetime

    from saptah.core import timeutil

    monkeypatch.setattr(timeutil, "_utc_now", lambda: datetime(2026, 12, 7, 20, 0, tzinfo=UTC))
    assert timeutil.ist_today() == date(2026, 12, 8)
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    grant = db.query(RoleGrant).filter_by(person_id=admin.id).one()
    grant.expires_on = date(2026, 12, 7)
    db.commit()
    sign_in(client, admin.email)
    assert client.get("/people").status_code == 403
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    staff = make.person("DOHFW")
    sign_in(client, leader.email)
    body = {"email": staff.email, "role": "mdo_admin", "org_code": "DOHFW"}
    assert client.post("/api/v1/roles", json=body | {"expires_on": "2026-12-07"}).status_code == 400
    assert client.post("/api/v1/roles", json=body | {"expires_on": "2026-12-08"}).status_code == 201
