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

from saptah.core.errors import InvalidInput, PayloadTooLarge, SaptahError
from saptah.lrs import clients

VERSION = "1.0.3"
VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")
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
    """Rewrite an alternate-syntax request (POST ?method=X with a form) into the request it stands for."""
    params = dict(parse_qsl(request.url.query, keep_blank_values=True))
    if request.method != "POST" or "method" not in params:
        return request, body
    if len(params) > 1:
        raise InvalidInput("With the alternate request syntax, 'method' must be the only query parameter.")
    method = params["method"].upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise InvalidInput(f"method={params['method']} is not an xAPI method.")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise InvalidInput("The alternate request syntax needs application/x-www-form-urlencoded.")
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    content = form.pop("content", "").encode()
    headers = {k: v for k, v in form.items() if k.lower() in HEADER_FIELDS}
    rest = {k: v for k, v in form.items() if k.lower() not in HEADER_FIELDS}
    if "content-type" not in {k.lower() for k in headers} and content:
        headers["Content-Type"] = "application/json"
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items() if k.lower() != "content-length"]
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
            try:
                limit = request.app.state.settings.max_upload_mb * 1024 * 1024
                body = await _read_limited(request, limit)
                request, body = _alternate(request, body)
                request._body = body  # the body dependency and handlers read this cached copy
                if not request.url.path.endswith("/about"):
                    version = request.headers.get("x-experience-api-version")
                    if not version:
                        raise InvalidInput("The X-Experience-API-Version header is required.")
                    if not VERSION_RE.match(version):
                        raise InvalidInput(f"X-Experience-API-Version {version} is not supported; use 1.0.3.")
                response = await _with_retries(original, request)
            except SaptahError as exc:
                body_json = {"error": {"code": exc.code, "message": exc.message}}
                response = JSONResponse(body_json, status_code=exc.status_code)
                if exc.status_code == 401:
                    response.headers["WWW-Authenticate"] = 'Basic realm="xapi"'
            response.headers["X-Experience-API-Version"] = VERSION
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
