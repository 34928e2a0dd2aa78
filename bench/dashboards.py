"""Dashboard latency on the national-scale dataset, while credit ingest runs in another process.

    SAPTAH_DATABASE_URL=postgresql://postgres@127.0.0.1/nat .venv/bin/saptah demo --scale national --no-serve
    .venv/bin/python bench/dashboards.py --url postgresql://postgres@127.0.0.1/nat [--rounds 40] [--rate 1000]

Prints p50/p95 of: the national dashboard (every key figure and table), an MDO dashboard for the ministry
closest to 50,000 people (plus its people lists), the daily trend alone, and a 50,000-row export (CSV, XLSX);
and the rate the ingest process actually achieved meanwhile.

Exports alone, on a throwaway database built with just enough data (a campaign and N people in MoHFW's
subtree, none of whom has started), on PostgreSQL and SQLite:

    .venv/bin/python bench/dashboards.py --export-only 50000 [--pg-admin URL] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import timed
from sqlalchemy import create_engine, func, insert, select, text

from saptah.core.db import make_engine, make_sessionmaker, unit_of_work


def ingest_loop(url: str, rate: int, stop: Any, done: Any) -> None:
    """Credit `rate` course records a second through the campaign engine's ingest, in batches of rate/10."""
    from saptah.campaigns import ledger
    from saptah.campaigns.schemas import RecordIn
    from saptah.wiring import wire

    wire()
    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as s:
        people = [
            int(x) for x in s.execute(text("SELECT person_id FROM campaign_person_totals LIMIT 200000")).scalars()
        ]
        courses = [int(x) for x in s.execute(text("SELECT id FROM courses")).scalars()]
    rng = random.Random(9)
    start = datetime(2024, 10, 19, 6, 0, tzinfo=UTC)
    batch, n, t0 = max(1, rate // 10), 0, time.perf_counter()
    while not stop.is_set():
        recs = [
            RecordIn(
                source_key=f"bench:{time.time_ns()}:{i}",
                person_id=rng.choice(people),
                kind="course",
                occurred_at=start + timedelta(minutes=rng.randint(0, 9 * 24 * 60 - 1)),
                object_id=rng.choice(courses),
                minutes=rng.choice((30, 60, 90)),
                label="bench",
            )
            for i in range(batch)
        ]
        with unit_of_work(factory) as s:
            ledger.ingest(s, recs)
        n += batch
        ahead = n / rate - (time.perf_counter() - t0)
        if ahead > 0:
            time.sleep(ahead)
    done.value = n / (time.perf_counter() - t0)


def paced(factory: Any, fn: Callable[[Any], Any], every: float, seconds: float) -> tuple[float, float, int]:
    """p50 and p95 in ms of fn(session) called every `every` seconds for `seconds` seconds (readers arriving)."""
    out: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        with unit_of_work(factory) as s:
            fn(s)
        out.append((time.perf_counter() - t) * 1000)
        time.sleep(max(0.0, every - (time.perf_counter() - t)))
    out.sort()
    return statistics.median(out), out[max(0, int(len(out) * 0.95) - 1)], len(out)


def principals(factory: Any) -> tuple[Any, Any, Any, int]:
    """A national organiser, an MDO admin of the ministry closest to 50,000 people, and that ministry."""
    from saptah.analytics.national import CAMPAIGN
    from saptah.campaigns.models import Campaign, CampaignOrgSize
    from saptah.directory.models import Organisation, Role
    from saptah.directory.schemas import Principal, Scope

    with unit_of_work(factory) as s:
        camp = s.scalar(select(Campaign).where(Campaign.name == CAMPAIGN)) or s.scalar(select(Campaign))
        sizes = dict(
            s.execute(
                select(CampaignOrgSize.org_id, CampaignOrgSize.registered).where(CampaignOrgSize.campaign_id == camp.id)
            ).all()
        )
        orgs = s.execute(select(Organisation.id, Organisation.path, Organisation.type)).all()
        tops = [o for o in orgs if o.type in ("ministry", "state")]
        size = {t.id: sum(n for o in orgs if o.path.startswith(t.path) for n in [sizes.get(o.id, 0)]) for t in tops}
        best = min(tops, key=lambda t: abs(size[t.id] - 50_000))
        national = Principal(0, best.id, best.path, "bench organiser", (Scope(Role.NATIONAL_ORGANISER, None, None),))
        mdo = Principal(0, best.id, best.path, "bench admin", (Scope(Role.MDO_ADMIN, best.id, best.path),))
        people = s.scalar(select(func.count()).select_from(text("people"))) or 0
        print(
            f"dataset: {people:,} people, {len(orgs):,} organisations; campaign '{camp.name}' (id {camp.id}); "
            f"MDO: organisation {best.id} with {size[best.id]:,} registered"
        )
        return camp, national, mdo, best.id


def build_export_data(url: str, people: int) -> None:
    """Just enough for the people-list exports: reference organisations, `people` people spread over MoHFW's
    subtree (3 % Hindi names, a few cells that look like formulas), and a campaign nobody has started."""
    from saptah.campaigns import service as campaigns
    from saptah.campaigns.schemas import CampaignCreate
    from saptah.core.db import utcnow
    from saptah.core.migrate import upgrade
    from saptah.directory import service as directory
    from saptah.directory.models import Person

    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    rng = random.Random(5)
    groups = ["Group A", "Group B", "Group C", "Group C", "Group D", "Contractual Staff"]
    with unit_of_work(factory) as s:
        directory.load_reference_orgs(s)
        orgs = sorted(directory.repo.subtree_ids(s, directory.org_by_code(s, "MOHFW").path))
        now = utcnow()
        rows = [
            {
                "full_name": "राजेश कुमार" if rng.random() < 0.03 else f"Person {i:06d} Sharma",
                "email": f"p{i}@mohfw.gov.in",
                "group": rng.choice(groups),
                "designation": "=cmd|' /C calc'!A0" if i % 1000 == 0 else "Section Officer",
                "employee_id": f"E{i}",
                "org_id": rng.choice(orgs),
                "status": "active",
                "preferred_language": "en",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(people)
        ]
        for n in range(0, people, 10_000):
            s.execute(insert(Person), rows[n : n + 10_000])
    with unit_of_work(factory) as s:
        data = CampaignCreate(name="Export bench", starts_on=date(2024, 10, 19), ends_on=date(2024, 10, 27))
        campaigns.create(s, actor_id=None, data=data)


def export_only(url: str, people: int, rounds: int, label: str) -> None:
    """Build the export dataset at `url`, then time the 'not started' export as CSV and XLSX."""
    from saptah.analytics import exports, service
    from saptah.analytics.schemas import Filters

    t = time.perf_counter()
    build_export_data(url, people)
    print(f"{label}: built {people:,} people in {time.perf_counter() - t:.1f} s", flush=True)
    factory = make_sessionmaker(make_engine(url))
    camp, _national, admin, org_id = principals(factory)
    own = Filters(campaign=camp.id, org=org_id)
    for fmt in ("csv", "xlsx"):
        walls, cpus, body = [], [], b""
        for _ in range(rounds):
            load = os.getloadavg()[0]
            t, cpu = time.perf_counter(), time.process_time()
            with unit_of_work(factory) as s:
                body, _ = exports.render(s, service.resolve(s, admin, own), "not_started", fmt)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - cpu)
        rows = body.count(b"\n") - 1 if fmt == "csv" else people
        print(
            f"{label} export not_started {fmt}: {rows:,} rows, {len(body) / 1e6:.1f} MB; wall p50 "
            f"{statistics.median(walls):.2f} s, max {max(walls):.2f} s; app CPU p50 {statistics.median(cpus):.2f} s "
            f"(load average {load:.1f} on {os.cpu_count()} cores)",
            flush=True,
        )


def export_bench(people: int, rounds: int, pg_admin: str) -> None:
    """--export-only: PostgreSQL (a throwaway database) and SQLite (a temporary file)."""
    name = f"saptah_bench_exports_{uuid.uuid4().hex[:6]}"
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        export_only(pg_admin.rsplit("/", 1)[0] + f"/{name}", people, rounds, "PostgreSQL")
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    with tempfile.TemporaryDirectory() as tmp:
        export_only(f"sqlite:///{tmp}/exports.db", people, rounds, "SQLite")


def main() -> None:
    """Run the benchmark and print its figures."""
    from saptah.analytics import exports, mdo, service
    from saptah.analytics.schemas import Filters
    from saptah.wiring import wire

    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--max-age", type=int, default=30, help="SAPTAH_DASHBOARD_MAX_AGE of the shared readings")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between shared readings")
    ap.add_argument("--shared-seconds", type=float, default=90, help="how long readers keep arriving")
    ap.add_argument("--export-only", type=int, metavar="PEOPLE", help="time only the exports, on data built here")
    ap.add_argument("--pg-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    wire()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if args.export_only:
        export_bench(args.export_only, min(args.rounds, 3), args.pg_admin)
        return
    if not args.url:
        ap.error("--url is required (or --export-only)")
    factory = make_sessionmaker(make_engine(args.url))
    camp, national, admin, org_id = principals(factory)
    stop, done = mp.Event(), mp.Value("d", 0.0)
    proc = mp.Process(target=ingest_loop, args=(args.url, args.rate, stop, done))
    proc.start()
    time.sleep(3)
    nat = Filters(campaign=camp.id)
    own = Filters(campaign=camp.id, org=org_id)

    def national_dash(s: Any) -> Any:
        return service.dashboard(s, service.resolve(s, national, nat))

    def mdo_dash(s: Any) -> Any:
        scope = service.resolve(s, admin, own)
        return service.dashboard(s, scope), [mdo.people_table(s, scope, k) for k in mdo.LISTS]

    def trend(s: Any) -> Any:
        return service.trend(s, service.resolve(s, national, nat))

    rows = []
    for name, fn, rounds in (
        ("national dashboard", national_dash, args.rounds),
        ("MDO dashboard", mdo_dash, args.rounds),
        ("daily trend", trend, args.rounds),
    ):
        p50, p95, _ = timed(factory, fn, rounds)
        rows.append((name, p50, p95))
    # What readers get (pages and API): figures shared for up to --max-age seconds, refreshed behind them.
    # Readings arrive every --every seconds for --shared-seconds, so the run spans several refreshes.
    today = date.today()
    for name, fn in (
        (
            "national dashboard, shared",
            lambda s: service.shared_dashboard(s, service.resolve(s, national, nat), max_age=args.max_age),
        ),
        (
            "MDO dashboard, shared",
            lambda s: mdo.shared_page(s, service.resolve(s, admin, own), max_age=args.max_age, today=today),
        ),
    ):
        p50, p95, n = paced(factory, fn, args.every, args.shared_seconds)
        rows.append((f"{name} (max age {args.max_age} s, {n} readings)", p50, p95))
    for fmt in ("csv", "xlsx"):

        def export(s: Any, fmt: str = fmt) -> Any:
            body, _ = exports.render(s, service.resolve(s, admin, own), "not_started", fmt)
            return body

        p50, p95, body = timed(factory, export, 3)
        lines = body.count(b"\n") - 1 if fmt == "csv" else None
        rows.append((f"export not_started ({fmt}{f', {lines:,} rows' if lines else ''})", p50, p95))
    stop.set()
    proc.join()
    print(f"credit ingest meanwhile: {done.value:,.0f} records/s (target {args.rate:,})")
    print(f"{'what':62} {'p50 ms':>9} {'p95 ms':>9}")
    for name, p50, p95 in rows:
        print(f"{name:62} {p50:9.1f} {p95:9.1f}")


if __name__ == "__main__":
    main()
