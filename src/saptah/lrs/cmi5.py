"""cmi5 launch: registration, LMS.LaunchData, the one-time fetch token, moveOn and the LMS's satisfied statement."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from saptah.core.db import utcnow
from saptah.core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from saptah.core.security import new_token, same, token_hash
from saptah.lrs import clients, documents, service
from saptah.lrs import repository as repo
from saptah.lrs.formats import ifi, iso
from saptah.lrs.models import Cmi5Session

SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")


def learner_actor(base_url: str, person_id: int, name: str) -> dict[str, Any]:
    """The account-based actor cmi5 requires for a learner."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": base_url, "name": f"saptah-{person_id}"}}


def lms_authority(base_url: str) -> dict[str, Any]:
    """The LMS itself, as the authority of launch-session statements."""
    return {"objectType": "Agent", "name": "Saptah cmi5", "account": {"homePage": base_url, "name": "saptah-lms"}}


def _course(session: Session, course_id: int) -> Any:
    from saptah.catalog import service as catalog

    course = catalog.get_course(session, course_id)
    if course.launch_kind != "cmi5" or not course.cmi5_aus:
        raise NotFound("That course is not a cmi5 package.")
    return course


def _system_caller(base_url: str, person_id: int, actor: dict[str, Any]) -> clients.Caller:
    scopes = frozenset({"statements/write", "state"})
    extra = {"actor_ifi": ifi(actor), "person_id": person_id}
    return clients.Caller(None, "Saptah cmi5", scopes, lms_authority(base_url), None, extra)


def launch(session: Session, *, base_url: str, person_id: int, course_id: int, au_id: str) -> str:
    """Create (or reuse) the registration, write LMS.LaunchData, issue a fetch token; the AU URL to open."""
    from saptah.directory import service as directory

    course = _course(session, course_id)
    au = next((a for a in course.cmi5_aus if str(a.get("id")) == au_id), None)
    if au is None:
        raise NotFound("That course has no such assignable unit.")
    move_on = str(au.get("moveOn") or "CompletedOrPassed")
    if move_on not in MOVE_ON:
        raise InvalidInput(f"The AU's moveOn '{move_on}' is not a cmi5 value.")
    person = directory.repo.get_person(session, person_id)
    assert person is not None
    earlier = repo.cmi5_sessions_of(session, person_id, course_id)
    registration = earlier[0].registration if earlier else str(uuid.uuid4())
    actor = learner_actor(base_url, person_id, person.full_name)
    fetch = new_token()
    row = Cmi5Session(
        registration=registration,
        session_id=str(uuid.uuid4()),
        course_id=course_id,
        au_id=au_id,
        person_id=person_id,
        move_on=move_on,
        mastery_score=au.get("masteryScore"),
        fetch_token_hash=token_hash(fetch),
        auth_key="cmi5_" + uuid.uuid4().hex,
        auth_secret_hash="",
    )
    repo.add(session, row)
    _write_launch_data(session, base_url, row, actor, course.activity_id)
    if move_on == "NotApplicable":
        row.satisfied_at = utcnow()
        _maybe_course_satisfied(session, base_url, row, actor)
    query = {
        "endpoint": f"{base_url}/xapi/",
        "fetch": f"{base_url}/cmi5/fetch/{fetch}",
        "actor": json.dumps(actor, separators=(",", ":")),
        "registration": registration,
        "activityId": au_id,
    }
    url = str(au["url"])
    return url + ("&" if "?" in url else "?") + urlencode(query)


def _write_launch_data(
    session: Session, base_url: str, row: Cmi5Session, actor: dict[str, Any], course_iri: str
) -> None:
    data: dict[str, Any] = {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"objectType": "Activity", "id": course_iri}]},
            "extensions": {SESSION_EXT: row.session_id},
        },
        "launchMode": "Normal",
        "moveOn": row.move_on,
        "returnURL": f"{base_url}/courses/{row.course_id}",
    }
    if row.mastery_score is not None:
        data["masteryScore"] = row.mastery_score
    key = documents.Key("state", row.au_id, ifi(actor), row.registration, "LMS.LaunchData")
    documents.write(
        session,
        _system_caller(base_url, row.person_id, actor),
        key,
        content=json.dumps(data).encode(),
        content_type="application/json",
        merge=False,
        if_match=None,
        if_none_match=None,
    )


def fetch(session: Session, token: str) -> tuple[int, dict[str, str]]:
    """Answer the auth token once; later calls get cmi5 error 1 (already used)."""
    row = repo.get_cmi5_by_fetch(session, token_hash(token))
    if row is None:
        return 404, {"error-code": "3", "error-text": "Unknown fetch URL."}
    if row.fetched_at is not None:
        return 400, {"error-code": "1", "error-text": "This fetch URL was already used; launch the course again."}
    secret = new_token()
    row.fetched_at = utcnow()
    row.auth_secret_hash = token_hash(secret)
    session.flush()
    token_value = base64.b64encode(f"{row.auth_key}:{secret}".encode()).decode()
    return 200, {"auth-token": token_value}


def caller_for(session: Session, key: str, secret: str, base_url: str) -> clients.Caller:
    """The caller of an AU that presents its fetched auth token."""
    row = repo.get_cmi5_by_key(session, key)
    if row is None or not row.auth_secret_hash or not same(row.auth_secret_hash, token_hash(secret)):
        raise NotAuthenticated("That cmi5 auth token is not valid.")
    person = repo.get_person(session, row.person_id)
    actor = learner_actor(base_url, row.person_id, person.full_name if person else "")
    extra = {"actor_ifi": ifi(actor), "person_id": row.person_id, "registration": row.registration}
    scopes = frozenset({"statements/write", "state"})
    return clients.Caller(None, "cmi5 session", scopes, lms_authority(base_url), row.id, extra)


def check_statements(caller: clients.Caller, statements: list[dict[str, Any]]) -> None:
    """An AU may only write statements about its own learner and registration."""
    for statement in statements:
        if ifi(statement.get("actor")) != caller.extra["actor_ifi"]:
            raise Forbidden("A cmi5 AU may only send statements about the launched learner.")
        registration = str((statement.get("context") or {}).get("registration", "")).lower()
        if registration != caller.extra["registration"]:
            raise Forbidden("A cmi5 AU must send statements with the launch's registration.")


def after_store(session: Session, caller: clients.Caller, bodies: list[dict[str, Any]]) -> None:
    """Evaluate moveOn after an AU's statements; when every AU is satisfied, write the course's satisfied."""
    if caller.cmi5_session_id is None:
        return
    row = session.get(Cmi5Session, caller.cmi5_session_id)
    assert row is not None
    for body in bodies:
        if body["object"].get("id") != row.au_id:
            continue
        verb = body["verb"]["id"]
        score = ((body.get("result") or {}).get("score") or {}).get("scaled")
        if verb == COMPLETED:
            row.completed = True
        elif verb == PASSED and (row.mastery_score is None or score is None or score >= row.mastery_score):
            row.passed = True
    if row.satisfied_at is None and _moved_on(row):
        row.satisfied_at = utcnow()
        session.flush()
        base_url = caller.authority["account"]["homePage"]
        person = repo.get_person(session, row.person_id)
        actor = learner_actor(base_url, row.person_id, person.full_name if person else "")
        _maybe_course_satisfied(session, base_url, row, actor)


def _moved_on(row: Cmi5Session) -> bool:
    return {
        "Completed": row.completed,
        "Passed": row.passed,
        "CompletedAndPassed": row.completed and row.passed,
        "CompletedOrPassed": row.completed or row.passed,
        "NotApplicable": True,
    }[row.move_on]


def _maybe_course_satisfied(session: Session, base_url: str, row: Cmi5Session, actor: dict[str, Any]) -> None:
    course = _course(session, row.course_id)
    satisfied = {s.au_id for s in repo.get_cmi5_by_registration(session, row.registration) if s.satisfied_at}
    needed = {str(a.get("id")) for a in course.cmi5_aus if a.get("moveOn") != "NotApplicable"}
    if not needed <= satisfied:
        return
    statement_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"saptah:cmi5:satisfied:{row.registration}"))
    if repo.get_statement(session, statement_id) is not None:
        return
    statement = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": SATISFIED, "display": {"en-US": "satisfied"}},
        "object": {"objectType": "Activity", "id": course.activity_id, "definition": {"type": COURSE_TYPE}},
        "context": {
            "registration": row.registration,
            "contextActivities": {"category": [{"objectType": "Activity", "id": CMI5_CATEGORY}]},
            "extensions": {SESSION_EXT: row.session_id},
        },
        "timestamp": iso(utcnow()),
    }
    service.store_statements(session, statement, _system_caller(base_url, row.person_id, actor))
