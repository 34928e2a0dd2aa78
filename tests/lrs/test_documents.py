"""Document resources: state, activity profile, agent profile; ETags, concurrency, merge, lists, deletes."""

from __future__ import annotations

import json
import time
import uuid

import pytest

ACT = "https://example.org/doc-activity"
AGENT = json.dumps({"mbox": "mailto:learner@example.org"})
PLACES = {
    "state": ("/xapi/activities/state", {"activityId": ACT, "agent": AGENT}, "stateId"),
    "activity_profile": ("/xapi/activities/profile", {"activityId": ACT}, "profileId"),
    "agent_profile": ("/xapi/agents/profile", {"agent": AGENT}, "profileId"),
}


@pytest.mark.parametrize("kind", sorted(PLACES))
def test_put_then_get_with_etag_and_last_modified(client, auth, kind):
    path, place, id_param = PLACES[kind]
    params = {**place, id_param: "bookmark"}
    headers = {**auth, "Content-Type": "application/json", "If-None-Match": "*"}
    assert client.put(path, params=params, content=b'{"page": 3}', headers=headers).status_code == 204
    got = client.get(path, params=params, headers=auth)
    assert got.status_code == 200
    assert got.json() == {"page": 3}
    assert got.headers["ETag"].startswith('"')
    assert "Last-Modified" in got.headers
    assert got.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("kind", sorted(PLACES))
def test_if_match_and_if_none_match_are_honoured(client, auth, kind):
    path, place, id_param = PLACES[kind]
    params = {**place, id_param: "cond"}
    json_headers = {**auth, "Content-Type": "application/json"}
    assert (
        client.put(path, params=params, content=b'{"a": 1}', headers={**json_headers, "If-None-Match": "*"}).status_code
        == 204
    )
    etag = client.get(path, params=params, headers=auth).headers["ETag"]
    again = client.put(path, params=params, content=b'{"a": 2}', headers={**json_headers, "If-None-Match": "*"})
    assert again.status_code == 412
    stale = client.put(path, params=params, content=b'{"a": 2}', headers={**json_headers, "If-Match": '"0000"'})
    assert stale.status_code == 412
    ok = client.put(path, params=params, content=b'{"a": 2}', headers={**json_headers, "If-Match": etag})
    assert ok.status_code == 204
    assert client.get(path, params=params, headers=auth).json() == {"a": 2}


@pytest.mark.parametrize("kind", ["activity_profile", "agent_profile"])
def test_put_on_an_existing_profile_without_conditions_is_409(client, auth, kind):
    path, place, id_param = PLACES[kind]
    params = {**place, id_param: "p409"}
    h = {**auth, "Content-Type": "application/json"}
    assert client.put(path, params=params, content=b'{"a": 1}', headers={**h, "If-None-Match": "*"}).status_code == 204
    r = client.put(path, params=params, content=b'{"a": 2}', headers=h)
    assert r.status_code == 409
    assert "If-Match" in r.json()["error"]["message"]
    assert client.get(path, params=params, headers=auth).json() == {"a": 1}


@pytest.mark.parametrize("kind", ["activity_profile", "agent_profile"])
def test_put_of_a_new_profile_without_conditions_is_400(client, auth, kind):
    """xAPI 1.0.3 part 3, 3.1: a client MUST send If-Match or If-None-Match with a profile PUT."""
    path, place, id_param = PLACES[kind]
    params = {**place, id_param: "p400"}
    h = {**auth, "Content-Type": "application/json"}
    r = client.put(path, params=params, content=b'{"a": 1}', headers=h)
    assert r.status_code == 400
    assert "If-None-Match" in r.json()["error"]["message"]
    assert client.get(path, params=params, headers=auth).status_code == 404
    assert client.put(path, params=params, content=b'{"a": 1}', headers={**h, "If-None-Match": "*"}).status_code == 204


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_state_put_over_an_existing_document_needs_a_condition_only_in_2_0(client, auth, version):
    """IEEE 9274.1.1 4.1.4 puts the state resource under the same concurrency rules as the profiles."""
    path, place, id_param = PLACES["state"]
    params = {**place, id_param: "s409"}
    h = {**auth, "Content-Type": "application/json", "X-Experience-API-Version": version}
    assert client.put(path, params=params, content=b'{"a": 1}', headers=h).status_code == 204
    r = client.put(path, params=params, content=b'{"a": 2}', headers=h)
    assert r.status_code == (409 if version == "2.0.0" else 204)
    assert r.headers["X-Experience-API-Version"] == version
    expected = {"a": 1} if version == "2.0.0" else {"a": 2}
    assert client.get(path, params=params, headers=h).json() == expected


@pytest.mark.parametrize("kind", sorted(PLACES))
def test_post_merges_json_documents_and_refuses_non_json_merges(client, auth, kind):
    path, place, id_param = PLACES[kind]
    params = {**place, id_param: "merge"}
    h = {**auth, "Content-Type": "application/json"}
    assert client.post(path, params=params, content=b'{"a": 1, "b": 1}', headers=h).status_code == 204
    assert client.post(path, params=params, content=b'{"b": 2, "c": 3}', headers=h).status_code == 204
    assert client.get(path, params=params, headers=auth).json() == {"a": 1, "b": 2, "c": 3}
    r = client.post(path, params=params, content=b"[1, 2]", headers=h)
    assert r.status_code == 400
    r = client.post(path, params=params, content=b"plain", headers={**auth, "Content-Type": "text/plain"})
    assert r.status_code == 400


def test_state_lists_ids_since_and_deletes_one_or_all(client, auth):
    path, place, _ = PLACES["state"]
    reg = str(uuid.uuid4())
    h = {**auth, "Content-Type": "application/json"}
    client.put(path, params={**place, "stateId": "s1"}, content=b"{}", headers=h)
    first = client.get(path, params={**place, "stateId": "s1"}, headers=auth).headers["Last-Modified"]
    assert first
    time.sleep(0.01)
    from datetime import UTC, datetime

    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    client.put(path, params={**place, "stateId": "s2"}, content=b"{}", headers=h)
    client.put(path, params={**place, "stateId": "other-reg", "registration": reg}, content=b"{}", headers=h)
    assert client.get(path, params=place, headers=auth).json() == ["s1", "s2"]
    assert client.get(path, params={**place, "since": between}, headers=auth).json() == ["s2"]
    assert client.get(path, params={**place, "registration": reg}, headers=auth).json() == ["other-reg"]
    assert client.delete(path, params={**place, "stateId": "s1"}, headers=auth).status_code == 204
    assert client.get(path, params={**place, "stateId": "s1"}, headers=auth).status_code == 404
    assert client.delete(path, params=place, headers=auth).status_code == 204
    assert client.get(path, params=place, headers=auth).json() == []
    assert client.get(path, params={**place, "registration": reg}, headers=auth).json() == ["other-reg"]


def test_binary_documents_keep_their_content_type(client, auth):
    path, place, id_param = PLACES["activity_profile"]
    params = {**place, id_param: "image"}
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    assert (
        client.put(
            path, params=params, content=png, headers={**auth, "Content-Type": "image/png", "If-None-Match": "*"}
        ).status_code
        == 204
    )
    got = client.get(path, params=params, headers=auth)
    assert got.content == png
    assert got.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("kind", "params", "words"),
    [
        ("state", {"agent": AGENT, "stateId": "x"}, "activityId"),
        ("state", {"activityId": ACT, "stateId": "x"}, "agent"),
        ("state", {"activityId": "not an iri", "agent": AGENT, "stateId": "x"}, "activityId"),
        ("state", {"activityId": ACT, "agent": '{"mbox": "nope"}', "stateId": "x"}, "mailto"),
        ("state", {"activityId": ACT, "agent": AGENT, "registration": "r1", "stateId": "x"}, "registration"),
        ("activity_profile", {"activityId": ACT, "profileId": "x", "colour": "red"}, "colour"),
        ("agent_profile", {"agent": AGENT, "profileId": "x", "since": "2024-01-01T00:00:00Z"}, "since"),
    ],
)
def test_bad_document_parameters_are_400(client, auth, kind, params, words):
    path = PLACES[kind][0]
    r = client.get(path, params=params, headers=auth)
    assert r.status_code == 400
    assert words in r.json()["error"]["message"]


def test_missing_document_is_404_and_missing_version_400(client, auth):
    path, place, id_param = PLACES["agent_profile"]
    assert client.get(path, params={**place, id_param: "nothing"}, headers=auth).status_code == 404
    r = client.get(path, params={**place, id_param: "nothing"}, headers={"Authorization": auth["Authorization"]})
    assert r.status_code == 400


def test_documents_need_the_scope(client, db):
    from tests.lrs.helpers import issue

    statements_only = issue(db, "Statements only", "statements/write")
    path, place, id_param = PLACES["state"]
    r = client.get(path, params={**place, id_param: "x"}, headers=statements_only)
    assert r.status_code == 403
