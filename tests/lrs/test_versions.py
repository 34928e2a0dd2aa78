"""xAPI 1.0.3 and 2.0 side by side, and the rules the ADL conformance suite found missing (docs/lrs.md)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.lrs.helpers import VOIDED, new_id, statement

V2 = {"X-Experience-API-Version": "2.0.0"}
PARENT = {"objectType": "Activity", "id": "https://example.org/programme"}
CONTEXT_AGENTS = [
    {
        "objectType": "contextAgent",
        "agent": {"objectType": "Agent", "mbox": "mailto:coach@example.org"},
        "relevantTypes": ["https://example.org/activity-types/coach"],
    }
]


def test_about_lists_both_versions_and_each_request_is_answered_in_its_own(client, auth, reader):
    about = client.get("/xapi/about")
    assert about.json()["version"][:2] == ["2.0.0", "1.0.3"]
    sid = client.post("/xapi/statements", json=statement(id=new_id()), headers={**auth, **V2}).json()[0]
    for asked, answered in (("2.0.0", "2.0.0"), ("2.0", "2.0.0"), ("1.0.3", "1.0.3"), ("1.0", "1.0.3")):
        h = {**reader, "X-Experience-API-Version": asked}
        r = client.get("/xapi/statements", params={"statementId": sid}, headers=h)
        assert r.status_code == 200 and r.headers["X-Experience-API-Version"] == answered
    for bad in ("3.0.0", "1.1.0", "0.95"):
        r = client.get("/xapi/statements", headers={**reader, "X-Experience-API-Version": bad})
        assert r.status_code == 400 and "not supported" in r.json()["error"]["message"]


def test_a_statement_sent_as_2_0_without_a_version_is_stored_as_2_0(client, auth, reader):
    for headers, version in (({**auth, **V2}, "2.0.0"), (auth, "1.0.0")):
        first, second = statement(id=new_id()), statement(id=new_id())
        client.post("/xapi/statements", json=first, headers=headers)  # the routed endpoint checks the credentials
        r = client.post("/xapi/statements", json=second, headers=headers)  # the lean route answers this one
        assert r.status_code == 200 and r.headers["X-Experience-API-Version"] == headers["X-Experience-API-Version"]
        for sid in (first["id"], second["id"]):
            got = client.get("/xapi/statements", params={"statementId": sid}, headers=reader).json()
            assert got["version"] == version


def test_context_agents_and_groups_are_2_0_only(client, auth, reader):
    s = statement(id=new_id(), context={"contextAgents": CONTEXT_AGENTS})
    refused = client.post("/xapi/statements", json=s, headers=auth)
    assert refused.status_code == 400 and "xAPI 2.0" in refused.json()["error"]["message"]
    assert client.post("/xapi/statements", json=s, headers={**auth, **V2}).status_code == 200
    got = client.get("/xapi/statements", params={"statementId": s["id"]}, headers={**reader, **V2}).json()
    assert got["context"]["contextAgents"] == CONTEXT_AGENTS
    empty = statement(context={"contextAgents": [{**CONTEXT_AGENTS[0], "relevantTypes": []}]})
    assert client.post("/xapi/statements", json=empty, headers={**auth, **V2}).status_code == 400
    group = {"objectType": "contextGroup", "group": {"objectType": "Group", "mbox": "mailto:team@example.org"}}
    ok = statement(context={"contextGroups": [group]})
    assert client.post("/xapi/statements", json=ok, headers={**auth, **V2}).status_code == 200


def test_a_single_context_activity_is_returned_in_an_array(client, auth, reader):
    s = statement(id=new_id(), context={"contextActivities": {"parent": PARENT, "other": [PARENT]}})
    sub = statement(context={"contextActivities": {"grouping": PARENT}})
    s2 = statement(id=new_id(), object={**sub, "objectType": "SubStatement"})
    client.post("/xapi/statements", json=[s, s2], headers=auth)
    got = client.get("/xapi/statements", params={"statementId": s["id"]}, headers=reader).json()
    assert got["context"]["contextActivities"] == {"parent": [PARENT], "other": [PARENT]}
    got2 = client.get("/xapi/statements", params={"statementId": s2["id"]}, headers=reader).json()
    assert got2["object"]["context"]["contextActivities"] == {"grouping": [PARENT]}
    # the statement sent again exactly as before is recognised as the same one
    assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200


@pytest.mark.parametrize(
    "authority",
    [
        {"objectType": "Group", "mbox": "mailto:g@example.org"},
        {"objectType": "Group", "member": [{"mbox": "mailto:one@example.org"}]},
        {"objectType": "Group", "member": [{"mbox": f"mailto:{n}@example.org"} for n in ("a", "b", "c")]},
        {
            "objectType": "Group",
            "mbox": "mailto:g@example.org",
            "member": [{"mbox": "mailto:a@example.org"}, {"mbox": "mailto:b@example.org"}],
        },
    ],
)
def test_a_group_authority_must_be_two_agents_anonymously(client, auth, authority):
    r = client.post("/xapi/statements", json=statement(authority=authority), headers=auth)
    assert r.status_code == 400 and "Group authority" in r.json()["error"]["message"]


def test_an_oauth_style_group_authority_is_accepted(client, auth):
    members = [{"account": {"homePage": "https://example.org", "name": "app"}}, {"mbox": "mailto:u@example.org"}]
    r = client.post(
        "/xapi/statements", json=statement(authority={"objectType": "Group", "member": members}), headers=auth
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"timestamp": "2026-10-20T10:00:00-00"},
        {"timestamp": "2026-10-20T10:00:00-00:00"},
        {"result": {"duration": "P4W1D"}},
        {"result": {"duration": "P1WT2H"}},
    ],
)
def test_a_negative_zero_offset_and_weeks_mixed_with_other_units_are_refused(client, auth, changes):
    assert client.post("/xapi/statements", json=statement(**changes), headers=auth).status_code == 400


def test_weeks_alone_and_ordinary_durations_are_accepted(client, auth):
    for duration in ("P4W", "P1DT12H36M0.12567S", "PT1H0M0S"):
        r = client.post("/xapi/statements", json=statement(result={"duration": duration}), headers=auth)
        assert r.status_code == 200, duration


@pytest.mark.parametrize(
    "params",
    [{"statementId": new_id(), "verb": VOIDED}, {"voidedStatementId": new_id(), "limit": "1"}, {"limit": "x"}],
)
def test_a_statement_get_that_fails_still_says_how_consistent_the_answer_is(client, reader, params):
    r = client.get("/xapi/statements", params=params, headers=reader)
    assert r.status_code == 400
    assert r.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_a_voided_statement_is_404_by_statement_id_with_the_consistency_header(client, auth, reader):
    target = statement(id=new_id())
    voiding = statement(id=new_id(), verb=VOIDED, object={"objectType": "StatementRef", "id": target["id"]})
    client.post("/xapi/statements", json=target, headers=auth)
    client.post("/xapi/statements", json=voiding, headers=auth)
    r = client.get("/xapi/statements", params={"statementId": target["id"]}, headers=reader)
    assert r.status_code == 404 and "X-Experience-API-Consistent-Through" in r.headers
    got = client.get("/xapi/statements", params={"voidedStatementId": target["id"]}, headers=reader)
    assert got.status_code == 200 and got.json()["id"] == target["id"]


def test_the_alternate_syntax_keeps_the_requests_own_headers_for_get_and_put(client, auth, reader):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    got = client.post("/xapi/statements?method=GET", content=urlencode({"limit": 1}), headers={**reader, **form})
    assert got.status_code == 200 and set(got.json()) == {"statements", "more"}
    sid = new_id()
    body = urlencode({"statementId": sid, "content": json.dumps(statement())})
    put = client.post("/xapi/statements?method=PUT", content=body, headers={**auth, **form})
    assert put.status_code == 204
    assert client.get("/xapi/statements", params={"statementId": sid}, headers=reader).status_code == 200
    # a header field in the form stands in for the request's header
    old = urlencode({"statementId": new_id(), "content": json.dumps(statement()), "X-Experience-API-Version": "0.8"})
    assert client.post("/xapi/statements?method=PUT", content=old, headers={**auth, **form}).status_code == 400


def test_xapi_2_0_has_no_alternate_syntax(client, auth):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post("/xapi/statements?method=GET", content=urlencode({"limit": 1}), headers={**auth, **V2, **form})
    assert r.status_code == 400 and "alternate" in r.json()["error"]["message"]
    in_form = urlencode(
        {"statementId": new_id(), "content": json.dumps(statement()), "X-Experience-API-Version": "2.0"}
    )
    assert client.post("/xapi/statements?method=PUT", content=in_form, headers={**auth, **form}).status_code == 400


def test_canonical_format_prefers_the_exact_language_tag(client, auth, reader):
    s = statement(id=new_id(), activity="https://example.org/canonical")
    s["object"]["definition"] = {"name": {"en": "Other", "en-GB": "attended", "en-US": "attended (US)"}}
    client.post("/xapi/statements", json=s, headers=auth)
    h = {**reader, "Accept-Language": "en-GB"}
    got = client.get("/xapi/statements", params={"statementId": s["id"], "format": "canonical"}, headers=h).json()
    assert got["object"]["definition"]["name"] == {"en-GB": "attended"}
    h = {**reader, "Accept-Language": "en-IN, hi;q=0.5"}  # no exact tag: the same language's first
    got = client.get("/xapi/statements", params={"statementId": s["id"], "format": "canonical"}, headers=h).json()
    assert got["object"]["definition"]["name"] == {"en": "Other"}


def test_format_ids_gives_a_sub_statements_activity_by_its_id_alone(client, auth, reader):
    sub = {**statement(activity="https://example.org/ids-sub"), "objectType": "SubStatement"}
    s = statement(id=new_id(), object=sub)
    client.post("/xapi/statements", json=s, headers=auth)
    got = client.get("/xapi/statements", params={"statementId": s["id"], "format": "ids"}, headers=reader).json()
    assert got["object"]["object"] == {"id": "https://example.org/ids-sub"}
    assert got["object"]["verb"] == {"id": sub["verb"]["id"]}


def test_canonical_format_gives_the_lrs_canonical_definition(client, auth, reader):
    """xAPI 1.0.3 part 3, 2.1.3: canonical returns activities "populated with the canonical definition of the
    Activity Objects ... as determined by the LRS", not the definition the one statement carried."""
    act = "https://example.org/canonical-merged"
    first = statement(id=new_id(), activity=act)
    first["object"]["definition"] = {"name": {"en-US": "Ethics"}}
    later = statement(id=new_id(), activity=act)
    later["object"]["definition"] = {"name": {"hi-IN": "नैतिकता"}}
    client.post("/xapi/statements", json=first, headers=auth)
    client.post("/xapi/statements", json=later, headers=auth)
    h = {**reader, "Accept-Language": "hi-IN"}
    got = client.get("/xapi/statements", params={"statementId": first["id"], "format": "canonical"}, headers=h).json()
    assert got["object"]["definition"]["name"] == {"hi-IN": "नैतिकता"}
    exact = client.get("/xapi/statements", params={"statementId": first["id"]}, headers=h).json()
    assert exact["object"]["definition"]["name"] == {"en-US": "Ethics"}
