"""Sign-in, sessions, one-time links, rate limits and CSRF, as a person meets them."""

from __future__ import annotations

import secrets
from datetime import timedelta

from saptah.auth import service as auth
from saptah.auth.models import LoginFailure, PasswordToken
from saptah.core.db import utcnow
from saptah.core.security import token_hash
from saptah.notify.tasks import send_due
from tests.factories import PASSWORD, csrf, sign_in


def test_wrong_password_is_refused_with_a_clear_message(client, make, db):
    person = make.person()
    r = sign_in(client, person.email, "not-the-password")
    assert r.status_code == 401
    assert "Wrong e-mail or password" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out
    assert db.query(LoginFailure).filter_by(email=person.email).count() == 1


def test_unknown_email_gets_the_same_answer(client):
    r = sign_in(client, "nobody@example.gov.in", "whatever-password")
    assert r.status_code == 401
    assert "Wrong e-mail or password" in r.text


def test_email_is_case_insensitive(client, make):
    person = make.person(email="Mixed.Case@Example.GOV.in")
    assert person.email == "mixed.case@example.gov.in"
    assert sign_in(client, "MIXED.case@example.gov.in").status_code == 303


def test_session_cookie_flags(client, make):
    person = make.person()
    r = sign_in(client, person.email)
    cookie = r.headers["set-cookie"]
    assert "saptah_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # development/test only; production sets Secure


def test_production_cookies_are_secure():
    from saptah.config import Settings

    assert Settings(env="production", secret_key=secrets.token_urlsafe(32)).secure_cookies is True


def test_rate_limit_per_account(client, make, settings):
    person = make.person()
    for _ in range(settings.login_max_failures_account):
        assert sign_in(client, person.email, "bad-password-x").status_code == 401
    r = sign_in(client, person.email, PASSWORD)  # even the right password waits
    assert r.status_code == 429
    assert "Too many failed sign-ins for this account" in r.text


def test_rate_limit_per_address(client, make, settings):
    settings.login_max_failures_address = 3
    for i in range(3):
        sign_in(client, f"someone{i}@example.gov.in", "bad-password-x")
    person = make.person()
    r = sign_in(client, person.email)
    assert r.status_code == 429
    assert "from this address" in r.text


def test_form_without_csrf_token_is_refused(client, make):
    person = make.person()
    client.get("/sign-in")
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert r.status_code == 403
    assert "Reload the page" in r.text
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_sign_out_ends_the_session(client, make):
    person = make.person()
    sign_in(client, person.email)
    session_cookie = client.cookies.get("saptah_session")
    assert client.get("/").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    client.cookies.set("saptah_session", session_cookie)  # replaying the old cookie does not work
    assert client.get("/", follow_redirects=False).status_code == 303


def test_forgotten_password_by_email_link(client, make, db, settings, smtp):
    person = make.person(full_name="Sunita Rao")
    r = client.post("/forgot-password", data={"email": person.email, "csrf_token": csrf(client)})
    assert r.status_code == 200
    assert "If that e-mail is registered" in r.text
    assert send_due(db, settings) == 1
    [mail] = smtp.to(person.email)
    assert mail["Subject"] == "Saptah: reset your password"
    link = next(line for line in mail.get_content().splitlines() if "/set-password/" in line)
    path = link.split(settings.base_url, 1)[1]
    assert client.get(path).status_code == 200
    r = client.post(
        path, data={"password": "a-brand-new-pass", "confirm": "a-brand-new-pass", "csrf_token": csrf(client)}
    )
    assert "Your password is set" in r.text
    assert sign_in(client, person.email, "a-brand-new-pass").status_code == 303
    # the link is single use
    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in again.text


def test_unknown_email_reset_sends_nothing(client, db, settings, smtp):
    client.post("/forgot-password", data={"email": "ghost@example.gov.in", "csrf_token": csrf(client)})
    assert send_due(db, settings) == 0
    assert smtp.messages == []


def test_expired_link_is_refused(client, make, db, settings):
    person = make.person()
    token = auth.issue_password_link(db, settings, person=person, purpose="setup")
    row = db.query(PasswordToken).filter_by(token_hash=token_hash(token)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    r = client.get(f"/set-password/{token}")
    assert r.status_code == 400
    assert "expired" in r.text
    r = client.post(
        f"/set-password/{token}", data={"password": "x" * 12, "confirm": "x" * 12, "csrf_token": csrf(client)}
    )
    assert r.status_code == 400
    assert sign_in(client, person.email, "x" * 12).status_code == 401


def test_unknown_link_is_404(client):
    assert client.get("/set-password/not-a-real-token").status_code == 404


def test_short_password_is_refused(client, make, db, settings):
    person = make.person()
    token = auth.issue_password_link(db, settings, person=person, purpose="setup")
    db.commit()
    r = client.post(
        f"/set-password/{token}", data={"password": "short", "confirm": "short", "csrf_token": csrf(client)}
    )
    assert r.status_code == 400
    assert "at least 10 characters" in r.text


def test_passwords_are_argon2_hashed(make):
    person = make.person()
    assert person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash


def test_outside_the_test_suite_passwords_get_argon2s_full_cost():
    """The suite hashes with cheap parameters (tests/conftest.py); Saptah itself keeps RFC 9106's profile."""
    import subprocess
    import sys

    code = "from saptah.core.security import hash_password; print(hash_password('a long password'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
