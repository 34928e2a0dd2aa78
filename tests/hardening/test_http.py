"""The browser-facing defences: headers, cross-origin writes, signed CSRF cookies, a 500 that keeps the
connection (issue 15: defects 8, 9, 10 and 11)."""

from __future__ import annotations

import http.client
import re
import secrets
import threading
import time
from importlib.resources import files
from pathlib import Path

import pytest

from saptah.config import Settings
from tests.conftest import free_port
from tests.factories import csrf, sign_in

EVIL = "https://evil.example"


def policy(response) -> dict[str, str]:
    parts = [p.strip().split(None, 1) for p in response.headers["content-security-policy"].split(";")]
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.mark.parametrize("path", ["/sign-in", "/api/v1/courses", "/verify/NO-SUCH-CODE"])
def test_every_answer_forbids_inline_script_and_framing(client, path):
    r = client.get(path)
    csp = policy(r)
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # not in development or test


def test_a_lean_answer_carries_the_same_headers(client, make):
    person = make.person("MOHFW")
    sign_in(client, person.email)
    r = client.post("/api/v1/events/1/presence", json={"tab": "t1234", "seq": 1, "seconds": 30})
    assert r.status_code == 403  # no X-CSRF-Token: refused by the lean route's checks
    assert policy(r)["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"


def test_production_sends_hsts(factory, tmp_path):
    from fastapi.testclient import TestClient

    from saptah.web.app import create_app

    settings = Settings(
        env="production",
        secret_key=secrets.token_urlsafe(32),
        run_worker_in_app=False,
        database_url="sqlite://",
        mail_dir=tmp_path / "mail",
        upload_dir=tmp_path / "up",
    )
    with TestClient(create_app(settings, factory=factory), base_url="https://testserver") as c:
        r = c.get("/sign-in")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


TEMPLATE_ROOT = Path(str(files("saptah")))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_no_template_holds_inline_script_or_event_handlers():
    found = []
    for path in sorted(TEMPLATE_ROOT.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
        found += [f"{path.name}: {m.group(0)[:60]}" for m in HANDLER_ATTRIBUTE.finditer(text)]
    assert found == []


def token_post(client, **headers):
    return client.post("/api/v1/tokens", json={"name": "integration", "scopes": ["read"]}, headers=headers)


def test_a_cookie_write_from_another_site_is_refused(client, make):
    sign_in(client, make.person("MOHFW").email)
    refused = token_post(client, Origin=EVIL)
    assert refused.status_code == 403 and "another site" in refused.json()["error"]["message"]
    assert token_post(client, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert token_post(client, Origin="null").status_code == 403
    assert client.get("/api/v1/tokens").json() == []
    assert token_post(client, Origin="http://testserver", **{"Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert token_post(client, Origin="http://127.0.0.1:8000").status_code == 201  # SAPTAH_BASE_URL's origin
    assert token_post(client).status_code == 201  # not a browser: no Origin, no Sec-Fetch-Site


def test_a_bearer_token_write_is_unaffected_by_origin(client, make):
    sign_in(client, make.person("MOHFW").email)
    writer = client.post("/api/v1/tokens", json={"name": "ci", "scopes": ["read", "write"]}).json()["token"]
    other = token_post(client).json()["id"]
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {writer}", "Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    assert client.delete(f"/api/v1/tokens/{other}", headers=headers).status_code == 204


def test_a_csrf_cookie_saptah_did_not_issue_is_refused(client, make):
    """A neighbouring site can plant a cookie, but cannot sign it: its matching form token is refused."""
    person = make.person("MOHFW")
    client.cookies.set("saptah_csrf", "planted-by-a-neighbour")
    r = client.post(
        "/sign-in",
        data={"email": person.email, "password": "correct-horse-battery", "csrf_token": "planted-by-a-neighbour"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    client.cookies.clear()
    assert sign_in(client, person.email).status_code == 303
    assert "." in csrf(client)  # issued and signed


@pytest.fixture
def served(settings, factory):
    """The app, with one route that fails, served by uvicorn on loopback."""
    import uvicorn

    from saptah.web.app import create_app

    app = create_app(settings, factory=factory)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_keep_alive_survives_a_500(served):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    conn.request("GET", "/boom")
    failed = conn.getresponse()
    assert failed.status == 500
    assert "Something went wrong" in failed.read().decode()
    local = conn.sock.getsockname()
    conn.auto_open = 0  # a dropped connection must fail the next request, not be silently reopened
    conn.request("GET", "/healthz")
    after = conn.getresponse()
    assert after.status == 200 and after.read()
    assert conn.sock.getsockname() == local
    conn.close()
