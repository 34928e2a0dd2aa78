"""`saptah serve` believes X-Forwarded-For only from SAPTAH_TRUSTED_PROXIES (issue 15, defect 12): otherwise any
local client could pose as many addresses and dodge the per-address sign-in limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import create_pg_database, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(backend, request, tmp_path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'serve.db'}"
        return
    url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    yield url
    drop()


def serve(database: str, tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "SAPTAH_ENV": "test",
        "SAPTAH_DATABASE_URL": database,
        "SAPTAH_RUN_WORKER_IN_APP": "false",
        "SAPTAH_LOGIN_MAX_FAILURES_ADDRESS": "3",
        "SAPTAH_MAIL_DIR": str(tmp_path / "mail"),
        "SAPTAH_UPLOAD_DIR": str(tmp_path / "up"),
        **env,
    }
    code = "from saptah.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=environ, stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240  # a fresh database is migrated first
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("saptah serve did not start: " + (tmp_path / "serve.log").read_text()[-2000:])


def failed_sign_ins(base: str, forwarded_for: list[str]) -> list[int]:
    statuses = []
    with httpx.Client(base_url=base) as client:
        client.get("/sign-in")
        token = client.cookies["saptah_csrf"]
        for n, address in enumerate(forwarded_for):
            r = client.post(
                "/sign-in",
                data={"email": f"nobody{n}@example.gov.in", "password": "wrong-password", "csrf_token": token},
                headers={"X-Forwarded-For": address},
            )
            statuses.append(r.status_code)
    return statuses


def test_a_local_client_cannot_pose_as_other_addresses(database, tmp_path):
    proc, base = serve(database, tmp_path)
    try:
        statuses = failed_sign_ins(base, [f"203.0.113.{n}" for n in range(1, 6)])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert statuses == [401, 401, 401, 429, 429]  # all from 127.0.0.1, whatever they claim


def test_a_configured_proxy_is_believed(database, tmp_path):
    proc, base = serve(database, tmp_path, SAPTAH_TRUSTED_PROXIES="127.0.0.1")
    try:
        different = failed_sign_ins(base, [f"198.51.100.{n}" for n in range(1, 6)])
        same = failed_sign_ins(base, ["192.0.2.7"] * 5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert different == [401] * 5  # five people behind the proxy
    assert same == [401, 401, 401, 429, 429]
