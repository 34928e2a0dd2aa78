"""The ADL LRS conformance suite, xAPI 1.0.3 and 2.0, against a real `saptah serve` on a fresh demo database.

Marked `conformance`: it needs Node.js 18+ and npm (scripts/test installs them) and the suite, found at
$SAPTAH_CONFORMANCE_SUITE or ../shared/conformance/lrs-conformance-test-suite beside the repository. The suite is
copied to a temporary folder (never installed into where it lives); its npm dependencies are installed once into a
cache keyed by the suite's package manifests and the Node.js version, so later runs start at once. A run is about a
minute per database.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import create_pg_database, free_port

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]
SUITE_NAME = "lrs-conformance-test-suite"
FULL = {"1.0.3": 1365, "2.0.0": 1442}
# Tests of the suite that contradict the other version's suite (docs/lrs.md, "Conformance"): a request without
# X-Experience-API-Version cannot tell the LRS which version's rule to answer by, so one suite's three fail.
SUITE_CONFLICTS = {
    "2.0.0": {
        f'Should fail when Statement {method} without header "X-Experience-API-Version"'
        for method in ("GET", "POST", "PUT")
    }
}


def _suite_source() -> Path:
    candidates = [os.environ.get("SAPTAH_CONFORMANCE_SUITE", "")]
    candidates += [str(up / "shared" / "conformance" / SUITE_NAME) for up in ROOT.parents]
    for candidate in candidates:
        if candidate and (Path(candidate) / "package.json").is_file():
            return Path(candidate)
    pytest.fail(f"The conformance suite is not found: set SAPTAH_CONFORMANCE_SUITE to its {SUITE_NAME} folder.")


def _installed_suite(source: Path) -> Path:
    """A copy of the suite with its npm dependencies installed, cached under the system temp folder."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("Node.js and npm are needed (scripts/test installs them: apt-get install nodejs npm).")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    digest = hashlib.sha256(version.encode())
    for manifest in ("package.json", "package-lock.json"):  # the suite ships no lock file today
        if (source / manifest).is_file():
            digest.update((source / manifest).read_bytes())
    cache = Path(tempfile.gettempdir()) / f"saptah-conformance-{digest.hexdigest()[:16]}"
    if (cache / "node_modules").is_dir():
        return cache
    shutil.rmtree(cache, ignore_errors=True)  # what an interrupted run left
    staging = Path(tempfile.mkdtemp(prefix="saptah-conformance-install-"))
    shutil.copytree(source, staging / SUITE_NAME)
    subprocess.run(["chmod", "-R", "u+w", str(staging)], check=True)  # the shared copy is read-only
    subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund"], cwd=staging / SUITE_NAME, check=True, timeout=600
    )
    try:
        (staging / SUITE_NAME).rename(cache)
    except OSError:  # another run cached it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return cache


def _run_copy(installed: Path, where: Path) -> Path:
    """A copy of the suite to run in (it writes its logs beside itself), sharing the cached node_modules."""
    target = where / SUITE_NAME
    shutil.copytree(installed, target, ignore=shutil.ignore_patterns("node_modules", "logs"), symlinks=True)
    (target / "node_modules").symlink_to(installed / "node_modules")
    return target


def _saptah(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from saptah.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, **kwargs)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conformance.db'}"
        return
    url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    yield url
    drop()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """`saptah demo --no-serve` into the database, a client from `saptah lrs-client create`, then `saptah serve`
    on a free port: (endpoint, key, secret)."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "SAPTAH_DATABASE_URL": database_url,
        "SAPTAH_BASE_URL": f"http://127.0.0.1:{port}",
        "SAPTAH_MAIL_DIR": str(tmp_path / "mail"),
        "SAPTAH_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    _saptah(["demo", "--no-serve", "--people", "20"], env, timeout=600)
    created = _saptah(["lrs-client", "create", "Conformance suite", "--scopes", "all"], env, timeout=120).stdout
    key = re.search(r"Key:\s+(\S+)", created)
    secret = re.search(r"Secret:\s+(\S+)", created)
    assert key and secret, created
    log = (tmp_path / "serve.log").open("w")
    command = [sys.executable, "-c", "from saptah.cli import main; main()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/xapi/about", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("saptah serve did not start:\n" + (tmp_path / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/xapi", key.group(1), secret.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _failures(node: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    """(where, test title, error) of every failed test in the suite's log tree."""
    children = node.get("tests") or []
    for child in children:
        yield from _failures(child, (*path, node.get("title", "")))
    if node.get("status") == "failed" and not children:
        yield " > ".join(p for p in path if p), node.get("title", ""), str(node.get("error", ""))[:500]


def run_suite(suite: Path, endpoint: str, key: str, secret: str, version: str) -> dict[str, Any]:
    """Run one version of the suite; returns its JSON log."""
    logs = suite / "logs"
    before = set(logs.glob("*.log")) if logs.is_dir() else set()
    command = ["node", "bin/console_runner.js", "-e", endpoint, "-a", "-u", key, "-p", secret, "-x", version, "-z"]
    result: dict[str, Any] = {}
    for _attempt in range(2):
        # seen under heavy load (a national dataset building beside the suite): the runner printed its version and
        # stopped with no log, or wrote a log without a summary (no test ran); it is run again once
        done = subprocess.run(command, cwd=suite, capture_output=True, text=True, timeout=900)
        written = sorted(set(logs.glob("*.log")) - before) if logs.is_dir() else []
        before |= set(written)
        result = json.loads(written[-1].read_text()) if written else {}
        if (result.get("summary") or {}).get("total") is not None:
            return result
    raise AssertionError(
        f"the suite ran no test (log: {result!r:.2000}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )


def test_the_adl_conformance_suite_passes_for_xapi_1_0_3_and_2_0(server: tuple[str, str, str], tmp_path: Path) -> None:
    suite = _run_copy(_installed_suite(_suite_source()), tmp_path)
    problems = []
    for version, total in FULL.items():
        result = run_suite(suite, *server, version)
        summary = result["summary"]
        failed = list(_failures(result.get("log") or {}))
        unexpected = [f for f in failed if f[1] not in SUITE_CONFLICTS.get(version, set())]
        print(f"xAPI {version}: {summary['passed']} of {summary['total']} passed")
        for where, title, error in failed:
            known = "" if (where, title, error) in unexpected else " (a conflict of the suite, docs/lrs.md)"
            print(f"  FAILED{known}: {where} > {title}\n    {error}")
        if summary["total"] != total or summary["passed"] + len(failed) != total or unexpected:
            problems.append(f"xAPI {version}: {summary['passed']}/{summary['total']}, {len(unexpected)} unexpected")
    assert not problems, "; ".join(problems)
