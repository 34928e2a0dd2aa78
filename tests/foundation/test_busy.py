"""Overload is answered with 503 and Retry-After, not with a 500 'bug' page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker
from saptah.core.migrate import upgrade
from saptah.web.app import create_app


def _app_with_one_connection(tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    # no in-app worker: on a loaded machine its passes would race the requests for the one connection
    settings = Settings(
        env="test", database_url=url, mail_dir=tmp_path / "mail", upload_dir=tmp_path / "up", run_worker_in_app=False
    )
    return engine, create_app(settings, factory=make_sessionmaker(engine))


def test_exhausted_pool_answers_503_with_retry_after(tmp_path):
    engine, app = _app_with_one_connection(tmp_path)
    held = engine.connect()  # the only connection in the pool is taken
    try:
        with TestClient(app) as client:
            api = client.get("/healthz")
            assert api.status_code == 503
            assert api.headers["retry-after"] == "5"
            assert api.json()["error"]["code"] == "busy"
            page = client.get("/verify/NO-SUCH-CODE")
            assert page.status_code == 503
            assert "very busy" in page.text
    finally:
        held.close()
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    engine.dispose()


def test_sqlite_write_lock_held_elsewhere_answers_503(tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    upgrade(url)
    engine = make_engine(url, sqlite_busy_seconds=0.2)
    settings = Settings(env="test", database_url=url, mail_dir=tmp_path / "mail", upload_dir=tmp_path / "up")
    app = create_app(settings, factory=make_sessionmaker(engine))
    blocker = make_engine(url)
    with blocker.begin() as conn:  # BEGIN IMMEDIATE: holds the write lock
        with TestClient(app) as client:
            r = client.get("/healthz")
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "busy"
        conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    blocker.dispose()
