"""create_app(): the one FastAPI application serving pages, /api/v1 and /xapi."""

from __future__ import annotations

import gc
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from importlib.resources import files
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saptah import __version__
from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker
from saptah.core.security import sign, signed_by
from saptah.domains import domain_modules
from saptah.web import assets, errors, openapi, pages, strict
from saptah.web.deps import CSRF_COOKIE
from saptah.web.i18n import LANG_COOKIE, language_of
from saptah.web.templating import build_templates
from saptah.wiring import wire

# A lean route: (method, full-match path pattern, handler). The handler gets the scope, receive, send and the
# app's usual ASGI path, to which it may hand the request back (replaying the body) for anything but the plain case.
LeanHandler = Callable[[Scope, Receive, Send, ASGIApp], Awaitable[None]]
LeanRoute = tuple[str, str, LeanHandler]


def create_app(settings: Settings | None = None, *, factory: sessionmaker[Session] | None = None) -> FastAPI:
    """Build the app; tests pass their own session factory, bound to a rolled-back connection."""
    settings = settings or Settings()
    if factory is None:
        factory = make_sessionmaker(make_engine(settings.database_url))
    wire()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.env != "test":  # a served process (tests make and drop many apps in one process)
            # Its import-time objects live as long as it does: keep them out of every later cyclic-GC pass.
            # Under load a full pass over them took 150-600 ms, the slowest presence pings' whole latency.
            gc.collect()
            gc.freeze()
        worker = None
        if settings.run_worker_in_app:
            from saptah.jobs.tasks import start_in_thread

            worker = start_in_thread(factory, settings)
        yield
        if worker is not None:  # let the running pass finish before the server (and its engine) goes away
            thread, stop = worker
            stop.set()
            thread.join(timeout=30)

    app = SaptahApp(
        title="Saptah",
        version=__version__,
        description="Civil-service learning campaigns: JSON API under /api/v1, xAPI under /xapi.",
        lifespan=lifespan,
        dependencies=[Depends(strict.strict_query_params)],
        docs_url="/docs",
        # Saptah configures no OpenTelemetry; FastAPI would otherwise look for providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.sessionmaker = factory
    app.state.templates = build_templates()
    errors.install(app)
    openapi.install(app)
    app.lean_routes(route for _domain, module in domain_modules("api") for route in getattr(module, "lean_routes", ()))
    app.add_middleware(
        RequestContext,
        secure_cookies=settings.secure_cookies,
        hsts=settings.env == "production",
        policy=content_security_policy(settings),
        secret=settings.secret_key,
    )
    app.mount("/static", StaticFiles(directory=str(files("saptah.web") / "static")), name="static")
    app.include_router(assets.router)
    app.include_router(pages.router)
    for part in ("api", "pages"):
        for _domain, module in domain_modules(part):
            app.include_router(module.router)
    return app


class SaptahApp(FastAPI):
    """The FastAPI app, which answers the domains' lean routes (`lean_routes` in a domain's `api`) first.

    A lean route is a hot path, such as a live webinar's presence ping (about 1,700 a second at a national
    webinar), answered before FastAPI's middleware stack, routing and dependency solving; its errors go through
    the app's one set of exception handlers all the same, and its responses carry the same safe headers.
    """

    lean: list[tuple[str, re.Pattern[str], LeanHandler]]

    def lean_routes(self, routes: Iterable[LeanRoute]) -> None:
        """Declare the lean routes: (method, full-match path pattern, handler)."""
        self.lean = [(method, re.compile(path), handler) for method, path, handler in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for method, pattern, handler in getattr(self, "lean", ()):
                match = pattern.fullmatch(scope["path"]) if scope["method"] == method else None
                if match is not None:
                    scope["app"] = self
                    scope["path_params"] = match.groupdict()
                    await self._answer_lean(handler, scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    async def _answer_lean(self, handler: LeanHandler, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a lean route; an error it raises is answered by the app's handlers, unless a response was already
        started (the routed app, handed the request, answered with its 500 and re-raised: the server logs it)."""
        safe = _with_safe_headers(
            send, hsts=self.state.settings.env == "production", policy=content_security_policy(self.state.settings)
        )
        started = False

        async def send_once(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await safe(message)

        try:
            await handler(scope, receive, send_once, super().__call__)
        except Exception as exc:
            if started:
                raise
            await _handle_error(scope, receive, safe, exc)


# No inline script anywhere (pages load theirs from /static); inline style attributes remain (progress bars).
# A watch page embeds the event's stream, which may be any https address. No page may be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "media-src 'self' https:; frame-src 'self' https:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive /docs page loads Swagger UI from its CDN and starts it with an inline script.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(settings: Settings) -> str:
    """The policy of Saptah's pages: its forms post only to Saptah, whose sign-in and sign-out forms may then be
    sent on (redirected) to the configured identity providers' sign-in and sign-out pages."""
    origins = sorted({_origin_of(p.issuer) for p in settings.oidc_providers})
    if not origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _with_safe_headers(
    send: Send, *, hsts: bool, path: str = "", set_cookie: str | None = None, policy: str = CONTENT_SECURITY_POLICY
) -> Send:
    """`send`, adding the headers every Saptah response carries (and a new CSRF cookie, if given): no sniffing,
    no referrer to other sites, a strict Content-Security-Policy, no framing, and HSTS in production."""

    policy = DOCS_POLICY if path in DOCS_PATHS else policy
    safe = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("content-security-policy", policy),
        ("x-frame-options", "DENY"),
    ]
    if hsts:
        safe.append(("strict-transport-security", HSTS))

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if set_cookie is not None:
                headers.append("set-cookie", set_cookie)
            for name, value in safe:
                if name not in headers:
                    headers.append(name, value)
        await send(message)

    return send_with_headers


class RequestContext:
    """Per request: the CSRF token (cookie set on first visit), the interface language and safe headers.

    A plain ASGI middleware, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs every
    request through an extra task and memory streams, which cost more CPU than a presence ping's own work.
    """

    def __init__(
        self, app: ASGIApp, *, secure_cookies: bool, hsts: bool, secret: str, policy: str = CONTENT_SECURITY_POLICY
    ) -> None:
        self.app = app
        self.policy = policy
        self.secret = secret
        self.secure_cookies = secure_cookies
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = HTTPConnection(scope).cookies
        csrf = cookies.get(CSRF_COOKIE)
        set_cookie = None
        if not csrf or not signed_by(self.secret, csrf):
            csrf = sign(self.secret, secrets.token_urlsafe(24))
            set_cookie = self._csrf_cookie(csrf)
        state = scope.setdefault("state", {})
        state["csrf_token"] = csrf
        state["lang"] = language_of(cookies.get(LANG_COOKIE))
        safe = _with_safe_headers(send, hsts=self.hsts, path=scope["path"], set_cookie=set_cookie, policy=self.policy)
        started = False

        async def send_once(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await safe(message)

        try:
            await self.app(scope, receive, send_once)
        except Exception as exc:
            # Answered (and logged) by the app's handler for it, and not raised on: Starlette's outermost
            # middleware would re-raise it to the server, which then drops the client's keep-alive connection.
            if started:
                raise
            await _handle_error(scope, receive, safe, exc)

    def _csrf_cookie(self, value: str) -> str:
        response = Response()
        response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax", secure=self.secure_cookies)
        return response.headers["set-cookie"]


async def _handle_error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer a lean route's error with the app's handler for it (as the routed requests are answered)."""
    handlers = scope["app"].exception_handlers
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None:
        raise exc
    response = await handler(Request(scope, receive), exc)
    await response(scope, receive, send)
