"""Provider credentials: the CLI prints a key and secret; national organisers issue and revoke on a page."""

from __future__ import annotations

import base64
import re

from typer.testing import CliRunner

from saptah import cli
from saptah.directory.models import Role
from tests.factories import csrf, sign_in
from tests.lrs.helpers import VERSION, statement


def _basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(), **VERSION}


def test_cli_creates_credentials_that_work_and_revokes_them(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from saptah.config import Settings
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.directory.service import load_reference_orgs
    from saptah.web.app import create_app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAPTAH_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    with unit_of_work(make_sessionmaker(make_engine(url))) as s:
        load_reference_orgs(s)
    cli._register_domain_commands()
    r = runner.invoke(cli.app, ["lrs-client", "create", "Karmayogi Bharat content", "--org", "CP_KB"])
    assert r.exit_code == 0, r.output
    key = re.search(r"Key:\s+(\S+)", r.output).group(1)
    secret = re.search(r"Secret:\s+(\S+)", r.output).group(1)
    app = create_app(Settings(env="test", database_url=url, run_worker_in_app=False, mail_dir=tmp_path / "m"))
    with TestClient(app) as client:
        assert client.post("/xapi/statements", json=statement(), headers=_basic(key, secret)).status_code == 200
        assert client.post("/xapi/statements", json=statement(), headers=_basic(key, "wrong")).status_code == 401
        assert runner.invoke(cli.app, ["lrs-client", "revoke", key]).exit_code == 0
        assert client.post("/xapi/statements", json=statement(), headers=_basic(key, secret)).status_code == 401
    bad = runner.invoke(cli.app, ["lrs-client", "create", "X", "--org", "NOPE"])
    assert bad.exit_code == 1
    assert "NOPE" in bad.output


def test_national_organiser_issues_and_revokes_on_the_page(client, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    sign_in(client, organiser.email)
    home = client.get("/")
    assert 'href="/lrs/clients"' in home.text
    page = client.get("/lrs/clients")
    assert page.status_code == 200
    r = client.post("/lrs/clients", data={"name": "iGOT provider", "org_code": "CP_KB", "csrf_token": csrf(client)})
    assert r.status_code == 200
    key = re.search(r'id="issued-key">([^<]+)<', r.text).group(1)
    secret = re.search(r'id="issued-secret">([^<]+)<', r.text).group(1)
    assert "Karmayogi" in r.text or "CP_KB" in r.text or "iGOT provider" in r.text
    creds = _basic(key, secret)
    assert client.post("/xapi/statements", json=statement(), headers=creds).status_code == 200
    client_id = re.search(r'action="/lrs/clients/(\d+)/revoke"', r.text).group(1)
    no_csrf = client.post(f"/lrs/clients/{client_id}/revoke", data={})
    assert no_csrf.status_code == 403
    done = client.post(f"/lrs/clients/{client_id}/revoke", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303
    assert "Revoked" in client.get("/lrs/clients").text
    assert client.post("/xapi/statements", json=statement(), headers=creds).status_code == 401


def test_others_cannot_see_the_clients_page(client, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    assert client.get("/lrs/clients").status_code == 403
    assert 'href="/lrs/clients"' not in client.get("/").text
    r = client.post("/lrs/clients", data={"name": "sneaky", "csrf_token": csrf(client)})
    assert r.status_code == 403


def test_issuing_with_an_unknown_organisation_or_no_name_is_refused(client, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    sign_in(client, organiser.email)
    r = client.post("/lrs/clients", data={"name": "X", "org_code": "NOPE", "csrf_token": csrf(client)})
    assert r.status_code == 404
    assert "NOPE" in r.text
    r = client.post("/lrs/clients", data={"name": "   ", "csrf_token": csrf(client)})
    assert r.status_code == 400


def test_a_content_provider_manages_its_own_credentials_with_chosen_scopes(client, make):
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    other = make.person("CP_TAO", role=Role.CONTENT_PROVIDER)
    sign_in(client, other.email)
    theirs = client.post("/lrs/clients", data={"name": "TAO content", "csrf_token": csrf(client)})
    their_id = re.search(r'action="/lrs/clients/(\d+)/revoke"', theirs.text).group(1)
    client.cookies.clear()
    sign_in(client, provider.email)
    assert 'href="/lrs/clients"' in client.get("/").text
    page = client.get("/lrs/clients")
    assert page.status_code == 200 and "TAO content" not in page.text
    scopes = page.text.split('data-testid="client-scopes"')[1].split("</fieldset>")[0]
    assert (
        'value="statements/write"' in scopes and 'value="all"' not in scopes and 'value="statements/read"' not in scopes
    )
    sent = {"name": "KB player", "scopes": ["statements/write"], "csrf_token": csrf(client)}
    r = client.post("/lrs/clients", data=sent)
    assert r.status_code == 200 and 'data-testid="issued-scopes">statements/write<' in r.text
    assert 'data-copy="issued-secret"' in r.text
    key = re.search(r'id="issued-key">([^<]+)<', r.text).group(1)
    secret = re.search(r'id="issued-secret">([^<]+)<', r.text).group(1)
    creds = _basic(key, secret)
    assert client.post("/xapi/statements", json=statement(), headers=creds).status_code == 200
    assert client.get("/xapi/statements", headers=creds).status_code == 403  # write only, as chosen
    wider = client.post("/lrs/clients", data={"name": "x", "scopes": ["all"], "csrf_token": csrf(client)})
    assert wider.status_code == 403
    elsewhere = client.post(
        "/lrs/clients", data={"name": "x", "org_code": "CP_TAO", "scopes": ["state"], "csrf_token": csrf(client)}
    )
    assert elsewhere.status_code == 403
    assert client.post(f"/lrs/clients/{their_id}/revoke", data={"csrf_token": csrf(client)}).status_code == 404
    mine = re.search(r'action="/lrs/clients/(\d+)/revoke"', r.text).group(1)
    done = client.post(f"/lrs/clients/{mine}/revoke", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303
    assert client.post("/xapi/statements", json=statement(), headers=creds).status_code == 401
