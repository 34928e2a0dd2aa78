"""Single sign-on through Saptah's own pages (code exchange, checks, matching, refusals, the audit log) against a
tiny issuer whose tokens the tests mint; and password sign-in switched off per organisation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.jwk import RSAKey

from saptah.audit.models import AuditEntry
from saptah.auth.models import UserSession
from saptah.auth.sso import service as sso
from saptah.auth.sso.models import PersonIdentity
from saptah.config import Settings
from saptah.core.errors import Forbidden
from saptah.directory.models import Person, Role
from saptah.directory.service import load_principal
from tests.factories import csrf, sign_in
from tests.sso.issuer import CLIENT_ID, CLIENT_SECRET, TinyIssuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[TinyIssuer]:
    tiny = TinyIssuer()
    yield tiny
    tiny.stop()


@pytest.fixture
def settings(tmp_path: Path, issuer: TinyIssuer) -> Settings:
    """Test settings with the tiny issuer as identity provider (matching by employee ID too)."""
    issuer.mint = lambda form: issuer.token(email="nobody@nowhere.example")
    issuer.userinfo = {}
    return Settings(
        env="test",
        run_worker_in_app=False,
        mail_dir=tmp_path / "mail",
        upload_dir=tmp_path / "uploads",
        database_url="sqlite://",
        base_url="http://testserver",
        oidc_providers=[
            {
                "name": "tiny",
                "label": "Tiny ID",
                "issuer": issuer.url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "claims": {"employee_id": "emp", "org_code": "org"},
            }
        ],
    )


def start(client: Any, issuer: TinyIssuer) -> dict[str, str]:
    """Press the provider's button; the authorisation request's parameters (the issuer learns the nonce)."""
    r = client.post("/sign-in/sso/tiny", data={"csrf_token": csrf(client), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["location"]).query).items()}
    issuer.nonce = query["nonce"]
    return query


def come_back(client: Any, query: dict[str, str], **extra: str) -> Any:
    """The provider sends the browser back with a code and the state."""
    params = {"code": "code-1", "state": query["state"], **extra}
    return client.get("/sign-in/sso/tiny/callback", params=params, follow_redirects=False)


def acts(db: Any, act: str) -> list[AuditEntry]:
    return db.query(AuditEntry).filter_by(act=act).order_by(AuditEntry.id).all()


def test_the_sign_in_page_has_the_providers_button(client):
    r = client.get("/sign-in")
    assert "Sign in with Tiny ID" in r.text and 'action="/sign-in/sso/tiny"' in r.text
    policy = r.headers["content-security-policy"]
    assert "form-action 'self' http://127.0.0.1:" in policy  # the form may go on to the provider


def test_a_person_matched_by_email_is_signed_in_with_pkce_and_linked(client, make, db, issuer):
    person = make.person(email="anjali@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="parichay-42", email="Anjali@Health.gov.in", email_verified=True)
    r = come_back(client, query)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text[r.text.find("alert") :][:300]
    form = issuer.token_requests[-1]
    assert form["grant_type"] == "authorization_code" and form["authorization"].startswith("Basic ")
    assert form["redirect_uri"] == "http://testserver/sign-in/sso/tiny/callback"
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    assert create_s256_code_challenge(form["code_verifier"]) == query["code_challenge"]
    assert client.get("/", follow_redirects=False).status_code == 200  # signed in
    link = db.query(PersonIdentity).filter_by(provider="tiny", subject="parichay-42").one()
    assert link.person_id == person.id
    session_row = db.query(UserSession).filter_by(person_id=person.id).one()
    assert session_row.idp == "tiny" and session_row.id_token
    entry = acts(db, "sign_in.sso_link")[-1]
    assert entry.target_person_id == person.id and "anjali" not in (entry.details or "").lower()


def test_an_unverified_email_proves_nothing(client, make, db, issuer):
    make.person(email="victim@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="attacker", email="victim@health.gov.in", email_verified=False)
    r = come_back(client, query)
    assert r.status_code == 403 and "has not registered you on Saptah" in r.text
    assert db.query(PersonIdentity).filter_by(subject="attacker").count() == 0


def test_a_person_is_matched_by_employee_id_within_the_named_organisation(client, make, db, issuer):
    person = make.person("MOHFW", email="old.address@health.gov.in", employee_id="EMP4242")
    make.person("MHA", employee_id="EMP4242")  # the same number in another ministry is someone else
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="p-7", email="new@nic.in", emp="EMP4242", org="MOHFW")
    assert come_back(client, query).status_code == 303
    assert db.query(PersonIdentity).filter_by(subject="p-7").one().person_id == person.id
    assert '"by": "employee_id"' in acts(db, "sign_in.sso_link")[-1].details


def test_claims_kept_out_of_the_id_token_come_from_userinfo(client, make, db, issuer):
    person = make.person(email="userinfo.person@health.gov.in")
    issuer.userinfo = {"sub": "ui-1", "email": "userinfo.person@health.gov.in", "email_verified": True}
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="ui-1")  # only sub, as oidc-provider does
    assert come_back(client, query).status_code == 303
    assert db.query(PersonIdentity).filter_by(subject="ui-1").one().person_id == person.id


def test_someone_not_imported_is_refused_and_the_refusal_recorded(client, db, issuer):
    before = len(acts(db, "sign_in.refused"))
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="stranger", email="stranger@nowhere.gov.in", name="A Stranger")
    r = come_back(client, query)
    assert r.status_code == 403
    assert "your organisation has not registered you on Saptah" in r.text
    assert db.query(Person).filter_by(email="stranger@nowhere.gov.in").count() == 0
    refused = acts(db, "sign_in.refused")
    assert len(refused) == before + 1 and "stranger" not in refused[-1].details
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in


def test_a_provider_allowed_to_create_people_adds_them_to_its_organisation(client, db, issuer, settings):
    settings.oidc_providers[0].create_people_in = "MOHFW"
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(
        sub="newcomer", email="newcomer@health.gov.in", name="New Comer", phone_number="+91 98765 43210", emp="N1"
    )
    assert come_back(client, query).status_code == 303
    person = db.query(Person).filter_by(email="newcomer@health.gov.in").one()
    assert (person.full_name, person.mobile, person.employee_id) == ("New Comer", "9876543210", "N1")
    assert acts(db, "sign_in.sso_create")[-1].target_person_id == person.id


@pytest.mark.parametrize(
    ("mint", "message"),
    [
        (lambda i: i.token(key=RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})), "bad signature"),
        (lambda i: i.token(nonce="the nonce of another sign-in"), "wrong nonce"),
        (lambda i: i.token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), "has expired"),
    ],
    ids=["bad-signature", "wrong-nonce", "expired"],
)
def test_a_bad_id_token_signs_nobody_in(client, make, db, issuer, mint, message):
    make.person(email="target@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: _with_email(issuer, mint)
    r = come_back(client, query)
    assert r.status_code == 401 and message in r.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert db.query(PersonIdentity).filter_by(subject="subject-1").count() == 0
    assert '"reason": "not_authenticated"' in acts(db, "sign_in.refused")[-1].details


def _with_email(issuer: TinyIssuer, mint: Any) -> str:
    issuer.userinfo = {"sub": "subject-1", "email": "target@health.gov.in"}
    return str(mint(issuer))


def test_a_replayed_state_is_refused(client, make, issuer):
    make.person(email="replay@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="replayer", email="replay@health.gov.in")
    assert come_back(client, query).status_code == 303
    client.cookies.set("saptah_sso_state", query["state"], path="/sign-in/sso/")  # even with the cookie kept
    r = come_back(client, query)
    assert r.status_code == 401 and "already been used" in r.text


def test_a_state_from_another_browser_is_refused(client, issuer, app):
    query = start(client, issuer)
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as other:
        r = come_back(other, query)  # an attacker's sign-in, pushed into someone else's browser
    assert r.status_code == 401 and "not started in this browser" in r.text


def test_the_provider_declining_says_so(client, issuer):
    query = start(client, issuer)
    r = come_back(client, query, error="access_denied", error_description="the person said no")
    assert r.status_code == 401 and "did not sign you in" in r.text


def test_an_unknown_provider_is_not_found(client):
    r = client.post("/sign-in/sso/nobody", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 404


def test_signing_out_ends_the_session_and_goes_to_the_providers_sign_out(client, make, db, issuer):
    make.person(email="leaving@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="leaver", email="leaving@health.gov.in")
    come_back(client, query)
    r = client.post("/sign-out", data={"csrf_token": csrf(client)}, follow_redirects=False)
    target = urlsplit(r.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{issuer.url}/session/end"
    q = parse_qs(target.query)
    assert q["post_logout_redirect_uri"] == ["http://testserver/sign-in"] and q["id_token_hint"][0].count(".") == 2
    assert client.get("/", follow_redirects=False).status_code == 303


def test_password_sign_in_switched_off_above_a_person_points_to_sso(client, make, db):
    ministry = make.org("MOHFW")
    department = make.org("TST_DEPT_SSO", parent="MOHFW")
    person = make.person(department, email="dept.person@health.gov.in")
    admin = make.person(ministry, role=Role.MDO_ADMIN)
    sso.set_password_sign_in(db, load_principal(db, admin.id), org_id=ministry.id, allowed=False)
    db.commit()
    r = sign_in(client, person.email)
    assert r.status_code == 403 and "single sign-on only" in r.text and "Sign in with Tiny ID" in r.text
    assert '"reason": "password_sign_in_off"' in acts(db, "sign_in.refused")[-1].details
    assert sign_in(client, person.email, "a wrong password").status_code == 401  # no hint for a wrong password
    assert sign_in(client, admin.email).status_code == 403  # the admin's own ministry too
    sso.set_password_sign_in(db, load_principal(db, admin.id), org_id=ministry.id, allowed=True)
    db.commit()
    assert sign_in(client, person.email).status_code == 303
    assert [e.details for e in acts(db, "org.password_sign_in")][-2:] == [
        '{"password_sign_in": false}',
        '{"password_sign_in": true}',
    ]


def test_only_an_admin_over_the_organisation_may_switch_it(client, make, db):
    mohfw = make.org("MOHFW")
    other_admin = make.person("MHA", role=Role.MDO_ADMIN)
    learner = make.person(mohfw)
    for who in (other_admin, learner):
        with pytest.raises(Forbidden):
            sso.set_password_sign_in(db, load_principal(db, who.id), org_id=mohfw.id, allowed=False)
    sign_in(client, learner.email)
    r = client.post(
        f"/organisations/{mohfw.id}/password-sign-in", data={"csrf_token": csrf(client), "allowed": "false"}
    )
    assert r.status_code == 403
    db.refresh(mohfw)
    assert mohfw.password_sign_in is True


def test_the_admin_switches_it_from_the_organisation_page(client, make, db):
    mohfw = make.org("MOHFW")
    admin = make.person(mohfw, role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    page = client.get(f"/organisations?parent={mohfw.id}")
    assert "switch password sign-in off" in page.text
    r = client.post(
        f"/organisations/{mohfw.id}/password-sign-in", data={"csrf_token": csrf(client), "allowed": "false"}
    )
    assert r.status_code == 200 and "now sign in only through single sign-on" in r.text
    db.refresh(mohfw)
    assert mohfw.password_sign_in is False


def test_the_persons_data_download_shows_the_link_without_the_id_token_and_erasure_removes_it(client, make, db, issuer):
    from saptah.privacy import service as privacy

    person = make.person(email="erasable@health.gov.in")
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="erasable-sub", email="erasable@health.gov.in")
    assert come_back(client, query).status_code == 303
    data = privacy.personal_data(db, person.id)
    assert [r["subject"] for r in data["tables"]["person_identities"]] == ["erasable-sub"]
    raw_token = db.query(UserSession).filter_by(person_id=person.id).one().id_token
    assert raw_token and raw_token not in str(data)
    privacy.erase(db, principal=None, person_id=person.id, reason="request REF-1")
    db.flush()
    assert db.query(PersonIdentity).filter_by(person_id=person.id).count() == 0
    assert db.query(UserSession).filter_by(person_id=person.id).count() == 0


def test_single_sign_on_keeps_the_language_chosen_before_signing_in_as_password_sign_in_does(client, make, db, issuer):
    """Both ways in set the session through auth.cookies.signed_in: a language picked with the switch while signed
    out wins over the profile's and is saved to it."""
    person = make.person(email="ravi@health.gov.in")
    assert person.preferred_language == "en"
    client.get("/lang/hi", follow_redirects=False)  # the switch, signed out
    query = start(client, issuer)
    issuer.mint = lambda form: issuer.token(sub="parichay-77", email="ravi@health.gov.in", email_verified=True)
    r = come_back(client, query)
    assert r.status_code == 303
    assert client.cookies.get("saptah_lang") == "hi"
    db.refresh(person)
    assert person.preferred_language == "hi"
    assert '<html lang="hi">' in client.get("/").text
