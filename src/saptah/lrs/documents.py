"""Document resources: state, activity profile and agent profile, with ETags and JSON merge."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from saptah.core import jsonin
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from saptah.lrs.clients import Caller
from saptah.lrs.models import ActivityProfile, AgentProfile, StateDocument

Doc = StateDocument | ActivityProfile | AgentProfile


@dataclass(frozen=True)
class Key:
    """Where a document lives: its kind and identifying columns (None values mean 'any' for lists)."""

    kind: str  # state | activity_profile | agent_profile
    activity_id: str | None = None
    agent_ifi: str | None = None
    registration: str | None = None
    doc_id: str | None = None


def _model(kind: str) -> Any:
    return {"state": StateDocument, "activity_profile": ActivityProfile, "agent_profile": AgentProfile}[kind]


def _where(key: Key, with_id: bool) -> list[Any]:
    m = _model(key.kind)
    conds: list[Any] = []
    if key.activity_id is not None:
        conds.append(m.activity_id == key.activity_id)
    if key.agent_ifi is not None:
        conds.append(m.agent_ifi == key.agent_ifi)
    if key.kind == "state":
        conds.append(StateDocument.registration == (key.registration or ""))
    if with_id:
        id_col = StateDocument.state_id if key.kind == "state" else m.profile_id
        conds.append(id_col == key.doc_id)
    return conds


def _scope(caller: Caller, key: Key) -> None:
    need = "state" if key.kind == "state" else "profile"
    if not caller.may(need):
        raise Forbidden(f"These credentials may not use the {key.kind.replace('_', ' ')} resource.")


def get(session: Session, caller: Caller, key: Key) -> Doc:
    """One document or 404."""
    _scope(caller, key)
    doc: Doc | None = session.scalars(select(_model(key.kind)).where(*_where(key, True))).first()
    if doc is None:
        raise NotFound("No such document.")
    return doc


def list_ids(session: Session, caller: Caller, key: Key, since: datetime | None) -> list[str]:
    """Ids of the documents at a place, optionally only those updated after `since`."""
    _scope(caller, key)
    m = _model(key.kind)
    id_col = StateDocument.state_id if key.kind == "state" else m.profile_id
    stmt = select(id_col).where(*_where(key, False))
    if since is not None:
        stmt = stmt.where(m.updated > since)
    return list(session.scalars(stmt.order_by(id_col)))


def etag_of(content: bytes) -> str:
    """A strong ETag: the SHA-1 of the content, quoted."""
    return '"' + hashlib.sha1(content).hexdigest() + '"'  # noqa: S324 (an ETag, as the spec shows)


def _check_preconditions(doc: Doc | None, if_match: str | None, if_none_match: str | None) -> None:
    if if_match is not None:
        tags = {t.strip() for t in if_match.split(",")}
        if doc is None or ("*" not in tags and doc.etag not in tags):
            raise PreconditionFailed("The document has changed (If-Match does not hold).")
    if if_none_match is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        if doc is not None and ("*" in tags or doc.etag in tags):
            raise PreconditionFailed("The document already exists (If-None-Match does not hold).")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = jsonin.loads(content)
    except jsonin.BadJSON as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object to be merged.")
    return value


def write(
    session: Session,
    caller: Caller,
    key: Key,
    *,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None,
    if_none_match: str | None,
    version: str = "1.0.3",
) -> None:
    """PUT (replace) or POST (merge JSON objects) a document, honouring If-Match / If-None-Match."""
    _scope(caller, key)
    m = _model(key.kind)
    doc: Doc | None = session.scalars(select(m).where(*_where(key, True))).first()
    _check_preconditions(doc, if_match, if_none_match)
    if not merge and if_match is None and if_none_match is None:
        # xAPI 1.0.3 part 3, 3.1 and IEEE 9274.1.1 4.1.4: a profile PUT must carry If-Match or If-None-Match,
        # an existing document is never replaced blindly (2.0 extends this to state documents)
        guarded = key.kind != "state" or version == "2.0.0"
        if guarded and doc is not None:
            raise Conflict("This document exists: send If-Match with its ETag (or If-None-Match: *) to replace it.")
        if key.kind != "state":
            raise InvalidInput("A profile PUT needs If-Match (the ETag you read) or If-None-Match: * (a new one).")
    if merge and _is_json(content_type):
        incoming = _json_object(content, "The posted document")
        if doc is not None:
            if not _is_json(doc.content_type):
                raise InvalidInput("The stored document is not JSON, so it cannot be merged; use PUT.")
            content = json.dumps({**_json_object(doc.content, "The stored document"), **incoming}).encode()
    elif merge and doc is not None:
        raise InvalidInput("Only JSON documents can be merged with POST; send application/json or use PUT.")
    if doc is None:
        doc = _new(key)
        session.add(doc)
    doc.content = content
    doc.content_type = content_type or "application/octet-stream"
    doc.etag = etag_of(content)
    doc.updated = utcnow()
    session.flush()


def _new(key: Key) -> Doc:
    if key.kind == "state":
        assert key.activity_id and key.agent_ifi and key.doc_id
        registration = key.registration or ""
        return StateDocument(
            activity_id=key.activity_id, agent_ifi=key.agent_ifi, registration=registration, state_id=key.doc_id
        )
    if key.kind == "activity_profile":
        assert key.activity_id and key.doc_id
        return ActivityProfile(activity_id=key.activity_id, profile_id=key.doc_id)
    assert key.agent_ifi and key.doc_id
    return AgentProfile(agent_ifi=key.agent_ifi, profile_id=key.doc_id)


def remove(
    session: Session, caller: Caller, key: Key, *, if_match: str | None = None, all_at_place: bool = False
) -> None:
    """Delete one document (or, for state, every document at the place)."""
    _scope(caller, key)
    m = _model(key.kind)
    if all_at_place:
        session.execute(delete(m).where(*_where(key, False)))
        return
    doc: Doc | None = session.scalars(select(m).where(*_where(key, True))).first()
    if if_match is not None:
        _check_preconditions(doc, if_match, None)
    if doc is not None:
        session.delete(doc)
        session.flush()
