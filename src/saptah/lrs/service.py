"""LRS rules: storing statements, querying them, statements becoming learning (clients: see clients.py)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, SaptahError
from saptah.lrs import repository as repo
from saptah.lrs.attachments import Part, check_attachments
from saptah.lrs.clients import Caller
from saptah.lrs.formats import context_activities_as_lists, dumps, ifi, iso, merge_definition
from saptah.lrs.models import Attachment
from saptah.lrs.schemas import VOIDED, Statement, parse_timestamp

SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
PROGRESS_EXT = "https://w3id.org/xapi/cmi5/result/extensions/progress"
# Called after a batch is stored: f(session, caller, stored statements as dicts); cmi5 registers here.
AFTER_STORE: list[Callable[[Session, Caller, list[dict[str, Any]]], None]] = []


def validate(raw: Any, version: str = "1.0.3") -> list[dict[str, Any]]:
    """Statements from a request body (one or a list), each checked against the spec of `version`."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise InvalidInput("The request holds no statements.")
    for index, item in enumerate(items):
        try:
            Statement.model_validate(item, context={"version": version})
        except ValidationError as exc:
            raise InvalidInput(f"statement[{index}]: {_explain(exc)}") from None
    return items


def _explain(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"] if p not in ("Agent", "Group", "Activity", "StatementRef"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not an xAPI property"
        problems.append(f"{where}: {msg}" if where else msg)
    return "; ".join(problems)


_SET_BY_LRS = ("stored", "authority", "version")  # not part of what a re-sent statement must match


def _encoded(statement: dict[str, Any], extra: dict[str, Any]) -> tuple[str, str]:
    """(content hash, stored body) with one JSON encoding of the statement.

    The hash is SHA-256 of the statement as sent, less the properties the LRS sets, as sorted compact JSON with
    non-ASCII escaped (how every stored hash was made, so it must not change). The body is the same sorted JSON,
    non-ASCII kept, with `extra` (stored, authority, version, a missing timestamp) appended: for the usual
    all-ASCII statement the two texts are one.
    """
    core = {k: v for k, v in statement.items() if k not in _SET_BY_LRS}
    text = json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hashed = text if text.isascii() else json.dumps(core, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(hashed.encode()).hexdigest(), text[:-1] + "," + dumps(extra)[1:]


def _related_values(statement: dict[str, Any], authority: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def agents(agent: Any) -> None:
        if isinstance(agent, dict):
            value = ifi(agent)
            if value:
                out.append(("a", value))
            for member in agent.get("member") or []:
                agents(member)

    def walk(stmt: dict[str, Any], top: bool) -> None:
        if not top:
            agents(stmt.get("actor"))
        obj = stmt.get("object") or {}
        kind = obj.get("objectType", "Activity")
        if kind == "SubStatement":
            walk(obj, top=False)
        elif kind in ("Agent", "Group"):
            if not top:
                agents(obj)
            elif obj.get("member"):
                for member in obj["member"]:
                    agents(member)
        elif kind == "Activity" and not top:
            out.append(("c", obj["id"]))
        context = stmt.get("context") or {}
        agents(context.get("instructor"))
        agents(context.get("team"))
        for acts in (context.get("contextActivities") or {}).values():
            for act in acts if isinstance(acts, list) else [acts]:
                out.append(("c", act["id"]))

    walk(statement, top=True)
    agents(authority)
    if statement["actor"].get("member"):
        for member in statement["actor"]["member"]:
            agents(member)
    return list(dict.fromkeys(out))


@dataclass
class _Prepared:
    body: dict[str, Any]
    row: dict[str, Any]
    related: list[tuple[str, str]]


def _prepare(statement: dict[str, Any], caller: Caller, stored: datetime) -> _Prepared:
    extra = {"stored": iso(stored), "authority": caller.authority, "version": statement.get("version", "1.0.0")}
    moment = parse_timestamp(statement["timestamp"]) if "timestamp" in statement else stored
    if "timestamp" not in statement:
        extra["timestamp"] = extra["stored"]
    content_hash, text = _encoded(statement, extra)
    listed = context_activities_as_lists(statement)
    if listed is not None:  # stored as the LRS returns it; the hash stays that of the statement as sent
        statement = listed
        text = _encoded(listed, extra)[1]
    body = {**statement, **extra}
    obj = body["object"]
    kind = obj.get("objectType", "Activity")
    context = body.get("context") or {}
    row = {
        "statement_id": body["id"],
        "actor_ifi": ifi(body["actor"]),
        "object_ifi": ifi(obj) if kind in ("Agent", "Group") else None,
        "verb": body["verb"]["id"],
        "activity_id": obj["id"] if kind == "Activity" else None,
        "registration": context.get("registration", "").lower() or None,
        "voided_target": obj["id"].lower() if body["verb"]["id"] == VOIDED else None,
        "stored": stored,
        "timestamp": moment,
        "voided": False,
        "client_id": caller.client_id,
        "person_id": None,
        "content_hash": content_hash,
        "has_attachments": bool(body.get("attachments")),
        "body": text,
    }
    return _Prepared(body, row, _related_values(body, caller.authority))


def check_statements(
    raw: Any,
    caller: Caller,
    *,
    parts: dict[str, Part] | None = None,
    put_id: str | None = None,
    version: str = "1.0.3",
) -> list[dict[str, Any]]:
    """A request's statements checked against the spec and the caller's rights, each with its (lower-case) id;
    nothing is read from the database, so a refusal (400/403) is the request's own."""
    if not caller.may("statements/write"):
        raise Forbidden("These credentials may not write statements.")
    statements = validate(raw, version)
    if put_id is not None:
        if len(statements) != 1 or not isinstance(raw, dict):
            raise InvalidInput("PUT takes exactly one statement.")
        if "id" in raw and str(raw["id"]).lower() != put_id:
            raise InvalidInput("The statement's id differs from the statementId parameter.")
        statements = [{**raw, "id": put_id}]
    statements = [s if "id" in s else {**s, "id": str(uuid.uuid4())} for s in statements]
    statements = [{**s, "id": s["id"].lower()} for s in statements]
    if version != "1.0.3":  # a statement without a version is stored with the version it was sent in
        statements = [s if "version" in s else {**s, "version": version} for s in statements]
    if caller.cmi5_session_id is not None:
        from saptah.lrs import cmi5

        cmi5.check_statements(caller, statements)
    ids = [s["id"] for s in statements]
    if len(set(ids)) != len(ids):
        raise InvalidInput("The batch holds the same statement id twice.")
    check_attachments(statements, parts or {})
    return statements


def store_statements(
    session: Session,
    raw: Any,
    caller: Caller,
    *,
    parts: dict[str, Part] | None = None,
    put_id: str | None = None,
    version: str = "1.0.3",
) -> list[str]:
    """Validate and store statements all-or-nothing; returns their ids (re-sent identical ones included)."""
    statements = check_statements(raw, caller, parts=parts, put_id=put_id, version=version)
    return store_checked(session, statements, caller, parts=parts)


def store_checked(
    session: Session, statements: list[dict[str, Any]], caller: Caller, *, parts: dict[str, Part] | None = None
) -> list[str]:
    """Store statements that `check_statements` passed, all-or-nothing; returns their ids."""
    known = repo.existing_statements(session, [s["id"] for s in statements])
    fresh = _fresh(statements, caller, _stored_now(), known, {})
    _check_voiding(session, fresh)
    if fresh:
        _add_references(session, fresh)
        _store_fresh(session, fresh, parts or {}, [(caller, [p.body for p in fresh])])
    return [s["id"] for s in statements]


def groupable(statements: list[dict[str, Any]], caller: Caller, parts: dict[str, Part]) -> bool:
    """True when a request's statements may share a transaction with other requests' (`store_groups`): a
    provider's plain statements, no attachments, no voiding, no statement references, no cmi5 session."""
    return (
        caller.cmi5_session_id is None
        and not parts
        and all(
            s["verb"]["id"] != VOIDED and s["object"].get("objectType", "Activity") != "StatementRef"
            for s in statements
        )
    )


def store_groups(
    session: Session, requests: list[tuple[list[dict[str, Any]], Caller]]
) -> list[list[str] | SaptahError]:
    """Store several requests' `groupable` statements in one transaction, each request all-or-nothing: a request
    whose statement is already stored (or sent earlier in the group) with other content gets its 409, the
    others are stored. One existence query, one insert and one learning batch for the lot."""
    known = repo.existing_statements(session, [s["id"] for statements, _c in requests for s in statements])
    stored = _stored_now()
    outcomes: list[list[str] | SaptahError] = []
    fresh: list[_Prepared] = []
    sent: dict[str, str] = {}  # statement id -> content hash, of this group's statements so far
    hooks: list[tuple[Caller, list[dict[str, Any]]]] = []
    for statements, caller in requests:
        try:
            mine = _fresh(statements, caller, stored, known, sent)
        except Conflict as exc:
            outcomes.append(exc)
            continue
        sent.update((p.row["statement_id"], p.row["content_hash"]) for p in mine)
        fresh.extend(mine)
        hooks.append((caller, [p.body for p in mine]))
        outcomes.append([s["id"] for s in statements])
    if fresh:
        _store_fresh(session, fresh, {}, hooks)
    return outcomes


def _stored_now() -> datetime:
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # the precision `stored` is shown with


def _fresh(
    statements: list[dict[str, Any]],
    caller: Caller,
    stored: datetime,
    known: dict[str, tuple[str, str | None]],
    sent: dict[str, str],
) -> list[_Prepared]:
    """The statements to store; an identical re-send is skipped, the same id with other content is 409."""
    fresh: list[_Prepared] = []
    for statement in statements:
        prepared = _prepare(statement, caller, stored)
        earlier = known[statement["id"]][0] if statement["id"] in known else sent.get(statement["id"])
        if earlier is not None:
            if earlier != prepared.row["content_hash"]:
                raise Conflict(f"Statement {statement['id']} is already stored with different content.")
            continue
        fresh.append(prepared)
    return fresh


def _store_fresh(
    session: Session,
    fresh: list[_Prepared],
    parts: dict[str, Part],
    hooks: list[tuple[Caller, list[dict[str, Any]]]],
) -> None:
    _match_people(session, fresh, [caller for caller, _bodies in hooks])
    _insert(session, fresh, parts)
    with signals.batch(session):  # aggregates touched by the subscribers are written once, sorted
        _announce_matched(session, fresh)
        for caller, bodies in hooks:
            for hook in AFTER_STORE:
                hook(session, caller, bodies)


def _add_references(session: Session, fresh: list[_Prepared]) -> None:
    """Record the statements each StatementRef targets, down the whole chain, so queries can match through them."""
    refs = {
        p.row["statement_id"]: str(p.body["object"]["id"]).lower()
        for p in fresh
        if p.body["object"].get("objectType") == "StatementRef"
    }
    if not refs:
        return
    stored = repo.reference_chains(session, sorted(set(refs.values()) - set(refs)))

    def chain(statement_id: str, seen: set[str]) -> list[str]:
        target = refs[statement_id]
        if target in refs and target not in seen:
            return [target, *chain(target, seen | {target})]
        return [target, *stored.get(target, [])]

    for p in fresh:
        statement_id = p.row["statement_id"]
        if statement_id in refs:
            p.related.extend((repo.STATEMENT_REF, t) for t in dict.fromkeys(chain(statement_id, {statement_id})))


def _check_voiding(session: Session, fresh: list[_Prepared]) -> None:
    targets = [p.row["voided_target"] for p in fresh if p.row["voided_target"]]
    if not targets:
        return
    batch_voiding = {p.row["statement_id"] for p in fresh if p.row["voided_target"]}
    for target, (_hash, voids) in repo.existing_statements(session, targets).items():
        if voids is not None:
            raise InvalidInput(f"Statement {target} is itself a voiding statement and cannot be voided.")
    if batch_voiding & set(targets):
        raise InvalidInput("A voiding statement cannot be voided.")


def _insert(session: Session, fresh: list[_Prepared], parts: dict[str, Part]) -> None:
    repo.insert_statements(session, [p.row for p in fresh])
    related = [{"statement_id": p.row["statement_id"], "kind": k, "value": v} for p in fresh for k, v in p.related]
    repo.insert_related(session, related)
    repo.void(session, [p.row["voided_target"] for p in fresh if p.row["voided_target"]])
    if parts:
        known = repo.attachments_known(session, list(parts))
        session.add_all(
            Attachment(sha2=h, content_type=p.content_type, length=len(p.content), content=p.content)
            for h, p in parts.items()
            if h not in known
        )
    _merge_activities(session, fresh)
    session.flush()


# (database, activity id, definition as sent) this process has merged and committed: sending the same
# definition again changes nothing, so the lookup is skipped (most providers repeat it in every statement).
_MERGED: OrderedDict[tuple[str, str, str], None] = OrderedDict()
_MERGED_MAX = 50_000


def _remember_merged(keys: list[tuple[str, str, str]]) -> Callable[[Session], None]:
    def remember(_session: Session) -> None:
        for key in keys:
            _MERGED[key] = None
        while len(_MERGED) > _MERGED_MAX:
            _MERGED.popitem(last=False)

    return remember


def _merge_activities(session: Session, fresh: list[_Prepared]) -> None:
    defined: dict[str, dict[str, Any]] = {}
    sent: list[tuple[str, str, str]] = []
    database = str(session.get_bind().engine.url)
    for p in fresh:
        obj = p.body["object"]
        if obj.get("objectType", "Activity") == "Activity" and obj.get("definition"):
            key = (database, obj["id"], dumps(obj["definition"]))
            if key in _MERGED:
                continue
            sent.append(key)
            defined[obj["id"]] = merge_definition(defined.get(obj["id"], {}), obj["definition"])
    if not defined:
        return
    event.listen(session, "after_commit", _remember_merged(sent), once=True)
    stored = repo.activities(session, list(defined))
    fresh_rows = []
    for activity_id, definition in defined.items():
        row = stored.get(activity_id)
        if row is None:
            fresh_rows.append({"activity_id": activity_id, "definition": dumps(definition), "updated_at": utcnow()})
            continue
        merged = merge_definition(json.loads(row.definition), definition)
        if merged != json.loads(row.definition):
            row.definition = dumps(merged)
            row.updated_at = utcnow()
    repo.insert_activities(session, sorted(fresh_rows, key=lambda r: r["activity_id"]))


def _person_ids(session: Session, actor_ifis: list[str | None]) -> dict[str, int]:
    emails = {a[len("mbox:mailto:") :]: a for a in actor_ifis if a and a.startswith("mbox:mailto:")}
    found = {emails[e]: pid for e, pid in repo.people_by_emails(session, list(emails)).items()}
    accounts = {}
    for actor in {a for a in actor_ifis if a and a.startswith("account:")}:
        home_page, _, name = actor[len("account:") :].rpartition("|")
        accounts[(home_page, name)] = actor
    for account, pid in repo.people_by_accounts(session, sorted(accounts)).items():
        found[accounts[account]] = pid
    return found


def _match_people(session: Session, fresh: list[_Prepared], callers: list[Caller]) -> None:
    """Match actors to people before the insert, so person_id is stored with the row (no UPDATE after)."""
    people = _person_ids(session, [p.row["actor_ifi"] for p in fresh])
    for caller in callers:
        if caller.extra.get("actor_ifi"):
            people[caller.extra["actor_ifi"]] = caller.extra["person_id"]
    for p in fresh:
        p.row["person_id"] = people.get(p.row["actor_ifi"])


def _announce_matched(session: Session, fresh: list[_Prepared]) -> None:
    found = [
        learning_event(p.body, p.row["person_id"], p.row["timestamp"]) for p in fresh if p.row["person_id"] is not None
    ]
    publish_learning(session, [e for e in found if e is not None])


def publish_learning(session: Session, events: list[signals.LearningStatement]) -> None:
    """Publish one LearningStatements for a stored batch, in (person, activity, arrival) order.

    The fixed order keeps concurrent batches from taking per-person rows in opposite orders.
    """
    if not events:
        return
    order = sorted(range(len(events)), key=lambda i: (events[i].person_id, events[i].activity_id, i))
    with signals.batch(session):
        signals.publish(session, signals.LearningStatements(tuple(events[i] for i in order)))


def learning_event(body: dict[str, Any], person_id: int, at: datetime) -> signals.LearningStatement | None:
    """The LearningStatement for a stored, non-voiding statement about an activity (None for any other); `at` is
    its timestamp as stored in its row (already parsed)."""
    obj = body["object"]
    if obj.get("objectType", "Activity") != "Activity" or body["verb"]["id"] == VOIDED:
        return None
    result = body.get("result") or {}
    completion = True if body["verb"]["id"] == SATISFIED else result.get("completion")
    score = (result.get("score") or {}).get("scaled")
    progress = (result.get("extensions") or {}).get(PROGRESS_EXT)
    return signals.LearningStatement(
        person_id=person_id,
        statement_id=body["id"],
        verb=body["verb"]["id"],
        activity_id=obj["id"],
        registration=(body.get("context") or {}).get("registration"),
        completion=completion,
        success=result.get("success"),
        scaled_score=float(score) if score is not None else None,
        progress=float(progress) if isinstance(progress, int | float) else None,
        at=at,
    )


def match_onboarded(session: Session, onboarded: Sequence[signals.PersonOnboarded]) -> None:
    """New people: claim their earlier statements (by e-mail or account) and announce them, one look-up for all
    (none when no statement waits for anyone)."""
    if not repo.any_unmatched(session):
        return
    owner = {"mbox:mailto:" + e.email.lower(): e.person_id for e in onboarded}
    for person in repo.people_with_accounts(session, [e.person_id for e in onboarded]):
        owner[f"account:{person.external_system_name}|{person.external_system_id}"] = person.id
    events = []
    for row in repo.unmatched_for(session, list(owner)):
        person_id = owner[row.actor_ifi or ""]
        row.person_id = person_id
        if not row.voided:
            learning = learning_event(json.loads(row.body), person_id, row.timestamp)
            if learning is not None:
                events.append(learning)
    session.flush()
    publish_learning(session, events)
