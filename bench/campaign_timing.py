"""Time one full recompute, or 20,000 records of live ingest, on a database kept by `bench/campaign.py --keep`.

    PYTHONPATH=src .venv/bin/python bench/campaign_timing.py recompute postgresql+psycopg://.../saptah_bench_x LABEL
    PYTHONPATH=src .venv/bin/python bench/campaign_timing.py ingest postgresql+psycopg://.../saptah_bench_x LABEL

Every transaction is rolled back, so runs repeat on the same data and two versions of the code (another PYTHONPATH)
can be run alternately. Prints wall time and the CPU of the app process and of its PostgreSQL backend (`/proc`).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import date, timedelta

from sqlalchemy import text

from saptah.campaigns import ledger
from saptah.campaigns.schemas import RecordIn
from saptah.core.db import make_engine, make_sessionmaker
from saptah.core.timeutil import ist_start
from saptah.wiring import wire


def cpu(pid: int) -> float:
    """CPU seconds a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Run one timing and print it."""
    what, url, label = sys.argv[1:4]
    wire()
    factory = make_sessionmaker(make_engine(url, pool_size=1, max_overflow=0))
    with factory() as s:
        meta_sql = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        meta = json.loads(s.execute(text(meta_sql)).scalar())
        backend = s.execute(text("SELECT pg_backend_pid()")).scalar()
        s.rollback()
        t, c, d = time.perf_counter(), time.process_time(), cpu(backend)
        if what == "recompute":
            result = ledger.recompute(s, meta["campaign"])
            s.flush()
            s.rollback()
            wall, app, db = time.perf_counter() - t, time.process_time() - c, cpu(backend) - d
            print(f"{label}: recompute {wall:.1f} s (CPU app {app:.1f} s, PostgreSQL {db:.1f} s; "
                  f"load {os.getloadavg()[0]:.1f}) {result}")  # fmt: skip
            return
        rng, n = random.Random(7), 0
        days = [ist_start(date(2024, 10, 19) + timedelta(days=d)) for d in range(9)]
        for _ in range(40):
            batch = []
            for _ in range(500):
                p = meta["first"] + rng.randrange(meta["active"])
                at = days[rng.randrange(9)] + timedelta(minutes=rng.randrange(1440))
                batch.append(RecordIn(f"bench:{p}:t:{n}", p, "webinar", at, n % 24, rng.choice((30, 45, 60))))
                n += 1
            ledger.ingest(s, batch)
            s.flush()
            s.rollback()
        wall, app, db = time.perf_counter() - t, time.process_time() - c, cpu(backend) - d
        print(f"{label}: ingest {n / wall:,.0f} records/s ({n:,} in {wall:.1f} s; CPU per record: app "
              f"{app / n * 1e6:.0f} us, PostgreSQL {db / n * 1e6:.0f} us; load {os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
