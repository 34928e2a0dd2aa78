"""One bad xAPI request fails only itself, with a 400 (issue 15: defects 1, 3 and 4)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from saptah.lrs import clients, group_commit, service
from saptah.lrs.models import Statement
from tests.lrs.helpers import issue, new_id, statement

SURROGATE = '{"actor":{"objectType":"Agent","name":"\\ud800","mbox":"mailto:bad@example.org"},' + (
    '"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://courses.example.org/c/1"}}'
)


@pytest.fixture(autouse=True)
def _forget_merged_definitions():
    service._MERGED.clear()
    yield
    service._MERGED.clear()


@pytest.fixture
def auth(db):
    return {**issue(db), "Content-Type": "application/json"}


def stored(db, ids):
    return set(db.scalars(select(Statement.statement_id).where(Statement.statement_id.in_(ids))))


def put(client, auth, text, statement_id):
    """PUT ?statementId= is answered by the routed endpoint, not the lean one."""
    return client.put(f"/xapi/statements?statementId={statement_id}", content=text, headers=auth)


def test_a_lone_surrogate_is_refused_on_both_paths(client, auth):
    lean = client.post("/xapi/statements", content=SURROGATE, headers=auth)
    assert lean.status_code == 400
    assert "surrogate" in lean.json()["error"]["message"]
    routed = put(client, auth, SURROGATE, new_id())
    assert routed.status_code == 400


@pytest.fixture
def own_app(backend, request, tmp_path):
    """The app on a database of its own, with a real engine: concurrent requests each get their own connection
    (the rolled-back test connection cannot carry two requests' transactions at once)."""
    from fastapi.testclient import TestClient

    from saptah.config import Settings
    from saptah.core.db import make_engine, make_sessionmaker
    from saptah.core.migrate import upgrade
    from saptah.web.app import create_app
    from tests.conftest import create_pg_database

    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'own.db'}", None
    else:
        url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    settings = Settings(env="test", database_url=url, run_worker_in_app=False, mail_dir=tmp_path / "m")
    with factory() as db:
        headers = {**issue(db), "Content-Type": "application/json"}
    with TestClient(create_app(settings, factory=factory)) as client:
        yield client, factory, headers
    engine.dispose()
    if drop:
        drop()


def test_good_batches_posted_beside_a_bad_statement_are_all_stored(own_app):
    client, factory, auth = own_app
    batches = [[statement(id=new_id()) for _ in range(5)] for _ in range(8)]
    answers: dict[str, int] = {}

    def post(name: str, text: str) -> None:
        answers[name] = client.post("/xapi/statements", content=text, headers=auth).status_code

    threads = [threading.Thread(target=post, args=(f"good{i}", json.dumps(b))) for i, b in enumerate(batches)]
    threads += [threading.Thread(target=post, args=(f"bad{i}", SURROGATE)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {k: v for k, v in answers.items() if k.startswith("good")} == {f"good{i}": 200 for i in range(8)}
    assert {v for k, v in answers.items() if k.startswith("bad")} == {400}
    ids = [s["id"] for b in batches for s in b]
    with factory() as db:
        assert stored(db, ids) == set(ids)


def test_a_group_that_fails_stores_each_request_alone(app, db):
    """A request that cannot be stored, queued with others, fails alone; the others are stored."""
    row, _secret = clients.create_client(db, name="Provider", org_id=None, scopes="all")
    db.commit()
    caller = clients.Caller(row.id, row.name, frozenset({"all"}), {"objectType": "Agent", "name": "Provider"})
    good = [service.check_statements([statement(id=new_id())], caller) for _ in range(3)]
    bad = service.check_statements([statement(id=new_id())], caller)
    bad[0]["actor"]["name"] = "\ud800"  # as the parser once let through: cannot be encoded to be stored
    queue = group_commit.group_commit(app.state)
    waiting = [group_commit._Waiting(good[0], caller), group_commit._Waiting(bad, caller)]
    queue.pending.extend(waiting)  # queued meanwhile: the next request's group takes them along
    ids = queue.store(good[1], caller)
    assert ids == [good[1][0]["id"]]
    assert waiting[0].outcome == [good[0][0]["id"]]
    assert isinstance(waiting[1].outcome, UnicodeEncodeError)
    assert stored(db, [good[0][0]["id"], good[1][0]["id"], bad[0]["id"]]) == {good[0][0]["id"], good[1][0]["id"]}


def deep(depth: int) -> str:
    body = statement(id=new_id(), result={"extensions": {"https://example.org/x": "HOLE"}})
    return json.dumps(body).replace('"HOLE"', "[" * depth + "]" * depth)


@pytest.mark.parametrize("depth", [5000, 900, 250])
def test_deeply_nested_statements_are_refused(client, auth, depth):
    lean = client.post("/xapi/statements", content=deep(depth), headers=auth)
    assert lean.status_code == 400
    assert "nested" in lean.json()["error"]["message"]
    assert put(client, auth, deep(depth), new_id()).status_code == 400


@pytest.mark.parametrize("depth", [40, 150])
def test_moderately_nested_extensions_are_stored_and_read_back(client, auth, depth):
    body = deep(depth)
    assert client.post("/xapi/statements", content=body, headers=auth).status_code == 200
    statement_id = json.loads(body)["id"]
    assert client.get("/xapi/statements", params={"statementId": statement_id}, headers=auth).status_code == 200


# beyond 1.8e308 also with a capital E, a plus, leading zeros in the exponent, or 211 digits and a small exponent
BEYOND_FLOATS = ["1E+400", "1e0400", "-12.5e999", "1" + "0" * 210 + "e99"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", *BEYOND_FLOATS])
def test_numbers_that_are_not_json_are_refused(client, auth, number):
    body = statement(id=new_id(), result={"extensions": {"https://example.org/x": "HOLE"}})
    text = json.dumps(body).replace('"HOLE"', number)
    answer = client.post("/xapi/statements", content=text, headers=auth)
    assert answer.status_code == 400
    assert put(client, auth, text, new_id()).status_code == 400
    listed = client.get("/xapi/statements", headers=auth)
    assert "Infinity" not in listed.text and "NaN" not in listed.text


def test_a_deeply_nested_presence_ping_is_refused(client, make):
    from tests.factories import csrf, sign_in

    person = make.person("MOHFW")
    sign_in(client, person.email)
    body = "[" * 1000 + "]" * 1000
    r = client.post(
        "/api/v1/events/1/presence",
        content=body,
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf(client)},
    )
    assert r.status_code == 400


def test_numbers_near_the_float_limit_and_hex_like_exponents_in_text_are_stored(client, auth):
    body = statement(
        id=new_id(), result={"extensions": {"https://example.org/x": "HOLE", "https://example.org/y": "3e456"}}
    )
    text = json.dumps(body).replace('"HOLE"', "[1.7e308, 1e-400, " + "9" * 200 + "e99]")
    assert client.post("/xapi/statements", content=text, headers=auth).status_code == 200
    got = client.get("/xapi/statements", params={"statementId": body["id"]}, headers=auth).json()
    assert got["result"]["extensions"]["https://example.org/y"] == "3e456"
    assert got["result"]["extensions"]["https://example.org/x"][:2] == [1.7e308, 0.0]
