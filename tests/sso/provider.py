"""A real OpenID Connect provider (the npm package oidc-provider) started on loopback for a test module."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "sso" / "oidc_provider.mjs"
CLIENT_ID = "saptah-test"
CLIENT_SECRET = "a-test-client-secret-for-saptah-0123456789"
NAME = "parichay"
LABEL = "Parichay (test)"


class RunningProvider:
    """The node process and what Saptah needs to know about it."""

    def __init__(self, process: subprocess.Popen[str], issuer: str, log: Path) -> None:
        self.process = process
        self.issuer = issuer
        self.log = log

    def stop(self) -> None:
        """End the process this harness started."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(tmp: Path, *, base_url: str, accounts: dict[str, dict[str, Any]]) -> RunningProvider:
    """Start oidc-provider with one client (Saptah at base_url) and these accounts; wait until it answers."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("node and node_modules/oidc-provider are needed: ./scripts/test installs them (npm ci)")
    port = free_port()
    config = {
        "port": port,
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{base_url}/sign-in/sso/{NAME}/callback"],
                "post_logout_redirect_uris": [f"{base_url}/sign-in"],
            }
        ],
        "accounts": accounts,
    }
    path = tmp / "provider.json"
    path.write_text(json.dumps(config))
    log = tmp / "provider.log"
    process = subprocess.Popen(
        [node, str(SCRIPT), str(path)], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if "ready " in log.read_text():
            return RunningProvider(process, f"http://127.0.0.1:{port}", log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"oidc-provider did not start: {log.read_text()[-2000:]}")


def provider_settings(issuer: str, **extra: Any) -> dict[str, Any]:
    """Saptah's setting for the running provider (the claims mapped as Parichay's would be)."""
    return {
        "name": NAME,
        "label": LABEL,
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid email profile phone saptah",
        "claims": {"employee_id": "employee_id", "org_code": "org_code"},
        **extra,
    }
