"""The xAPI 1.0.3 resources at /xapi: statements, documents, activities, agents, about."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from saptah.core import jsonin
from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput
from saptah.lrs import clients, query, service
from saptah.lrs import repository as repo
from saptah.lrs.api_documents import router as documents_router
from saptah.lrs.attachments import Part, multipart_body, parse_multipart
from saptah.lrs.formats import accept_languages, http_date, iso
from saptah.lrs.group_commit import group_commit
from saptah.lrs.lean import statements_lean
from saptah.lrs.schemas import IRI_RE
from saptah.lrs.xapi_http import Body, XapiRoute, caller, finish, params_of, version_of
from saptah.web.deps import DB

router = APIRouter(prefix="/xapi", tags=["xapi"], route_class=XapiRoute, include_in_schema=False)


@router.get("/about")
def about() -> Response:
    """The xAPI versions this LRS speaks."""
    return JSONResponse({"version": ["2.0.0", "1.0.3", "1.0.2", "1.0.1", "1.0.0"], "extensions": {}})


def _statement_body(request: Request, body: bytes) -> tuple[Any, dict[str, Part]]:
    ctype = request.headers.get("content-type", "")
    parts: dict[str, Part] = {}
    if ctype.lower().startswith("multipart/mixed"):
        body, parts = parse_multipart(body, ctype)
    elif not ctype.lower().startswith("application/json"):
        raise InvalidInput("Statements must be sent as application/json or multipart/mixed.")
    try:
        return jsonin.loads(body), parts
    except jsonin.BadJSON as exc:
        raise InvalidInput(f"The statements are not valid JSON: {exc}") from exc


@router.api_route("/statements", methods=["GET", "HEAD", "PUT", "POST"])
def statements(request: Request, db: DB, body: Body) -> Response:
    """Store (PUT/POST) or read (GET/HEAD) statements."""
    who = caller(request, db)
    params = params_of(request)
    if request.method in ("GET", "HEAD"):
        return finish(request, _get_statements(request, db, who, params))
    raw, parts = _statement_body(request, body)
    version = version_of(request)
    if request.method == "PUT":
        statement_id = params.pop("statementId", None)
        if not statement_id:
            raise InvalidInput("PUT /statements needs the statementId parameter.")
        if params:
            raise InvalidInput(f"Unknown query parameter '{sorted(params)[0]}'.")
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", statement_id):
            raise InvalidInput("statementId must be a UUID.")
        service.store_statements(db, raw, who, parts=parts, put_id=statement_id.lower(), version=version)
        return Response(status_code=204)
    if params:
        raise InvalidInput(f"Unknown query parameter '{sorted(params)[0]}'.")
    checked = service.check_statements(raw, who, parts=parts, version=version)
    if service.groupable(checked, who, parts):  # shares a transaction with the POSTs waiting at the same moment
        db.commit()  # this request's transaction only read the credentials: hold no lock while the group writes
        return JSONResponse(group_commit(request.app.state).store(checked, who))
    return JSONResponse(service.store_checked(db, checked, who, parts=parts))


def _headers(stored: datetime | None) -> dict[str, str]:
    headers = {"X-Experience-API-Consistent-Through": iso(utcnow())}
    if stored is not None:
        headers["Last-Modified"] = http_date(stored)
    return headers


def _get_statements(request: Request, db: Session, who: clients.Caller, params: dict[str, str]) -> Response:
    languages = accept_languages(request.headers.get("accept-language"))
    for single_param, voided in (("statementId", False), ("voidedStatementId", True)):
        if single_param in params:
            extra = set(params) - {single_param, "format", "attachments"}
            if extra:
                raise InvalidInput(f"'{sorted(extra)[0]}' cannot be combined with {single_param}.")
            _f, _l, fmt, attachments = query.build_filters({k: v for k, v in params.items() if k != single_param}, who)
            text, stored = query.single(db, who, params[single_param], voided=voided)
            rendered = query.render(db, [text], fmt, languages)
            return _respond(db, rendered, rendered[0].encode(), attachments, _headers(stored))
    if "more" in params:
        if len(params) > 1:
            raise InvalidInput("A more URL takes no other parameters.")
        filters, limit, fmt, attachments = query.decode_more(params["more"], who)
    else:
        filters, limit, fmt, attachments = query.build_filters(params, who)
    page = query.run(db, filters, limit)
    more = ""
    if page.more is not None:
        token = query.encode_more(filters, limit, fmt, attachments, int(page.more))
        more = "/xapi/statements?more=" + token
    rendered = query.render(db, page.bodies, fmt, languages)
    text = '{"statements":[' + ",".join(rendered) + '],"more":' + json.dumps(more) + "}"
    return _respond(db, rendered, text.encode(), attachments, _headers(page.last_stored))


def _respond(db: Session, rendered: list[str], text: bytes, attachments: bool, headers: dict[str, str]) -> Response:
    if not attachments:
        return Response(text, media_type="application/json", headers=headers)
    found = repo.attachments_by_hash(db, query.attachment_hashes(rendered))
    content, ctype = multipart_body(text, [(a.sha2, a.content_type, a.content) for a in found])
    return Response(content, media_type=ctype, headers=headers)


@router.api_route("/activities", methods=["GET", "HEAD"])
def activities(request: Request, db: DB) -> Response:
    """The merged canonical definition of an activity."""
    caller(request, db)
    params = params_of(request)
    activity_id = params.pop("activityId", None)
    if not activity_id or not IRI_RE.match(activity_id):
        raise InvalidInput("activityId (an IRI) is required.")
    if params:
        raise InvalidInput(f"Unknown query parameter '{sorted(params)[0]}'.")
    row = repo.get_activity(db, activity_id)
    out: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if row is not None:
        out["definition"] = json.loads(row.definition)
    return finish(request, JSONResponse(out))


@router.api_route("/agents", methods=["GET", "HEAD"])
def agents(request: Request, db: DB) -> Response:
    """The Person object for an agent: everything the LRS knows identifies them."""
    caller(request, db)
    params = params_of(request)
    text = params.pop("agent", None)
    if text is None:
        raise InvalidInput("agent is required.")
    if params:
        raise InvalidInput(f"Unknown query parameter '{sorted(params)[0]}'.")
    query.parse_agent(text)
    agent = jsonin.loads(text)
    person: dict[str, Any] = {"objectType": "Person"}
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return finish(request, JSONResponse(person))


router.include_router(documents_router)

# A plain statement POST is answered before FastAPI's routing (`lean.statements_lean`); the rest by the route above.
lean_routes = [("POST", r"/xapi/statements", statements_lean)]
