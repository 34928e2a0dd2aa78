"""Statement POSTs arriving together share one transaction, each still all-or-nothing with its own answer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from saptah.core.errors import Conflict
from saptah.lrs import clients, group_commit, service
from saptah.lrs.models import Statement
from tests.lrs.helpers import COMPLETED, new_id, statement


@pytest.fixture
def caller(db):
    row, _secret = clients.create_client(db, name="Provider", org_id=None, scopes="all")
    return clients.Caller(row.id, row.name, frozenset({"all"}), {"objectType": "Agent", "name": "Provider"})


def checked(caller, *statements):
    return service.check_statements(list(statements), caller)


def stored_ids(db):
    return set(db.scalars(select(Statement.statement_id)))


def test_a_conflict_in_one_request_of_a_group_refuses_only_that_request(db, caller):
    old = statement(id=new_id())
    service.store_statements(db, old, caller)
    same_id = new_id()
    fine, refused, twin, resent = (
        checked(caller, statement(id=same_id), statement(id=new_id())),
        checked(caller, statement(id=new_id()), {**old, "verb": {"id": COMPLETED}}),  # old id, other content: 409
        checked(caller, statement(verb=COMPLETED, id=same_id)),  # sent earlier in the group with other content
        checked(caller, statement(id=same_id), old),  # identical re-sends: accepted, stored once
    )
    outcomes = service.store_groups(db, [(fine, caller), (refused, caller), (twin, caller), (resent, caller)])
    assert outcomes[0] == [s["id"] for s in fine]
    assert isinstance(outcomes[1], Conflict) and old["id"] in outcomes[1].message
    assert isinstance(outcomes[2], Conflict) and same_id in outcomes[2].message
    assert outcomes[3] == [same_id, old["id"]]
    ids = stored_ids(db)
    assert {s["id"] for s in fine} <= ids and refused[0]["id"] not in ids
    assert db.scalar(select(func.count()).select_from(Statement)) == 3


def test_concurrent_posts_are_answered_each_with_their_own_result(client, auth, db, monkeypatch):
    monkeypatch.setattr(group_commit, "IN_FLIGHT", 1)
    taken = statement(id=new_id())
    assert client.post("/xapi/statements", json=taken, headers=auth).status_code == 200
    bodies = [statement(id=new_id()) for _ in range(6)] + [{**taken, "verb": {"id": COMPLETED}}]
    answers: dict[int, int] = {}

    def post(i: int) -> None:
        answers[i] = client.post("/xapi/statements", json=bodies[i], headers=auth).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [answers[i] for i in range(len(bodies))] == [200] * 6 + [409]
    assert {b["id"] for b in bodies[:6]} <= stored_ids(db)


def test_a_cached_credential_is_the_exact_one_and_revocation_ends_it(client, auth, db):
    import base64

    assert client.post("/xapi/statements", json=statement(), headers=auth).status_code == 200
    key = base64.b64decode(auth["Authorization"][6:]).decode().split(":")[0]
    wrong = {**auth, "Authorization": "Basic " + base64.b64encode(f"{key}:not-the-secret".encode()).decode()}
    assert client.post("/xapi/statements", json=statement(), headers=wrong).status_code == 401
    client_row = service.repo.get_client_by_key(db, key)
    clients.revoke_client(db, client_row.id)
    db.commit()
    assert client.post("/xapi/statements", json=statement(), headers=auth).status_code == 401
