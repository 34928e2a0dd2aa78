"""The document resources at /xapi: activities/state, activities/profile, agents/profile."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from saptah.core import jsonin
from saptah.core.errors import InvalidInput
from saptah.lrs import documents
from saptah.lrs.formats import http_date
from saptah.lrs.query import parse_agent
from saptah.lrs.schemas import IRI_RE, UUID_RE, parse_timestamp
from saptah.lrs.xapi_http import Body, XapiRoute, caller, finish, params_of, version_of
from saptah.web.deps import DB

router = APIRouter(route_class=XapiRoute, include_in_schema=False)
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
SHAPES = {
    # kind: (needs activityId, needs agent, id parameter, allows registration)
    "state": (True, True, "stateId", True),
    "activity_profile": (True, False, "profileId", False),
    "agent_profile": (False, True, "profileId", False),
}


def _key(kind: str, params: dict[str, str]) -> tuple[documents.Key, str | None]:
    needs_activity, needs_agent, id_param, allows_registration = SHAPES[kind]
    allowed = {id_param, "since"}
    allowed |= {"activityId"} if needs_activity else set()
    allowed |= {"agent"} if needs_agent else set()
    allowed |= {"registration"} if allows_registration else set()
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown query parameter '{unknown[0]}'.")
    activity_id = params.get("activityId")
    if needs_activity and (not activity_id or not IRI_RE.match(activity_id)):
        raise InvalidInput("activityId (an IRI) is required.")
    agent = None
    if needs_agent:
        if "agent" not in params:
            raise InvalidInput("agent is required.")
        agent = parse_agent(params["agent"])
    registration = params.get("registration")
    if registration is not None and not UUID_RE.match(registration):
        raise InvalidInput("registration must be a UUID.")
    key = documents.Key(kind, activity_id, agent, registration.lower() if registration else None, params.get(id_param))
    return key, params.get("since")


def _handle(kind: str, request: Request, db: Session, body: bytes) -> Response:
    who = caller(request, db)
    key, since = _key(kind, params_of(request))
    method = request.method
    if since is not None and (method not in ("GET", "HEAD") or key.doc_id is not None):
        raise InvalidInput("since is only allowed when listing document ids.")
    if method in ("GET", "HEAD"):
        if key.doc_id is None:
            try:
                when = parse_timestamp(since) if since else None
            except ValueError as exc:
                raise InvalidInput(f"since: {exc}") from None
            return finish(request, JSONResponse(documents.list_ids(db, who, key, when)))
        doc = documents.get(db, who, key)
        headers = {"ETag": doc.etag, "Last-Modified": http_date(doc.updated)}
        return finish(request, Response(doc.content, media_type=doc.content_type, headers=headers))
    if method == "DELETE":
        if key.doc_id is None and kind != "state":
            raise InvalidInput("profileId is required to delete a profile.")
        documents.remove(db, who, key, if_match=request.headers.get("if-match"), all_at_place=key.doc_id is None)
        return Response(status_code=204)
    if key.doc_id is None:
        raise InvalidInput(f"{SHAPES[kind][2]} is required to write a document.")
    content_type = request.headers.get("content-type", "application/octet-stream")
    if method == "POST" and content_type.split(";")[0].strip() == "application/json":
        try:
            jsonin.loads(body)
        except jsonin.BadJSON as exc:
            raise InvalidInput(f"The document is not valid JSON: {exc}") from exc
    documents.write(
        db,
        who,
        key,
        content=body,
        content_type=content_type,
        merge=method == "POST",
        if_match=request.headers.get("if-match"),
        if_none_match=request.headers.get("if-none-match"),
        version=version_of(request),
    )
    return Response(status_code=204)


@router.api_route("/activities/state", methods=METHODS)
def state(request: Request, db: DB, body: Body) -> Response:
    """A learner's state in an activity (optionally per registration)."""
    return _handle("state", request, db, body)


@router.api_route("/activities/profile", methods=METHODS)
def activity_profile(request: Request, db: DB, body: Body) -> Response:
    """Documents about an activity."""
    return _handle("activity_profile", request, db, body)


@router.api_route("/agents/profile", methods=METHODS)
def agent_profile(request: Request, db: DB, body: Body) -> Response:
    """Documents about an agent."""
    return _handle("agent_profile", request, db, body)
