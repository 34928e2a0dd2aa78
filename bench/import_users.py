"""Bulk onboarding end to end: generate a realistic staff list, import it, print rows per second.

    .venv/bin/python bench/import_users.py --rows 1000000            # PostgreSQL and SQLite
    .venv/bin/python bench/import_users.py --rows 200000 --no-sqlite
    .venv/bin/python bench/import_users.py --rows 1000000 --no-sqlite --pg-name saptah_honour_bench

End to end means what a web upload costs, through the same path: an MDO admin signs in and posts the file to
/onboarding (the multipart body streamed to disk), then the worker's `run_one` runs the queued jobs until none is
left. The import job recognises the file and checks its header, counts the rows,
parse and validate every row, look up existing people, write the new ones (COPY on PostgreSQL,
executemany on SQLite), store per-row outcomes chunk by chunk, and write the result CSV; then the welcome
job that follows it: PersonOnboarded for each new person and a set-password link queued in the outbox.
The raw COPY figure streams the same, already clean rows into an empty copy of the people table
through psycopg COPY, which is the floor any importer on this database has to pay.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from saptah.core.migrate import upgrade
from saptah.directory import service as directory
from saptah.directory.onboarding.repository import INSERT_COLUMNS
from saptah.directory.onboarding.rules import IGOT_TEMPLATE
from saptah.directory.tasks import names
from saptah.wiring import wire

SUMMARY_KEYS = ("total", "created", "updated", "unchanged", "failed")
GROUPS = ["Group A", "group b", "Group C", "GROUP C", "Group D", "Contractual Staff", "Others"]


def generate(path: Path, rows: int, seed: int = 7) -> list[dict[str, Any]]:
    """Write an iGOT-template CSV as MDO staff send it; returns the clean rows for the raw COPY."""
    rng = random.Random(seed)
    n = names()
    clean: list[dict[str, Any]] = []
    now = utcnow()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(IGOT_TEMPLATE)
        for i in range(rows):
            hindi = rng.random() < 0.03
            first, last = rng.choice(n["first_names_male"]), rng.choice(n["surnames"])
            name = rng.choice(n["hindi_names"]) if hindi else f"{first} {last}"
            email = f"{first}.{last}.{i}@mohfw.gov.in".lower().replace(" ", "")
            digits = str(rng.randint(6000000000, 9999999999))
            mobile = rng.choice([digits, f"+91 {digits[:5]} {digits[5:]}", "0" + digits])
            group = rng.choice(GROUPS)
            born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 13000))
            tags = "|".join(rng.sample(n["tags"], k=rng.choice((0, 1, 2))))
            designation = rng.choice(n["designations"]["Group C"])
            bad = rng.random() < 0.005
            writer.writerow(
                [
                    name,
                    "broken-address" if bad else email,
                    mobile,
                    group,
                    designation,
                    rng.choice(["Male", "Female"]),
                    rng.choice(["General", "OBC", "SC", "ST", "EWS"]),
                    born.strftime("%d-%m-%Y"),
                    rng.choice(n["mother_tongues"]),
                    f"MOH{100000 + i}",
                    str(rng.randint(110001, 855117)),
                    f"HR-{i}",
                    "eHRMS",
                    tags,
                ]
            )
            clean.append(
                {
                    "full_name": name,
                    "email": email,
                    "mobile": digits,
                    "group": "Group C",
                    "designation": designation,
                    "dob": born,
                    "employee_id": f"MOH{100000 + i}",
                    "external_system_id": f"HR-{i}",
                    "tags": tags or None,
                    "preferred_language": "en",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return clean


def fresh_database(kind: str, pg_admin: str, folder: Path, pg_name: str | None = None) -> tuple[str, Any]:
    """A migrated database with the reference organisations; returns its URL and a cleanup function."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        drop = None
    else:
        url, drop = _pg_database(pg_admin, pg_name)
    upgrade(url)
    with unit_of_work(make_sessionmaker(make_engine(url))) as session:
        directory.load_reference_orgs(session)
    return url, drop


def _pg_database(admin_url: str, name: str | None) -> tuple[str, Any]:
    """Create the bench's own database (a fresh name unless given; never an existing one) and its dropper."""
    name = name or f"saptah_bench_{uuid.uuid4().hex[:8]}"
    if not name.replace("_", "").isalnum() or name == "saptah_national":
        raise SystemExit(f"refusing to use database {name!r}: give a new name of letters, digits and underscores")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            raise SystemExit(f"database {name} already exists; the bench creates and drops its own")
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def run_import(url: str, source: Path, folder: Path) -> tuple[float, float, dict[str, Any]]:
    """Time one end-to-end import through the web upload path and its welcome links: wall seconds, this process's
    CPU seconds (app and worker), summary (with the import's and the welcome job's own seconds).

    An MDO admin of MOHFW signs in, posts the file to /onboarding (streamed to disk by the multipart parser, header
    checked, the import queued) and the worker's `run_one` then runs the queued jobs until none is left: the import
    and the welcome job it queues, as `saptah worker` would."""
    from fastapi.testclient import TestClient

    from saptah.directory.models import Role
    from saptah.jobs import service as jobs
    from saptah.web.app import create_app

    settings = Settings(
        database_url=url,
        upload_dir=folder / "uploads",
        mail_dir=folder / "mail",
        max_upload_mb=1000,
        run_worker_in_app=False,
    )
    factory = make_sessionmaker(make_engine(url))
    password = "bench-admin-password-2024"
    with unit_of_work(factory) as session:
        org = directory.org_by_code(session, "MOHFW")
        admin = directory.create_person(
            session, full_name="Bench Admin", email="bench.admin@mohfw.gov.in", org=org, password=password
        )
        directory.grant_role(session, actor=None, person=admin, role=Role.MDO_ADMIN, org=org)
    app = create_app(settings, factory=factory)
    with TestClient(app, base_url="http://testserver") as client:
        client.get("/sign-in")
        token = client.cookies.get("saptah_csrf")
        signed = client.post(
            "/sign-in",
            data={"email": "bench.admin@mohfw.gov.in", "password": password, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text[:300]
        started, cpu = time.perf_counter(), time.process_time()
        with source.open("rb") as fh:
            posted = client.post(
                "/onboarding",
                data={"csrf_token": token, "org": "MOHFW", "mode": "create", "action": "import"},
                files={"file": (source.name, fh, "text/csv")},
                follow_redirects=False,
            )
        assert posted.status_code == 303, posted.text[:500]
        received = time.perf_counter()
        timings: list[float] = []
        while jobs.run_one(factory, settings):
            timings.append(time.perf_counter())
        ended = time.perf_counter()
        cpu_used = time.process_time() - cpu
    with unit_of_work(factory) as session:
        rows = session.execute(text("SELECT kind, status, result FROM jobs ORDER BY id")).all()
        welcomed = session.scalar(text("SELECT count(*) FROM outbox"))
    result: dict[str, Any] = {"jobs": [(r.kind, r.status) for r in rows], "welcomed": welcomed}
    for r in rows:
        summary = json.loads(r.result) if isinstance(r.result, str) else r.result
        if isinstance(summary, dict):
            result.update({k: v for k, v in summary.items() if k in SUMMARY_KEYS})
    result["upload_s"] = round(received - started, 1)
    result["import_s"] = round((timings[0] if timings else ended) - received, 1)
    result["welcome_s"] = round(ended - (timings[0] if timings else ended), 1)
    return ended - started, cpu_used, result


def raw_copy(url: str, clean: list[dict[str, Any]], org_id: int) -> float:
    """Seconds to COPY the same clean rows into an empty copy of the people table (indexes included)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people_copy (LIKE people INCLUDING ALL)"))
    cols = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
    started = time.perf_counter()
    with engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY people_copy ({cols}) FROM STDIN") as cp:
            for row in clean:
                cp.write_row([org_id if c == "org_id" else row.get(c) for c in INSERT_COLUMNS])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    """Generate, import on each database, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=None, help="rows for SQLite (default: --rows)")
    parser.add_argument("--pg-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-name", default=None, help="name of the PostgreSQL database to create and drop")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    wire()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "staff.csv"
        t0 = time.perf_counter()
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"{when}: load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        clean = generate(source, args.rows)
        print(
            f"generated {args.rows:,} rows ({source.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        if not args.no_pg:
            url, drop = fresh_database("postgresql", args.pg_admin, folder, args.pg_name)
            try:
                seconds, cpu, result = run_import(url, source, folder)
                rate = args.rows / seconds
                print(
                    f"PostgreSQL end to end: {seconds:.1f} s, {rate:,.0f} rows/s (app CPU {cpu:.1f} s), {result}; "
                    f"load average after: {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                with unit_of_work(make_sessionmaker(make_engine(url))) as session:
                    org_id = directory.org_by_code(session, "MOHFW").id
                copy_s = raw_copy(url, clean, org_id)
                copy_rate = len(clean) / copy_s
                print(
                    f"PostgreSQL raw COPY of the same rows: {copy_s:.1f} s, {copy_rate:,.0f} rows/s; "
                    f"load average after: {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                print(f"ratio end-to-end / raw COPY: {rate / copy_rate:.2f}")
            finally:
                if drop:
                    drop()
        if not args.no_sqlite:
            sqlite_rows = args.sqlite_rows or args.rows
            if sqlite_rows != args.rows:
                source = folder / "staff-sqlite.csv"
                generate(source, sqlite_rows)
            sub = folder / "sqlite"
            sub.mkdir()
            url, _ = fresh_database("sqlite", args.pg_admin, sub)
            seconds, cpu, result = run_import(url, source, sub)
            print(
                f"SQLite end to end: {seconds:.1f} s, {sqlite_rows / seconds:,.0f} rows/s (CPU {cpu:.1f} s), {result}; "
                f"load average after: {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
