"""One handler for every error: JSON on API routes, a friendly page on HTML routes."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from saptah.core import validation
from saptah.core.errors import OutOfRange, SaptahError
from saptah.web.i18n import N_, translate
from saptah.web.templating import render

log = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/xapi")
TITLES = {
    400: N_("Something is not right"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    412: N_("Changed meanwhile"),
    413: N_("Too large"),
    422: N_("Number too large"),
    429: N_("Slow down"),
    500: N_("Something went wrong"),
    503: N_("Busy"),
}
# what Starlette says by itself (the status's English name), for people
HTTP_PHRASES = {
    405: N_("This address does not take this kind of request."),
    413: N_("The request is too large."),
    415: N_("This kind of content is not accepted here."),
}
BUG_MESSAGE = N_("Something went wrong on our side. It has been logged.")
BUSY_MESSAGE = N_("Saptah is very busy right now. Please try again in a few seconds.")
# Database errors that mean "overloaded, try again", not "bug": SQLite's write lock, PostgreSQL's
# deadlock (40P01), serialisation failure (40001) and too many connections (53300).
TRANSIENT_SQLSTATES = {"40P01", "40001", "53300"}
# A number in a request body that the database cannot hold (SQLite raises OverflowError binding it; PostgreSQL
# answers 22003): the request's mistake, not a bug, answered 422 like a query integer beyond 64 bits
# (`web.strict`), except on xAPI, whose specification answers every malformed request 400.
NUMERIC_OUT_OF_RANGE = "22003"
OUT_OF_RANGE = N_("A number in the request is too large.")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES) or request.url.path in ("/healthz",)


def error_response(request: Request, status: int, code: str, message: str, details: object = None) -> Response:
    """The one shape of an error, for people and programs: `message` in the reader's language, `code` as is."""
    message = translate(message, reader_language(request))
    if _is_api(request):
        body: dict[str, object] = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"] = {"code": code, "message": message, "details": details}
        return JSONResponse(body, status_code=status)
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)
    title = TITLES.get(status, N_("Error"))
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status_code=status)


def reader_language(request: Request) -> str:
    """The language of an error's message: the person's on pages, and on the API when a browser asks (a page's
    script, sending Accept-Language as every browser does); programs read the API's messages in English."""
    lang = str(getattr(request.state, "lang", "en"))
    if _is_api(request) and "accept-language" not in request.headers:
        return "en"
    return lang


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(SaptahError)
    async def _domain(request: Request, exc: SaptahError) -> Response:
        return error_response(request, exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = validation.explain(exc.errors())
        lang = reader_language(request)
        details = [
            {"type": e.get("type"), "field": validation.where(e), "message": translate(p, lang)}
            for e, p in zip(exc.errors(), problems, strict=True)
        ]
        return error_response(request, 400, "invalid_input", validation.joined(problems), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else N_("Error")
        if exc.status_code == 404:
            message = N_("There is no page at this address.")
        elif message == HTTPStatus(exc.status_code).phrase:  # Starlette's own wording ("Method Not Allowed")
            message = HTTP_PHRASES.get(exc.status_code, message)
        response = error_response(request, exc.status_code, "http_error", message)
        response.headers.update(exc.headers or {})  # e.g. a 405's Allow
        return response

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        log.warning("no database connection free for %s", request.url.path)
        return _busy(request)

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> Response:
        if is_transient(exc):
            log.warning("transient database error on %s: %s", request.url.path, exc.orig)
            return _busy(request)
        return await _bug(request, exc)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        return _out_of_range(request)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        if getattr(exc.orig, "sqlstate", None) == NUMERIC_OUT_OF_RANGE:
            return _out_of_range(request)
        return await _bug(request, exc)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "internal_error", BUG_MESSAGE)


def is_transient(exc: OperationalError) -> bool:
    """Whether a database error is overload (retry later) rather than a fault."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def _out_of_range(request: Request) -> Response:
    if request.url.path.startswith("/xapi"):
        return error_response(request, 400, "invalid_input", OUT_OF_RANGE)
    return error_response(request, OutOfRange.status_code, OutOfRange.code, OUT_OF_RANGE)


def _busy(request: Request) -> Response:
    response = error_response(request, 503, "busy", BUSY_MESSAGE)
    response.headers["Retry-After"] = "5"
    return response
