"""HTTP plumbing shared by the /xapi routes: version header, body limit, alternate syntax, errors, auth."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import anyio
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput, PayloadTooLarge, SaptahError
from saptah.lrs import clients
from saptah.lrs.formats import iso

VERSION = "1.0.3"  # the answer's version when a request names none (see docs/lrs.md, "Versions")
V2 = "2.0.0"
# The version a request asks for (its X-Experience-API-Version header) -> the version it is answered in.
VERSIONS = {"1.0": VERSION, "2.0": V2}
_VERSION_RE = re.compile(r"^([12]\.0)(?:\.\d+)?$")


def negotiate(header: str | None) -> str | None:
    """The version ("1.0.3" or "2.0.0") a request's X-Experience-API-Version header asks for; None if unsupported."""
    if header is None:
        return None
    found = _VERSION_RE.match(header)
    return VERSIONS[found.group(1)] if found else None


def version_of(request: Request) -> str:
    """The xAPI version this request is answered in."""
    return getattr(request.state, "xapi_version", VERSION)


HEADER_FIELDS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than the {limit // (1024 * 1024)} MB limit.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than the {limit // (1024 * 1024)} MB limit.")
        chunks.append(chunk)
    return b"".join(chunks)


def _alternate(request: Request, body: bytes) -> tuple[Request, bytes]:
    """Rewrite an alternate-syntax request (POST ?method=X with a form) into the request it stands for (xAPI
    1.0.3 only: xAPI 2.0 dropped the syntax, so a 2.0 request with `method` is refused)."""
    params = dict(parse_qsl(request.url.query, keep_blank_values=True))
    if "method" not in params:
        return request, body
    if negotiate(request.headers.get("x-experience-api-version")) == V2:
        raise InvalidInput("xAPI 2.0 has no alternate request syntax: send the request with its own method.")
    if request.method != "POST":
        raise InvalidInput("The alternate request syntax is a POST with the method query parameter.")
    if len(params) > 1:
        raise InvalidInput("With the alternate request syntax, 'method' must be the only query parameter.")
    method = params["method"].upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise InvalidInput(f"method={params['method']} is not an xAPI method.")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise InvalidInput("The alternate request syntax needs application/x-www-form-urlencoded.")
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    content = form.pop("content", "").encode()
    # The form's header fields stand in for (or add to) the request's own headers.
    headers = {k: v for k, v in request.headers.items() if k not in ("content-type", "content-length")}
    headers.update((k.lower(), v) for k, v in form.items() if k.lower() in HEADER_FIELDS)
    if negotiate(headers.get("x-experience-api-version")) == V2:
        raise InvalidInput("xAPI 2.0 has no alternate request syntax: send the request with its own method.")
    rest = {k: v for k, v in form.items() if k.lower() not in HEADER_FIELDS}
    if "content-type" not in headers and content:
        headers["content-type"] = "application/json"
    raw_headers = [(k.encode(), v.encode()) for k, v in headers.items() if k != "content-length"]
    raw_headers.append((b"content-length", str(len(content)).encode()))
    scope = dict(request.scope)
    scope.update(method=method, headers=raw_headers, query_string=urlencode(rest).encode())
    return Request(scope, request.receive), content


RETRIES = 10


def _transient(exc: DBAPIError) -> bool:
    """Deadlocks, serialisation failures, a busy SQLite, and a twin request's insert: worth one more try."""
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None)
    return (
        code in ("40P01", "40001", "23505") or "database is locked" in text or "unique constraint failed: lrs_" in text
    )


# Sessions that began a transaction during the current attempt of an xAPI request.
_ATTEMPT_SESSIONS: ContextVar[list[Session] | None] = ContextVar("xapi_attempt_sessions", default=None)


@event.listens_for(Session, "after_begin")
def _track_session(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    sessions = _ATTEMPT_SESSIONS.get()
    if sessions is not None and session not in sessions:
        sessions.append(session)


def _end_attempt(sessions: list[Session]) -> None:
    """Roll back a failed attempt's transactions now: the request's session is only closed when the whole request
    ends, and a retry would otherwise wait for the row locks its own first attempt still holds."""
    for session in sessions:
        session.rollback()


async def _with_retries(original: Callable[[Request], Coroutine[Any, Any, Response]], request: Request) -> Response:
    """Run the whole request again when the database reports a transient conflict (after rolling it back)."""
    for attempt in range(RETRIES):
        sessions: list[Session] = []
        token = _ATTEMPT_SESSIONS.set(sessions)
        try:
            return await original(request)
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or not _transient(exc):
                raise
            await anyio.to_thread.run_sync(_end_attempt, sessions)
            await asyncio.sleep(min(0.5, 0.01 * 2**attempt) + random.random() * 0.02)
        finally:
            _ATTEMPT_SESSIONS.reset(token)
    raise AssertionError("unreachable")


class XapiRoute(APIRoute):
    """Every /xapi response carries the version header; errors are JSON; bodies are size-limited."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request.state.xapi_version = negotiate(request.headers.get("x-experience-api-version")) or VERSION
            try:
                limit = request.app.state.settings.max_upload_mb * 1024 * 1024
                body = await _read_limited(request, limit)
                request, body = _alternate(request, body)
                request._body = body  # the body dependency and handlers read this cached copy
                asked = request.headers.get("x-experience-api-version")
                request.state.xapi_version = negotiate(asked) or VERSION
                if not request.url.path.endswith("/about"):
                    if not asked:
                        raise InvalidInput("The X-Experience-API-Version header is required.")
                    if negotiate(asked) is None:
                        raise InvalidInput(f"X-Experience-API-Version {asked} is not supported; use 1.0.3 or 2.0.0.")
                response = await _with_retries(original, request)
            except SaptahError as exc:
                body_json = {"error": {"code": exc.code, "message": exc.message}}
                response = JSONResponse(body_json, status_code=exc.status_code)
                if exc.status_code == 401:
                    response.headers["WWW-Authenticate"] = 'Basic realm="xapi"'
                if request.method in ("GET", "HEAD") and request.url.path.endswith("/statements"):
                    response.headers["X-Experience-API-Consistent-Through"] = iso(utcnow())
            response.headers["X-Experience-API-Version"] = version_of(request)
            return response

        return handler


async def read_body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(read_body)]


def caller(request: Request, db: Session) -> clients.Caller:
    return clients.authenticate(db, request.headers.get("authorization"), request.app.state.settings.base_url)


def params_of(request: Request) -> dict[str, str]:
    return dict(request.query_params)


def finish(request: Request, response: Response) -> Response:
    if request.method == "HEAD":
        response.body = b""
        response.headers["content-length"] = "0"
    return response
