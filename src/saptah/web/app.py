"""create_app(): the one FastAPI application serving pages, /api/v1 and /xapi."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from saptah import __version__
from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker
from saptah.domains import domain_modules
from saptah.web import assets, errors, pages, strict
from saptah.web.deps import CSRF_COOKIE
from saptah.web.templating import build_templates
from saptah.wiring import wire


def create_app(settings: Settings | None = None, *, factory: sessionmaker[Session] | None = None) -> FastAPI:
    """Build the app; tests pass their own session factory, bound to a rolled-back connection."""
    settings = settings or Settings()
    if factory is None:
        factory = make_sessionmaker(make_engine(settings.database_url))
    wire()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.run_worker_in_app:
            from saptah.jobs.tasks import start_in_thread

            worker = start_in_thread(factory, settings)
        yield
        if worker is not None:  # let the running pass finish before the server (and its engine) goes away
            thread, stop = worker
            stop.set()
            thread.join(timeout=30)

    app = FastAPI(
        title="Saptah",
        version=__version__,
        description="Civil-service learning campaigns: JSON API under /api/v1, xAPI under /xapi.",
        lifespan=lifespan,
        dependencies=[Depends(strict.strict_query_params)],
        docs_url="/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.sessionmaker = factory
    app.state.templates = build_templates()
    errors.install(app)
    app.middleware("http")(_request_context(settings))
    app.mount("/static", StaticFiles(directory=str(files("saptah.web") / "static")), name="static")
    app.include_router(assets.router)
    app.include_router(pages.router)
    for part in ("api", "pages"):
        for _domain, module in domain_modules(part):
            app.include_router(module.router)
    return app


def _request_context(
    settings: Settings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf_token = csrf
        request.state.lang = "hi" if request.cookies.get("saptah_lang") == "hi" else "en"
        response = await call_next(request)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax", secure=settings.secure_cookies)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return middleware
