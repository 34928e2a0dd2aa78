"""The SCORM run-time on the server: attempts and their CMI data per learner (so a learner resumes on any device),
each commit checked strictly, session time credited no faster than the clock, and what a SCO reports written to
the LRS as xAPI statements, as cmi5 is (`lrs/cmi5.py`).

A whole-course package completes its course with one more statement about the course's own activity, written
once every SCO is satisfied and the time on task suffices; the catalogue's statement subscription then completes
the course as it does any xAPI course, so completion, karma, plans and campaign credit follow with no special case.
A package that is one module of a native course marks that module done by the native player's rule instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.catalog.time_on_task import TimeRules
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.lrs import clients, service
from saptah.lrs import repository as repo
from saptah.lrs.cmi5 import learner_actor, lms_authority
from saptah.lrs.formats import ifi, iso
from saptah.lrs.models import ScormAttempt
from saptah.lrs.scorm_cmi import Facts, parse_commit, start_data
from saptah.lrs.scorm_cmi import iso as duration

VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "suspended": "http://adlnet.gov/expapi/verbs/suspended",
    "terminated": "http://adlnet.gov/expapi/verbs/terminated",
}
SCORM_PROFILE = "https://w3id.org/xapi/scorm"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
CLOCK_SLACK = 0  # the content starts its clock after the launch, so its session time never runs ahead
NORMAL_EXITS = ("", "normal", "logout", "time-out")


@dataclass(frozen=True)
class Launch:
    """What the player page needs to start a SCO: the attempt, its entry and the data loaded before it starts."""

    attempt: ScormAttempt
    entry: str
    data: dict[str, Any]


def _sco(package_row: Any, sco_id: str) -> dict[str, Any]:
    sco = next((s for s in package_row.scos if s["id"] == sco_id), None)
    if sco is None:
        raise NotFound("This SCORM package has no such item.")
    return dict(sco)


def _finished(attempt: ScormAttempt) -> bool:
    """An attempt the learner ended normally after finishing it (a new launch starts a fresh attempt)."""
    return attempt.terminated and attempt.exit in NORMAL_EXITS and (attempt.satisfied_at is not None
                                                                     or attempt.success == "failed")  # fmt: skip


def launch(
    session: Session, *, base_url: str, person_id: int, person_name: str, package_row: Any, sco_id: str,
    now: datetime | None = None,
) -> Launch:  # fmt: skip
    """Resume the learner's latest attempt at a SCO (or start one); each launch starts a new session."""
    now = now or utcnow()
    sco = _sco(package_row, sco_id)
    latest = repo.latest_scorm_attempt(session, person_id, package_row.id, sco_id)
    if latest is None or _finished(latest):
        attempt = ScormAttempt(
            person_id=person_id, package_id=package_row.id, sco_id=sco_id,
            attempt_no=(latest.attempt_no + 1) if latest else 1, cmi=None, total_seconds=0, session_no=0,
            started_at=now,
        )  # fmt: skip
        repo.add(session, attempt)
        entry = "ab-initio"
    else:
        attempt = latest
        entry = "resume" if attempt.exit == "suspend" else ""
    attempt.session_no += 1
    attempt.session_seconds = 0
    attempt.session_started_at = now
    attempt.terminated = False
    attempt.updated_at = now
    session.flush()
    data = start_data(
        version=package_row.version, learner_id=f"saptah-{person_id}", learner_name=person_name,
        mastery=sco.get("mastery_score"), resume=attempt.cmi if entry != "ab-initio" else None, entry=entry,
        total_seconds=attempt.total_seconds,
    )  # fmt: skip
    return Launch(attempt, entry, data)


def attempt_of(session: Session, person_id: int, attempt_id: int) -> ScormAttempt:
    """One of the learner's own attempts (anyone else's is a 404)."""
    attempt = repo.get_scorm_attempt(session, attempt_id)
    if attempt is None or attempt.person_id != person_id:
        raise NotFound("There is no such SCORM attempt.")
    return attempt


@dataclass(frozen=True)
class Committed:
    """What a commit changed: the SCO satisfied, the course (or module) complete, what time is still needed."""

    satisfied: bool
    complete: bool
    left_seconds: int


def commit(
    session: Session, *, base_url: str, person_id: int, attempt_id: int, raw: bytes, terminate: bool,
    rules: TimeRules, now: datetime | None = None,
) -> Committed:  # fmt: skip
    """Store a commit's CMI data, credit its session time, write the statements its changes make, and complete
    the course (or module) once every SCO is satisfied and the time on task suffices."""
    from saptah.catalog import scorm as catalog_scorm

    now = now or utcnow()
    attempt = attempt_of(session, person_id, attempt_id)
    if attempt.terminated:
        raise Conflict("This SCORM session has ended; open the lesson again to go on.")
    package_row = catalog_scorm.package(session, attempt.package_id)
    sco = _sco(package_row, attempt.sco_id)
    cmi, facts = parse_commit(raw, package_row.version, sco.get("mastery_score"))
    delta = _credit(attempt, facts, now)
    if delta:
        catalog_scorm.credit_time(session, person_id=person_id, package_row=package_row, seconds=delta, now=now)
    statements = _changes(attempt, facts)
    attempt.cmi, attempt.completion, attempt.success = cmi, facts.completion, facts.success
    attempt.score_scaled, attempt.exit, attempt.updated_at = facts.score_scaled, facts.exit, now
    if facts.satisfied and attempt.satisfied_at is None:
        attempt.satisfied_at = now
    if terminate:
        attempt.terminated = True
        statements.append(("suspended" if facts.exit == "suspend" else "terminated", {}))
    session.flush()
    course = catalog_course(session, package_row.course_id)
    actor = learner_actor(base_url, person_id, _name(session, person_id))
    _store(session, base_url, person_id, actor, [_sco_statement(course, package_row, attempt, v, r, now)
                                                 for v, r in statements])  # fmt: skip
    done = _all_satisfied(session, person_id, package_row)
    complete = False
    if done:
        complete = _complete(session, base_url, person_id, actor, package_row, course, rules, now)
    standing = catalog_scorm.standing(session, person_id=person_id, package_row=package_row, rules=rules)
    return Committed(attempt.satisfied_at is not None, complete, standing.left_seconds)


def catalog_course(session: Session, course_id: int) -> Any:
    """The package's course (the catalogue owns it)."""
    from saptah.catalog import service as catalog

    return catalog.get_course(session, course_id)


def _name(session: Session, person_id: int) -> str:
    person = repo.get_person(session, person_id)
    return person.full_name if person is not None else ""


def _credit(attempt: ScormAttempt, facts: Facts, now: datetime) -> int:
    """Seconds of new session time to credit: what the content reports, never more than has passed since launch."""
    if facts.session_seconds is None:
        return 0
    passed = int((now - attempt.session_started_at).total_seconds()) + CLOCK_SLACK
    believed = min(facts.session_seconds, max(0, passed))
    delta = max(0, believed - attempt.session_seconds)
    attempt.session_seconds += delta
    attempt.total_seconds += delta
    return delta


def _changes(attempt: ScormAttempt, facts: Facts) -> list[tuple[str, dict[str, Any]]]:
    """The statements a commit's changes make: completed once, passed or failed when the result changes."""
    out: list[tuple[str, dict[str, Any]]] = []
    was_completed = attempt.completion in ("completed", "passed", "failed")
    if facts.completed and not was_completed:
        out.append(("completed", {"completion": True}))
    if facts.success in ("passed", "failed") and facts.success != attempt.success:
        result: dict[str, Any] = {"success": facts.success == "passed"}
        if facts.score_scaled is not None:
            result["score"] = {"scaled": round(facts.score_scaled, 4), **facts.score}
        out.append((facts.success, result))
    return out


def _registration(attempt: ScormAttempt) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"saptah:scorm:attempt:{attempt.id}"))


def sco_iri(course: Any, package_row: Any, sco_id: str) -> str:
    """The activity IRI of one SCO: under its course's, so that it never matches a course itself."""
    return f"{course.activity_id}/scorm/{package_row.id}/{uuid.uuid5(uuid.NAMESPACE_URL, sco_id).hex}"


def _sco_statement(
    course: Any, package_row: Any, attempt: ScormAttempt, verb: str, result: dict[str, Any], now: datetime
) -> dict[str, Any]:
    sco = _sco(package_row, attempt.sco_id)
    result = {**result, "duration": duration(attempt.total_seconds)}
    if verb in ("suspended", "terminated"):
        result["duration"] = duration(attempt.session_seconds)
    return {
        "id": str(uuid.uuid4()),
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": sco_iri(course, package_row, attempt.sco_id),
            "definition": {"type": LESSON_TYPE, "name": {"en-US": str(sco["title"])}},
        },
        "result": result,
        "context": {
            "registration": _registration(attempt),
            "contextActivities": {
                "parent": [{"objectType": "Activity", "id": course.activity_id}],
                "category": [{"objectType": "Activity", "id": SCORM_PROFILE}],
            },
            "extensions": {"https://w3id.org/xapi/scorm/context/extensions/attempt": attempt.attempt_no},
        },
        "timestamp": iso(now),
    }


def _caller(base_url: str, person_id: int, actor: dict[str, Any]) -> clients.Caller:
    scopes = frozenset({"statements/write"})
    extra = {"actor_ifi": ifi(actor), "person_id": person_id}
    return clients.Caller(None, "Saptah SCORM", scopes, lms_authority(base_url), None, extra)


def _store(
    session: Session, base_url: str, person_id: int, actor: dict[str, Any], statements: list[dict[str, Any]]
) -> None:
    if statements:
        bodies = [{**s, "actor": actor} for s in statements]
        service.store_statements(session, bodies, _caller(base_url, person_id, actor))


def _all_satisfied(session: Session, person_id: int, package_row: Any) -> bool:
    satisfied = repo.satisfied_scos(session, person_id, package_row.id)
    return all(s["id"] in satisfied for s in package_row.scos)


def course_statement_id(package_id: int, person_id: int) -> str:
    """The one statement that completes a whole-course package's course for a learner."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"saptah:scorm:course:{package_id}:{person_id}"))


def _complete(
    session: Session, base_url: str, person_id: int, actor: dict[str, Any], package_row: Any, course: Any,
    rules: TimeRules, now: datetime,
) -> bool:  # fmt: skip
    from saptah.catalog import scorm as catalog_scorm

    if package_row.module_id is not None:
        return catalog_scorm.module_satisfied(session, person_id=person_id, package_row=package_row, rules=rules)
    statement_id = course_statement_id(package_row.id, person_id)
    if repo.get_statement(session, statement_id) is not None:
        return True
    standing = catalog_scorm.standing(session, person_id=person_id, package_row=package_row, rules=rules)
    if not standing.ready:
        return False
    attempts = repo.best_scorm_attempts(session, person_id, package_row.id)
    scores = [a.score_scaled for a in attempts if a.score_scaled is not None]
    result: dict[str, Any] = {"completion": True, "duration": duration(standing.spent_seconds)}
    if any(a.success != "unknown" for a in attempts):
        result["success"] = all(a.success != "failed" for a in attempts)
    if scores:
        result["score"] = {"scaled": round(sum(scores) / len(scores), 4)}
    statement = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": VERBS["completed"], "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": course.activity_id, "definition": {"type": COURSE_TYPE}},
        "result": result,
        "context": {"contextActivities": {"category": [{"objectType": "Activity", "id": SCORM_PROFILE}]}},
        "timestamp": iso(now),
    }
    service.store_statements(session, statement, _caller(base_url, person_id, actor))
    return True


def refuse_unknown_sco(package_row: Any, index: int) -> str:
    """The id of a package's SCO by its position (0 = the first), or a clear error."""
    if not 0 <= index < len(package_row.scos):
        raise InvalidInput(f"This package has {len(package_row.scos)} items; there is no item {index + 1}.")
    return str(package_row.scos[index]["id"])
