"""What the benchmarks share: a throwaway SQLite file and PostgreSQL database, dropped afterwards; timing calls."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import create_engine, text


def timed(factory: Any, fn: Callable[[Any], Any], rounds: int) -> tuple[float, float, Any]:
    """p50 and p95 in ms of fn(session), each call in its own transaction (as a request), and the last result."""
    from saptah.core.db import unit_of_work

    out, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        with unit_of_work(factory) as s:
            result = fn(s)
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[max(0, int(len(out) * 0.95) - 1)], result


@contextmanager
def throwaway_databases(pg_admin_url: str) -> Iterator[list[tuple[str, str]]]:
    """[("sqlite", url), ("postgresql", url)]: a new SQLite file and a new PostgreSQL database on the server of
    `pg_admin_url`, which is dropped when the block ends (even when it fails)."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/b.db"), ("postgresql", pg_url)]
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# A production-like PostgreSQL for national-scale benches (docs/performance.md says why each setting). The machine's
# own server keeps its defaults: CI uses it.
PRODUCTION_SETTINGS = {
    "shared_buffers": "4GB",  # the hot indexes of 4.6 M people fit; the default 128 MB does not
    "effective_cache_size": "12GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",  # no checkpoint storms during bulk COPY
    "checkpoint_timeout": "30min",
    "synchronous_commit": "on",  # the default, kept: a commit's WAL flush costs ~0.2 ms on this disk
    "max_connections": "50",
}


@contextmanager
def own_cluster(data_dir: str, port: int = 5499, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A PostgreSQL server of the bench's own in `data_dir` (created by initdb when empty), started on `port` with
    `settings` (default PRODUCTION_SETTINGS) and stopped when the block ends; yields its admin URL. The directory
    is left in place, so a later run can reuse what was built in it; remove it when done."""
    import glob
    import os
    import subprocess

    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if not os.path.exists(os.path.join(data_dir, "PG_VERSION")):
        os.makedirs(data_dir, exist_ok=True)
        if as_postgres:
            subprocess.run(["chown", "postgres:postgres", data_dir], check=True)
        subprocess.run(
            [*as_postgres, f"{bindir}/initdb", "-D", data_dir, "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = " ".join(f"-c {k}={v}" for k, v in (settings or PRODUCTION_SETTINGS).items())
    log = os.path.join(data_dir, "bench.log")
    ctl = [*as_postgres, f"{bindir}/pg_ctl", "-D", data_dir, "-w", "-l", log]
    subprocess.run([*ctl, "-o", f"-p {port} -k /tmp -h 127.0.0.1 {options}", "start"], check=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "fast", "stop"], check=True)


def main() -> None:
    """`python bench/common.py own-cluster DIR [--port N]`: keep a bench PostgreSQL (PRODUCTION_SETTINGS, autovacuum
    on as by default) running until interrupted, for benchmarks that measure a separately started server."""
    import argparse
    import signal

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("command", choices=("own-cluster",))
    ap.add_argument("data_dir")
    ap.add_argument("--port", type=int, default=5499)
    args = ap.parse_args()
    with own_cluster(args.data_dir, args.port) as url:
        print(f"running: {url} (stop with Ctrl-C or SIGTERM)", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
