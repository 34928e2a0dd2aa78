"""Crash tests run real `saptah` processes against a database of their own (a file or a fresh PostgreSQL one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from saptah.core.db import make_sessionmaker, utcnow
from saptah.jobs.models import Job
from saptah.jobs.service import STALE_AFTER
from tests.conftest import create_pg_database, prepare_database

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrashDb:
    """A migrated database with the reference tree, the environment a `saptah` process needs, and helpers."""

    url: str
    env: dict[str, str]
    factory: sessionmaker[Session]
    tmp: Path

    def run(self, *args: str, sets: tuple[str, ...] = (), timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `saptah ARGS` to the end."""
        cmd = [sys.executable, "-m", "tests.crash.driver"]
        for s in sets:
            cmd += ["--set", s]
        cmd += ["--", *args]
        return subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)

    def kill_at(self, pause: str, *args: str, sets: tuple[str, ...] = (), timeout: float = 120) -> str:
        """Run `saptah ARGS` until the stop point, then SIGKILL it; returns what it printed."""
        cmd = [sys.executable, "-m", "tests.crash.driver"]
        for s in sets:
            cmd += ["--set", s]
        cmd += ["--pause", pause, "--", *args]
        proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            seen = []
            for line in proc.stdout:  # the stop point prints PAUSED and waits
                seen.append(line)
                if line.strip() == "PAUSED":
                    break
            else:
                proc.wait(timeout)
                raise AssertionError(
                    f"never reached {pause}: {''.join(seen)} {proc.stderr.read() if proc.stderr else ''}"
                )
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout) == -signal.SIGKILL
            return "".join(seen)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def age_running_jobs(self) -> None:
        """Let the dead process's jobs look as they will once their heartbeat is stale (no waiting in a test)."""
        with self.factory.begin() as s:
            s.execute(
                update(Job)
                .where(Job.status == "running")
                .values(heartbeat_at=utcnow() - STALE_AFTER - timedelta(seconds=1))
            )


@pytest.fixture
def crash_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[CrashDb]:
    """A database of the test's own, on the backend under test."""
    from saptah.wiring import wire

    wire()
    drop: Any = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.db'}"
    else:
        url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    engine = prepare_database(url)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "SAPTAH_DATABASE_URL": url,
        "SAPTAH_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SAPTAH_MAIL_DIR": str(tmp_path / "mail"),
        "SAPTAH_RUN_WORKER_IN_APP": "false",
        "COLUMNS": "200",
    }
    yield CrashDb(url, env, make_sessionmaker(engine), tmp_path)
    engine.dispose()
    if drop:
        drop()


def run_worker_until(crash_db: CrashDb, done: Any, timeout: float = 120) -> None:
    """Run `saptah worker` until done() is true (checked twice a second), then stop it as an operator would."""
    import time

    cmd = [sys.executable, "-m", "tests.crash.driver", "--", "worker"]
    proc = subprocess.Popen(cmd, env=crash_db.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else "the worker stopped"
            assert time.monotonic() < deadline, "the worker did not finish the work"
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
