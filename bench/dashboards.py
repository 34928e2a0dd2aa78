"""Dashboard latency on the national-scale dataset, while credit ingest runs in another process.

    SAPTAH_DATABASE_URL=postgresql://postgres@127.0.0.1/nat .venv/bin/saptah demo --scale national --no-serve
    .venv/bin/python bench/dashboards.py --url postgresql://postgres@127.0.0.1/nat [--rounds 40] [--rate 1000]

Prints p50/p95 of: the national dashboard (every key figure and table), an MDO dashboard for the ministry
closest to 50,000 people (plus its people lists), the daily trend alone, and a 50,000-row export (CSV, XLSX);
and the rate the ingest process actually achieved meanwhile.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from saptah.core.db import make_engine, make_sessionmaker, unit_of_work


def ingest_loop(url: str, rate: int, stop: Any, done: Any) -> None:
    """Credit `rate` course records a second through the campaign engine's ingest, in batches of rate/10."""
    from saptah.campaigns import service as campaigns
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
            campaigns.ingest(s, recs)
        n += batch
        ahead = n / rate - (time.perf_counter() - t0)
        if ahead > 0:
            time.sleep(ahead)
    done.value = n / (time.perf_counter() - t0)


def timed(factory: Any, fn: Callable[[Any], Any], rounds: int) -> tuple[float, float, Any]:
    """p50 and p95 in ms of fn(session), each call in its own transaction (as a request)."""
    out, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        with unit_of_work(factory) as s:
            result = fn(s)
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[max(0, int(len(out) * 0.95) - 1)], result


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


def main() -> None:
    """Run the benchmark and print its figures."""
    from saptah.analytics import exports, mdo, service
    from saptah.analytics.schemas import Filters
    from saptah.wiring import wire

    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--rate", type=int, default=1000)
    args = ap.parse_args()
    wire()
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
    print(f"{'what':45} {'p50 ms':>9} {'p95 ms':>9}")
    for name, p50, p95 in rows:
        print(f"{name:45} {p50:9.1f} {p95:9.1f}")


if __name__ == "__main__":
    main()
