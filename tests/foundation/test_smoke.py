"""The app starts, migrations apply, a person can sign in and see their home page."""

from __future__ import annotations

from tests.factories import sign_in


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_learner_signs_in_and_sees_home(client, make):
    person = make.person("DOHFW", full_name="Anita Desai")
    r = sign_in(client, person.email)
    assert r.status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "Anita Desai" in page.text
    assert "Department of Health" in page.text


def test_openapi_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]
    assert client.get("/docs").status_code == 200
