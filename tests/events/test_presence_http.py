"""The presence ping's lean HTTP path: the same checks, refusals and answer as the routed endpoint."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from saptah.auth import service as auth
from saptah.core.db import utcnow
from saptah.events import api
from tests.events.helpers import event, organiser
from tests.factories import csrf, sign_in

PLAIN = {"tab": "tab-1", "seq": 1, "seconds": 30}


def post(client, event_id, body, *, token=None, query=""):
    """A ping as the watch page sends it; `body` as bytes is sent as it stands."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/api/v1/events/{event_id}/presence{query}", content=content, headers=headers)


def refusal(r):
    return r.status_code, r.json()["error"]["message"]


def test_the_lean_path_refuses_as_the_routed_endpoint_does(client, db, make):
    _, org = organiser(db, make)
    live = event(db, org)
    later = event(db, org, start=utcnow() + timedelta(days=1))
    make.person("DOHFW", email="lean@dohfw.gov.in")
    other = make.person("DOHFW")
    assert refusal(post(client, live.id, PLAIN, token=csrf(client))) == (401, "Please sign in.")
    sign_in(client, "lean@dohfw.gov.in")
    token = csrf(client)
    assert refusal(post(client, live.id, PLAIN)) == (
        403,
        "This request did not come from a Saptah page. Reload the page.",
    )
    assert refusal(post(client, live.id, PLAIN, token="forged-token"))[0] == 403
    assert refusal(post(client, live.id, b"{not json", token=token)) == (400, "1: JSON decode error")
    assert refusal(post(client, live.id, {**PLAIN, "seq": "x"}, token=token)) == (
        400,
        "seq: Input should be a valid integer, unable to parse string as an integer",
    )
    assert refusal(post(client, live.id, {**PLAIN, "tab": 5, "extra": 1}, token=token)) == (
        400,
        "tab: Input should be a valid string; extra: Extra inputs are not permitted",
    )
    assert refusal(post(client, live.id, [PLAIN], token=token))[0] == 400
    assert refusal(post(client, live.id, PLAIN, token=token, query="?x=1")) == (
        400,
        "Unknown query parameter(s): x.",
    )
    assert refusal(post(client, 999999, PLAIN, token=token))[0] == 404
    assert refusal(post(client, later.id, PLAIN, token=token)) == (
        409,
        "This event is not live now, so presence is not recorded.",
    )
    assert refusal(post(client, live.id, {**PLAIN, "person_id": other.id}, token=token)) == (
        403,
        "Presence can be reported only for yourself.",
    )
    big = json.dumps({**PLAIN, "tab": "x" * (api.MAX_PING_BYTES + 1)}).encode()
    assert refusal(post(client, live.id, big, token=token)) == (413, "A presence report is at most 2048 bytes.")
    r = post(client, live.id, PLAIN, token=token)  # and after all that, a plain ping is counted
    assert r.status_code == 200 and r.json()["counted"] and r.json()["seconds"] == 30
    assert r.headers["content-type"] == "application/json" and r.headers["x-content-type-options"] == "nosniff"


def test_api_tokens_ping_without_csrf_and_read_only_ones_are_refused(client, db, make):
    _, org = organiser(db, make)
    live = event(db, org)
    me = make.person("DOHFW")
    writer, _ = auth.create_api_token(db, person_id=me.id, name="player", scopes={"read", "write"})
    reader, _ = auth.create_api_token(db, person_id=me.id, name="reports", scopes={"read"})
    db.commit()
    url = f"/api/v1/events/{live.id}/presence"
    r = client.post(url, json=PLAIN, headers={"Authorization": f"Bearer {writer}"})
    assert r.status_code == 200 and r.json()["counted"]
    r = client.post(url, json={**PLAIN, "seq": 2}, headers={"Authorization": f"Bearer {reader}"})
    assert refusal(r) == (403, "This API token is read-only.")
    r = client.post(url, json={**PLAIN, "seq": 2}, headers={"Authorization": "Bearer no-such-token"})
    assert r.status_code == 401


def test_plain_pings_skip_the_router_and_others_reach_it_with_their_body(app, client, db, make):
    _, org = organiser(db, make)
    live = event(db, org)
    make.person("DOHFW", email="direct@dohfw.gov.in")
    sign_in(client, "direct@dohfw.gov.in")
    token, cookie = csrf(client), client.cookies.get("saptah_session")

    def call(body: bytes) -> tuple[list[dict], list[bytes]]:
        scope = {
            "type": "http", "method": "POST", "path": f"/api/v1/events/{live.id}/presence", "query_string": b"",
            "app": app, "path_params": {"event_id": str(live.id)},
            "headers": [(b"content-type", b"application/json"), (b"x-csrf-token", token.encode()),
                        (b"cookie", f"saptah_session={cookie}; saptah_csrf={token}".encode())],
        }  # fmt: skip
        sent: list[dict] = []
        routed: list[bytes] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        async def router(scope: dict, receive, send) -> None:
            routed.append((await receive())["body"])

        with ThreadPoolExecutor(1) as pool:  # its own thread: the browser tests may hold this one's loop
            pool.submit(asyncio.run, api.presence_lean(scope, receive, send, router)).result()
        return sent, routed

    sent, routed = call(json.dumps(PLAIN).encode())
    assert not routed and sent[0]["status"] == 200 and json.loads(sent[1]["body"])["counted"]
    sent, routed = call(b'{"tab": "tab-1", "seq": -1, "seconds": 30}')
    assert not sent and routed == [b'{"tab": "tab-1", "seq": -1, "seconds": 30}']


def test_an_expired_session_cannot_ping(client, db, make):
    from sqlalchemy import update

    from saptah.auth.models import UserSession

    _, org = organiser(db, make)
    live = event(db, org)
    make.person("DOHFW", email="expired@dohfw.gov.in")
    sign_in(client, "expired@dohfw.gov.in")
    db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    assert refusal(post(client, live.id, PLAIN, token=csrf(client))) == (401, "Please sign in.")
