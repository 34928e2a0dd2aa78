"""A live Saptah (demo data, embedded worker) on loopback, and a real headless Debian chromium."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker
from tests.conftest import free_port, new_database, once

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_template(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    built_once: dict[tuple[str, str], Any],
) -> str:
    """The demo (300 people) built once per backend; each live server starts from its own copy of it, so modules
    cannot see each other's changes and none waits for a build."""

    def make() -> tuple[str, Any]:
        from saptah import demo
        from saptah.core.migrate import upgrade
        from saptah.wiring import wire

        url, drop = new_database(backend, request, tmp_path_factory.mktemp("demo-template"))
        upgrade(url)
        wire()
        engine = make_engine(url)
        demo.build(make_sessionmaker(engine), people=300)
        engine.dispose()  # a PostgreSQL template must have no connections; SQLite folds its write-ahead log in on close
        return url, drop

    return str(once(built_once, "demo", backend, make))


@pytest.fixture(scope="module")
def live_server(
    backend: str, demo_template: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Saptah serving a fresh copy of the demo on a free port, on this backend's database (one per test module; a
    module may set `LIVE_SETTINGS`, a dict of settings, to serve with)."""
    import uvicorn

    from saptah.web.app import create_app
    from saptah.wiring import wire

    tmp = tmp_path_factory.mktemp(f"live-{backend}")
    url, drop = new_database(backend, request, tmp, template=demo_template)
    wire()
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    port = free_port()
    # a test module may add settings that depend on the server's address (e.g. an identity provider that must
    # know where to send the browser back): `live_settings(request, base_url, factory) -> dict`
    extra = getattr(request.module, "live_settings", None)
    overrides = extra(request, f"http://127.0.0.1:{port}", factory) if extra else {}
    settings = Settings(
        env="test",
        database_url=url,
        base_url=f"http://127.0.0.1:{port}",
        mail_dir=tmp / "mail",
        upload_dir=tmp / "uploads",
        run_worker_in_app=True,
        dashboard_max_age=0,  # figures computed on every read (tests/analytics/test_live.py shares them)
        **getattr(request.module, "LIVE_SETTINGS", {}),  # a test module's own settings (e.g. time rules)
        **overrides,
    )
    app = create_app(settings, factory=factory)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        pytest.fail("the live server did not start")
    yield {"url": base, "settings": settings, "factory": factory}
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    drop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail("Debian chromium is not installed; ./scripts/test installs it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page (phone-sized when a test asks)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def sign_in_as(page: Any, base: str, email: str, password: str = "saptah-demo-2024") -> None:
    """Sign in through the real form."""
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():  # the answer is the next page: the caller never acts on the sign-in page
        page.click("form[action='/sign-in'] button[type=submit]")  # not a single sign-on button above it
    page.wait_for_load_state("networkidle")


def spent_time_on_modules(live: dict[str, Any], email: str, course_title: str) -> None:
    """Record that the learner spent each module's declared minutes in the player (tests about what follows a
    course need not wait half an hour a module; tests/catalog/test_browser_time_on_task.py drives the real page)."""
    from sqlalchemy import select

    from saptah.catalog import repository as catalog
    from saptah.catalog.models import Course, ModuleProgress
    from saptah.catalog.time_on_task import declared_minutes
    from saptah.core.db import unit_of_work
    from saptah.directory.models import Person

    with unit_of_work(live["factory"]) as session:
        person = session.scalar(select(Person).where(Person.email == email))
        course = session.scalar(select(Course).where(Course.title_en == course_title))
        assert person is not None and course is not None
        modules = catalog.modules_of(session, course.id)
        rows = catalog.module_progress(session, person.id, course.id)
        for module, minutes in zip(modules, declared_minutes([m.minutes for m in modules], course.duration_minutes)):
            row = rows.get(module.id)
            if row is None:
                row = ModuleProgress(person_id=person.id, course_id=course.id, module_id=module.id, seconds_in_use=0)
                session.add(row)
            row.seconds_in_use = max(row.seconds_in_use or 0, minutes * 60)
