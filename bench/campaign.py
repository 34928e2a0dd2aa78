"""Campaign engine at NLW-2024 shape on PostgreSQL: bulk build, recompute, live ingest rate, board p95 under ingest.

    .venv/bin/python bench/campaign.py --scale 0.02      # 2 % of NLW 2024; --scale 1 is the full 4.6 M people
    .venv/bin/python bench/campaign.py --scale 1 --own-cluster /tmp/saptah-pg --keep  # build once, keep it
    .venv/bin/python bench/campaign.py --own-cluster /tmp/saptah-pg --reuse saptah_bench_ab12cd --keep  # measure again

Prints its figures. The bulk path writes raw records with COPY and builds ledger and aggregates with the same
`recompute` the CLI uses; the script checks that recompute after live ingest gives identical aggregates.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

from common import own_cluster
from sqlalchemy import create_engine, func, select, text

from saptah.campaigns import ledger, service
from saptah.campaigns import repository as repo
from saptah.campaigns.models import CampaignPersonTotal
from saptah.campaigns.schemas import CampaignCreate, RecordIn, RulesChangeIn
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
from saptah.core.migrate import upgrade
from saptah.core.timeutil import ist_start
from saptah.directory.service import load_reference_orgs
from saptah.wiring import wire

PEOPLE, ACTIVE, COMPLETIONS = 4_600_000, 740_000, 3_260_000
START = date(2024, 10, 19)


COURSES = 1428
DURATIONS = (30, 45, 60, 70, 90, 120)


def course_of(n: int) -> tuple[int, str, bool]:
    """Course n's duration, title and whether it builds a competency (about 97 % do)."""
    return DURATIONS[n % len(DURATIONS)], f"Bench course {n}", n % 33 != 0


def build(url: str, scale: float, rng: random.Random) -> tuple[int, int]:
    """People, courses, their completions (the original activity) and the campaign engine's course records as live
    ingest stores them, all written with COPY (the fast path)."""
    people, active, completions = int(PEOPLE * scale), int(ACTIVE * scale), int(COMPLETIONS * scale)
    engine = make_engine(url)
    with engine.begin() as conn:
        orgs = [r[0] for r in conn.execute(text("SELECT id FROM organisations WHERE depth >= 1"))]
        raw = conn.connection.dbapi_connection
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY people (full_name, email, org_id, status, preferred_language, created_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            for i in range(people):
                copy.write_row(
                    (f"Person {i}", f"p{i}@bench.gov.in", rng.choice(orgs), "active", "en", "now()", "now()")
                )
        first = conn.execute(text("SELECT min(id) FROM people WHERE email LIKE '%@bench.gov.in'")).scalar()
        comp = conn.execute(
            text("INSERT INTO competencies (code, area, theme, active) VALUES ('BENCH', 'domain', 'Bench', true) "
                 "RETURNING id")
        ).scalar()  # fmt: skip
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY courses (id, code, title_en, provider_org_id, duration_minutes, category, languages, status,"
                " launch_kind, activity_id, created_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            for n in range(1, COURSES + 1):
                minutes, title, _ = course_of(n)
                url_ = f"https://bench.example.org/course/{n}"
                copy.write_row((n, f"BENCH-{n}", title, orgs[0], minutes, "course", "en", "live", "external", url_,
                                "now()", "now()"))  # fmt: skip
        with raw.cursor() as cur, cur.copy("COPY course_competencies (course_id, competency_id) FROM STDIN") as copy:
            for n in range(1, COURSES + 1):
                if course_of(n)[2]:
                    copy.write_row((n, comp))
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('courses', 'id'), {COURSES})"))
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < completions:
            pairs.add((first + rng.randrange(active), rng.randrange(1, COURSES + 1)))
        done = []
        for pid, course in sorted(pairs):
            at = ist_start(START + timedelta(days=rng.randrange(9))) + timedelta(minutes=rng.randrange(1440))
            done.append((pid, course, at))
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY course_completions (person_id, course_id, completed_at, source, assessment_passed, recorded_at)"
                " FROM STDIN"
            ) as copy,
        ):
            for pid, course, at in done:
                copy.write_row((pid, course, at, "bulk", False, "now()"))
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY campaign_records (source_key, person_id, kind, object_id, occurred_at, minutes, karma,"
                " competency_linked, attended, label, received_at) FROM STDIN"
            ) as copy,
        ):
            for pid, course, at in done:
                minutes, title, linked = course_of(course)
                copy.write_row((f"course:{pid}:{course}", pid, "course", course, at, minutes, 0, linked, True, title,
                                "now()"))  # fmt: skip
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return first, active


def fingerprint(session, campaign_id: int) -> tuple:
    """Aggregates that must be identical however they were built."""
    c = CampaignPersonTotal
    people = session.execute(
        select(func.count(), func.sum(c.total_minutes), func.count(c.reached_target_at), func.sum(c.score)).where(
            c.campaign_id == campaign_id
        )
    ).one()
    days = sum(d.minutes + d.active_people + d.reached_people for d in repo.org_days_of(session, campaign_id))
    return tuple(people), days, sum(repo.score_counts_of(session, campaign_id).values())


def load() -> str:
    """The machine's load average (1, 5, 15 min): the figures depend on what else runs on it."""
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


DAYS = [ist_start(START + timedelta(days=d)) for d in range(9)]
RUN = uuid.uuid4().hex[:6]  # in live source keys, so a run on a reused database credits new sources too


def live_batch(rng: random.Random, first: int, active: int, n0: int, size: int = 500) -> list[RecordIn]:
    """Webinar attendance of random active people inside the window (new sources, so every record credits)."""
    batch = []
    for n in range(n0, n0 + size):
        pid = first + rng.randrange(active)
        at = DAYS[rng.randrange(9)] + timedelta(minutes=rng.randrange(1440))
        batch.append(
            RecordIn(
                source_key=f"bench:{pid}:{RUN}:{n}",  # a kind with no source of its own: the record is its source
                person_id=pid,
                kind="webinar",
                object_id=n % 24,
                occurred_at=at,
                minutes=rng.choice((30, 45, 60)),
            )
        )
    return batch


def backend_cpu(factory) -> tuple[int, float]:
    """The PostgreSQL backend behind a one-connection factory, and the CPU seconds it has used so far."""
    with factory() as s:
        pid = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return pid, cpu_of(pid)


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a local process (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingest(factory, rng: random.Random, first: int, active: int, n0: int, count: int) -> tuple[float, float, float]:
    """Ingest `count` records in batches of 500, one transaction each; returns wall, app CPU and database CPU s."""
    pid, db0 = backend_cpu(factory)
    t0, cpu0 = time.perf_counter(), time.process_time()
    for n in range(n0, n0 + count, 500):
        batch = live_batch(rng, first, active, n, min(500, n0 + count - n))
        with unit_of_work(factory) as s:
            ledger.ingest(s, batch)
    return time.perf_counter() - t0, time.process_time() - cpu0, cpu_of(pid) - db0


def rate(count: int, wall: float, app: float, db: float) -> str:
    """Records/s with where the time went."""
    return (
        f"{count / wall:,.0f} records/s ({count:,} in {wall:.1f} s; CPU per record: app {app / count * 1e6:.0f} us,"
        f" PostgreSQL {db / count * 1e6:.0f} us; {load()})"
    )


def recompute(factory, cid: int, profile: str | None) -> tuple[str, dict]:
    """A full recompute in one transaction; returns its wall and CPU times, and its counts."""
    pid, db0 = backend_cpu(factory)
    t, cpu0 = time.perf_counter(), time.process_time()
    with unit_of_work(factory) as s:
        if profile:
            import cProfile

            prof = cProfile.Profile()
            result = prof.runcall(ledger.recompute, s, cid)
            prof.dump_stats(profile + ".recompute")
        else:
            result = ledger.recompute(s, cid)
    wall, app, db = time.perf_counter() - t, time.process_time() - cpu0, cpu_of(pid) - db0
    return f"{wall:.1f} s (CPU: app {app:.1f} s, PostgreSQL {db:.1f} s; {load()})", result


def read_boards(url: str, cid: int, first: int, active: int, stop, out) -> None:
    """Another process (as another app process would be): board pages back to back until told to stop."""
    rng = random.Random(7)
    factory = make_sessionmaker(make_engine(url, pool_size=1))
    latencies = []
    while not stop.is_set():
        pid = first + rng.randrange(active)
        t = time.perf_counter()
        with factory() as s:
            service.board_top(s, cid, "n", 20)
            service.board_around(s, cid, "n", pid)
        latencies.append((time.perf_counter() - t) * 1000)
    out.put(latencies)


def sample_lock_waits(factory, done, workers: int) -> str:
    """Every 10 ms until the workers report: how often an ingest backend was waiting for a lock (serialisation)."""
    samples = waiting = 0
    with factory() as s:
        while done.qsize() < workers:
            row = s.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity"
                    " WHERE application_name = 'bench-ingest' AND state = 'active'"
                )
            ).one()
            if row[1] and os.environ.get("BENCH_LOCKS"):
                for r in s.execute(
                    text(
                        "SELECT a.wait_event, left(a.query, 90), left(b.query, 90) FROM pg_stat_activity a"
                        " JOIN pg_stat_activity b ON b.pid = ANY(pg_blocking_pids(a.pid))"
                        " WHERE a.application_name = 'bench-ingest' AND a.wait_event_type = 'Lock'"
                    )
                ):
                    print(*r, sep=" | ")
            s.rollback()
            samples, waiting = samples + row[0], waiting + row[1]
            time.sleep(0.01)
    return f"{waiting / max(samples, 1):.0%} of {samples:,} samples of active backends"


def ingest_worker(url: str, seed: int, first: int, active: int, n0: int, count: int, go, out) -> None:
    """One of several ingest processes (as `saptah worker` or app processes would be); timed from `go`."""
    wire()
    one = make_sessionmaker(make_engine(url, pool_size=1, max_overflow=0))
    with one() as s:
        s.execute(text("SET application_name = 'bench-ingest'"))  # what sample_lock_waits watches
        s.commit()
    rng = random.Random(seed)
    ingest(one, rng, first, active, n0, 200)  # warm up: imports, statement caches
    out.put("ready")
    go.wait()
    out.put(ingest(one, rng, first, active, n0 + 200, count))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--own-cluster", metavar="DIR", help="run a PostgreSQL of the bench's own (production settings)")
    ap.add_argument("--port", type=int, default=5499, help="the port of --own-cluster")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    ap.add_argument(
        "--reuse", metavar="NAME", help="measure on a database kept by --keep: no build, no first recompute"
    )
    ap.add_argument("--build-only", action="store_true", help="stop after the build and first recompute (with --keep)")
    ap.add_argument("--no-check", action="store_true", help="skip the recompute after ingest and its comparison")
    ap.add_argument("--ingest", type=int, default=20_000, help="live records to ingest through the service")
    ap.add_argument("--workers", type=int, default=2, help="ingest processes running together in the last phase")
    ap.add_argument("--rule-changes", type=int, default=0, help="rule versions after the first (one a day)")
    ap.add_argument("--profile", help="write a cProfile of ingest (no reader) to this file and stop there")
    args = ap.parse_args()
    rng = random.Random(2024)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {load()}")
    with ExitStack() as stack:
        admin_url = (
            stack.enter_context(own_cluster(args.own_cluster, args.port)) if args.own_cluster else args.admin_url
        )
        name = args.reuse or f"saptah_bench_{uuid.uuid4().hex[:6]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        if not args.reuse:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        try:
            run(url, args, rng)
        finally:
            if args.keep:
                print(f"kept database {name}")
            else:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def setup(url: str, args: argparse.Namespace, rng: random.Random, factory) -> tuple[int, int, int]:
    """Build the people and records, create the campaign and recompute it; returns (first person, active, campaign)."""
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
    t = time.perf_counter()
    first, active = build(url, args.scale, rng)
    print(
        f"scale {args.scale}: {int(PEOPLE * args.scale):,} people, {int(COMPLETIONS * args.scale):,} completions "
        f"written with COPY in {time.perf_counter() - t:.1f} s ({load()})"
    )
    with unit_of_work(factory) as s:
        cid = service.create(
            s,
            actor_id=None,
            data=CampaignCreate(
                name="NLW 2024 bench", starts_on=START, ends_on=START + timedelta(days=6), competency_only=True
            ),
        ).id
        s.execute(text("UPDATE campaigns SET rules = jsonb_set(rules::jsonb, '{extended_to}', '\"2024-10-27\"')::json"))
        for n in range(args.rule_changes):  # versions in force from successive days: ingest judges by a rule book
            change = RulesChangeIn(
                reason="bench", target_minutes=241 + n, effective_at=ist_start(START + timedelta(days=1 + n % 8))
            )
            service.change_rules(s, campaign_id=cid, actor_id=None, data=change)
    one = make_sessionmaker(make_engine(url, pool_size=1, max_overflow=0))
    seconds, result = recompute(one, cid, args.profile)
    print(
        f"full recompute (bulk path): {seconds} for {result['records']:,} records, "
        f"{result['people']:,} people, {result['reached']:,} reached the target"
    )
    meta = json.dumps({"first": first, "active": active, "campaign": cid, "scale": args.scale})
    with factory() as s:
        s.execute(text("ANALYZE"))
        s.execute(text(f"COMMENT ON DATABASE \"{url.rsplit('/', 1)[1]}\" IS '{meta}'"))
        s.commit()
    return first, active, cid


def prewarm(factory) -> str:
    """Read the campaign tables and their indexes into shared buffers, as on a server that has been running."""
    t = time.perf_counter()
    with factory() as s:
        s.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        blocks = s.execute(
            text(
                "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid"
                " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')"
                " AND coalesce(i.indrelid, c.oid)::regclass::text"
                " LIKE ANY (ARRAY['campaign%', 'credit_ledger', 'organisations', 'people'])"
            )
        ).scalar_one()
        s.commit()
    return f"prewarmed {blocks * 8 / 1024:,.0f} MB in {time.perf_counter() - t:.1f} s"


def together(url: str, factory, cid: int, first: int, active: int, n0: int, args: argparse.Namespace, reader: bool):
    """`args.workers` ingest processes at once (and a board reader, back to back, when asked): their figures."""
    ctx = multiprocessing.get_context("spawn")
    stop, out, done = ctx.Event(), ctx.Queue(), ctx.Queue()
    boards = ctx.Process(target=read_boards, args=(url, cid, first, active, stop, out))
    if reader:
        boards.start()
        time.sleep(3)  # let the reader start up before ingest begins
    share = args.ingest // args.workers
    go = ctx.Event()
    workers = [
        ctx.Process(target=ingest_worker, args=(url, 100 + w, first, active, n0 + w * 10**6, share, go, done))
        for w in range(args.workers)
    ]
    for w in workers:
        w.start()
    assert [done.get() for _ in workers] == ["ready"] * len(workers)
    go.set()
    waits = sample_lock_waits(factory, done, len(workers))
    results = [done.get() for _ in workers]
    for w in workers:
        w.join()
    latencies = []
    if reader:
        stop.set()
        latencies = out.get()
        boards.join()
    wall = max(r[0] for r in results)
    app, db = sum(r[1] for r in results), sum(r[2] for r in results)
    return share * args.workers, wall, app, db, waits, latencies


def run(url: str, args: argparse.Namespace, rng: random.Random) -> None:
    upgrade(url)
    wire()
    factory = make_sessionmaker(make_engine(url, pool_size=4))
    if args.reuse:
        with factory() as s:
            meta = json.loads(
                s.execute(
                    text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                    {"n": args.reuse},
                ).scalar_one()
            )
        first, active, cid = meta["first"], meta["active"], meta["campaign"]
        print(f"reusing {args.reuse}: scale {meta['scale']}, {active:,} active people; {prewarm(factory)}")
    else:
        first, active, cid = setup(url, args, rng, factory)
        if args.build_only:
            return
    # one connection for ingest and recompute, so its PostgreSQL backend's CPU can be read
    one = make_sessionmaker(make_engine(url, pool_size=1, max_overflow=0))
    ingest(one, rng, first, active, 0, 1000)  # warm up: statement caches
    n0 = 1000
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        wall, app, db = prof.runcall(ingest, one, rng, first, active, n0, args.ingest)
        prof.dump_stats(args.profile)
        print(f"profiled ingest: {rate(args.ingest, wall, app, db)}, {args.profile}")
        return
    alone = ingest(one, rng, first, active, n0, args.ingest)
    print(f"live ingest alone (batches of 500, one transaction each): {rate(args.ingest, *alone)}")
    n0 += args.ingest
    total, wall, app, db, waits, _ = together(url, factory, cid, first, active, n0, args, reader=False)
    print(f"live ingest, {args.workers} processes together: {rate(total, wall, app, db)}")
    print(f"ingest backends waiting on a lock: {waits}")
    n0 += 10**7
    total, wall, app, db, waits, latencies = together(url, factory, cid, first, active, n0, args, reader=True)
    print(f"live ingest, {args.workers} processes together while another reads boards: {rate(total, wall, app, db)}")
    print(f"ingest backends waiting on a lock: {waits}")
    q = statistics.quantiles(latencies, n=100)
    print(
        f"leaderboard page (top 20 + own rank with neighbours) during ingest: p50 {q[49]:.1f} ms, "
        f"p95 {q[94]:.1f} ms over {len(latencies):,} pages"
    )
    if args.no_check:
        return
    with factory() as s:
        live = fingerprint(s, cid)
    print(f"full recompute after ingest: {recompute(one, cid, None)[0]}")
    with factory() as s:
        again = fingerprint(s, cid)
    print(f"live aggregates == recompute: {live == again} {live}")


if __name__ == "__main__":
    main()
