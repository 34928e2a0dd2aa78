"""Statement queries: every filter, formats, the `more` cursor, who may read what, alternate syntax."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

from sqlalchemy import select

from tests.lrs.helpers import COMPLETED, EXPERIENCED, VOIDED, issue, new_id, statement

ACT = "https://example.org/q/"


def _post(client, auth, *statements):
    r = client.post("/xapi/statements", json=list(statements), headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def _ids(client, headers, **params):
    r = client.get("/xapi/statements", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()["statements"]]


def test_filters_by_agent_verb_activity_and_registration(client, auth):
    reg = str(uuid.uuid4())
    a = _post(client, auth, statement("ravi@example.org", COMPLETED, ACT + "1", context={"registration": reg}))[0]
    b = _post(client, auth, statement("ravi@example.org", EXPERIENCED, ACT + "2"))[0]
    c = _post(client, auth, statement("sita@example.org", COMPLETED, ACT + "1"))[0]
    ravi = json.dumps({"mbox": "mailto:RAVI@example.org"})
    assert _ids(client, auth, agent=ravi) == [b, a]
    assert _ids(client, auth, agent=ravi, verb=COMPLETED) == [a]
    assert _ids(client, auth, activity=ACT + "1") == [c, a]
    assert _ids(client, auth, registration=reg) == [a]
    assert _ids(client, auth, activity=ACT + "1", ascending="true") == [a, c]


def test_agent_as_object_matches_the_agent_filter(client, auth):
    s = statement("mentor@example.org", "http://id.tincanapi.com/verb/mentored", ACT + "m")
    s["object"] = {"objectType": "Agent", "mbox": "mailto:mentee@example.org"}
    sid = _post(client, auth, s)[0]
    assert _ids(client, auth, agent=json.dumps({"mbox": "mailto:mentee@example.org"})) == [sid]


def test_related_activities_and_related_agents(client, auth):
    s = statement("learner@example.org", COMPLETED, ACT + "lesson")
    s["context"] = {
        "instructor": {"mbox": "mailto:teacher@example.org"},
        "contextActivities": {"parent": [{"id": ACT + "course"}], "grouping": {"id": ACT + "programme"}},
    }
    sid = _post(client, auth, s)[0]
    assert _ids(client, auth, activity=ACT + "course") == []
    assert _ids(client, auth, activity=ACT + "course", related_activities="true") == [sid]
    assert _ids(client, auth, activity=ACT + "programme", related_activities="true") == [sid]
    teacher = json.dumps({"mbox": "mailto:teacher@example.org"})
    assert _ids(client, auth, agent=teacher) == []
    assert _ids(client, auth, agent=teacher, related_agents="true") == [sid]


def _ref(email, verb, target):
    s = statement(email, verb)
    s["object"] = {"objectType": "StatementRef", "id": target}
    return s


def test_statements_targeting_a_match_by_statementref_are_returned_down_the_chain(client, auth):
    liked = "http://activitystrea.ms/schema/1.0/like"
    a = _post(client, auth, statement("ravi@example.org", COMPLETED, ACT + "ref", context={"registration": new_id()}))[
        0
    ]
    b = _post(client, auth, _ref("sita@example.org", liked, a))[0]
    c = _post(client, auth, _ref("gita@example.org", liked, b))[0]
    ravi = json.dumps({"mbox": "mailto:ravi@example.org"})
    sita = json.dumps({"mbox": "mailto:sita@example.org"})
    assert _ids(client, auth, agent=ravi) == [c, b, a]
    assert _ids(client, auth, activity=ACT + "ref") == [c, b, a]
    assert _ids(client, auth, agent=ravi, verb=COMPLETED) == [c, b, a]
    assert _ids(client, auth, agent=sita) == [c, b]
    assert _ids(client, auth, agent=sita, verb=COMPLETED) == []  # the filter applies to one statement as a whole
    stored_b = client.get("/xapi/statements", params={"statementId": b}, headers=auth).json()["stored"]
    assert _ids(client, auth, agent=ravi, since=stored_b) == [c]  # time filters apply to the referring statement
    assert _ids(client, auth, agent=ravi, limit=1) == [c]


def test_a_voiding_statement_is_returned_for_filters_its_voided_target_meets(client, auth):
    a = _post(client, auth, statement("arjun@example.org", COMPLETED, ACT + "void"))[0]
    v = _post(client, auth, _ref("admin@example.org", VOIDED, a))[0]
    assert _ids(client, auth, activity=ACT + "void") == [v]
    assert _ids(client, auth, agent=json.dumps({"mbox": "mailto:arjun@example.org"})) == [v]


def test_since_and_until_use_stored(client, auth):
    first = _post(client, auth, statement(activity=ACT + "time"))[0]
    stored = client.get("/xapi/statements", params={"statementId": first}, headers=auth).json()["stored"]
    time.sleep(0.01)
    second = _post(client, auth, statement(activity=ACT + "time"))[0]
    assert _ids(client, auth, activity=ACT + "time", since=stored) == [second]
    assert _ids(client, auth, activity=ACT + "time", until=stored) == [first]


def test_limit_and_more_pages_through_without_gaps_even_when_statements_arrive(client, auth):
    ids = [_post(client, auth, statement(activity=ACT + "page"))[0] for _ in range(5)]
    r = client.get("/xapi/statements", params={"activity": ACT + "page", "limit": 2}, headers=auth).json()
    seen = [s["id"] for s in r["statements"]]
    assert r["more"].startswith("/xapi/statements?more=")
    _post(client, auth, statement(activity=ACT + "page"))  # arrives while paging
    while r["more"]:
        r = client.get(r["more"], headers=auth).json()
        seen += [s["id"] for s in r["statements"]]
    assert seen == list(reversed(ids))


def test_more_url_with_extra_parameters_or_garbage_is_400(client, auth):
    for _ in range(3):
        _post(client, auth, statement(activity=ACT + "more"))
    more = client.get("/xapi/statements", params={"activity": ACT + "more", "limit": 1}, headers=auth).json()["more"]
    assert client.get(more + "&limit=5", headers=auth).status_code == 400
    assert client.get("/xapi/statements?more=!!!", headers=auth).status_code == 400


def test_formats_ids_and_canonical(client, auth):
    s = statement(activity=ACT + "fmt")
    s["object"]["definition"] = {"name": {"en-US": "Ethics", "hi-IN": "नैतिकता"}}
    sid = _post(client, auth, s)[0]
    ids = client.get("/xapi/statements", params={"statementId": sid, "format": "ids"}, headers=auth).json()
    assert ids["object"] == {"id": ACT + "fmt"}  # an activity's identifier only (xAPI 1.0.3 part 3, 2.1.3)
    assert ids["verb"] == {"id": s["verb"]["id"]}
    assert ids["actor"] == {"objectType": "Agent", "mbox": s["actor"]["mbox"]}
    hindi = {**auth, "Accept-Language": "hi-IN"}
    canon = client.get("/xapi/statements", params={"statementId": sid, "format": "canonical"}, headers=hindi).json()
    assert canon["object"]["definition"]["name"] == {"hi-IN": "नैतिकता"}
    exact = client.get("/xapi/statements", params={"statementId": sid}, headers=auth).json()
    assert exact["object"]["definition"]["name"] == {"en-US": "Ethics", "hi-IN": "नैतिकता"}
    assert client.get("/xapi/statements", params={"format": "short"}, headers=auth).status_code == 400


def test_bad_filter_values_are_400(client, auth):
    for params in (
        {"agent": "{not json"},
        {"agent": json.dumps({"mbox": "x@y"})},
        {"verb": "completed"},
        {"registration": "nope"},
        {"since": "last week"},
        {"limit": "-1"},
        {"ascending": "maybe"},
    ):
        r = client.get("/xapi/statements", params=params, headers=auth)
        assert r.status_code == 400, params
        assert r.json()["error"]["message"]


def test_a_provider_reads_only_its_own_statements_unless_granted_more(client, db, auth, reader):
    other = issue(db, "Other Provider")
    mine = _post(client, auth, statement(activity=ACT + "own"))[0]
    theirs = _post(client, other, statement(activity=ACT + "own"))[0]
    assert _ids(client, auth, activity=ACT + "own") == [mine]
    assert _ids(client, other, activity=ACT + "own") == [theirs]
    assert _ids(client, reader, activity=ACT + "own") == [theirs, mine]
    assert client.get("/xapi/statements", params={"statementId": theirs}, headers=auth).status_code == 404
    write_only = issue(db, "Write only", "statements/write")
    assert client.get("/xapi/statements", headers=write_only).status_code == 403


def test_alternate_request_syntax(client, auth):
    s = statement(id=new_id(), activity=ACT + "alt")
    form = {
        "Authorization": auth["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "content": json.dumps(s),
        "statementId": s["id"],
    }
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post("/xapi/statements?method=PUT", content=urlencode(form), headers=ctype)
    assert r.status_code == 204, r.text
    get_form = {"Authorization": auth["Authorization"], "X-Experience-API-Version": "1.0.3", "statementId": s["id"]}
    got = client.post("/xapi/statements?method=GET", content=urlencode(get_form), headers=ctype)
    assert got.status_code == 200
    assert got.json()["id"] == s["id"]
    extra = client.post("/xapi/statements?method=GET&verb=x", content=urlencode(get_form), headers=ctype)
    assert extra.status_code == 400


def test_activities_resource_returns_the_merged_definition(client, auth):
    s1 = statement(activity=ACT + "def")
    s1["object"]["definition"] = {"name": {"en-US": "Ethics"}}
    s2 = statement(activity=ACT + "def")
    s2["object"]["definition"] = {"name": {"hi-IN": "नैतिकता"}, "type": "http://adlnet.gov/expapi/activities/course"}
    _post(client, auth, s1, s2)
    r = client.get("/xapi/activities", params={"activityId": ACT + "def"}, headers=auth)
    assert r.status_code == 200
    definition = r.json()["definition"]
    assert definition["name"] == {"en-US": "Ethics", "hi-IN": "नैतिकता"}
    assert definition["type"] == "http://adlnet.gov/expapi/activities/course"
    unknown = client.get("/xapi/activities", params={"activityId": ACT + "never"}, headers=auth)
    assert unknown.json() == {"objectType": "Activity", "id": ACT + "never"}
    assert client.get("/xapi/activities", headers=auth).status_code == 400


def test_agents_resource_returns_a_person_object(client, auth):
    agent = json.dumps({"objectType": "Agent", "name": "Ravi", "mbox": "mailto:ravi@example.org"})
    r = client.get("/xapi/agents", params={"agent": agent}, headers=auth)
    assert r.status_code == 200
    assert r.json() == {"objectType": "Person", "name": ["Ravi"], "mbox": ["mailto:ravi@example.org"]}
    assert client.get("/xapi/agents", params={"agent": "{}"}, headers=auth).status_code == 400


def test_the_partial_indexes_serve_the_queries_that_need_them(db):
    """The agent-as-object index holds only such rows and the related rows' statement_id index only StatementRef
    chains: each database must still see that the query's condition implies the index's."""
    from sqlalchemy import text

    from saptah.lrs import repository as repo

    pg = db.get_bind().dialect.name == "postgresql"
    if pg:
        db.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table is otherwise read whole
    agent = "mbox:mailto:someone@example.org"
    queries = {
        "ix_lrs_statements_object_agent": repo._branches(repo.Filters(agent=agent), repo.Statement)[1],
        "ix_lrs_statement_related_statement_id": None,
    }
    for index, condition in queries.items():
        if condition is None:
            stmt = repo._by_reference(repo.Filters(agent=agent), repo.Statement.id.desc(), 10)
        else:
            stmt = select(repo.Statement.id).where(condition).order_by(repo.Statement.id.desc()).limit(10)
        compiled = stmt.compile(db.get_bind())  # parameters bound, as the LRS sends them
        params = compiled.params if pg else tuple(compiled.params[k] for k in compiled.positiontup or ())
        explain = ("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + str(compiled)
        plan = db.connection().exec_driver_sql(explain, params).all()
        shown = " ".join(str(row) for row in plan)
        if pg or condition is not None:
            assert index in shown, plan
        else:  # SQLite reads the (rare) kind 'r' rows through the value index instead: no full scan either way
            assert "SEARCH lrs_statement_related_1 USING" in shown and "SCAN lrs_statement_related" not in shown, plan
