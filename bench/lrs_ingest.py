"""LRS ingest benchmark: preload statements by a fast path, then POST realistic statements over loopback HTTP.

Usage (the server must run against the same database, e.g. `saptah serve --port 8765`):

    SAPTAH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/saptah_bench_lrs \
        .venv/bin/python bench/lrs_ingest.py --url http://127.0.0.1:8765 --preload 1000000

The database should hold the demo (`saptah demo --no-serve`) so statements name real people and courses and the
progress, completion and credit updates run as they would in production. Prints the figures.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from saptah.core.db import make_engine, make_sessionmaker, unit_of_work

ADL = "http://adlnet.gov/expapi/verbs/"
EXPERIENCED, PROGRESSED, INITIALIZED = ADL + "experienced", ADL + "progressed", ADL + "initialized"
TERMINATED, COMPLETED, PASSED = ADL + "terminated", ADL + "completed", ADL + "passed"
VERBS = [(EXPERIENCED, 50), (PROGRESSED, 25), (INITIALIZED, 8), (TERMINATED, 7), (COMPLETED, 7), (PASSED, 3)]
JOURNEY_STEPS = 20  # experienced/progressed statements per learner per course
COMPLETING = 0.7  # share of journeys that end in a completion
JOURNEYS_AT_ONCE = 5000  # learners busy at the same time (each sends a statement every few seconds)
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
PRELOAD_ACTORS = 200_000
PRELOAD_ACTIVITIES = 20_000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def preload(url: str, count: int, client_id: int, chunk: int = 500_000) -> float:
    """Insert `count` synthetic statements, generated inside the database by one INSERT ... SELECT per chunk.

    The rows are what the store path writes for a plain statement about one of PRELOAD_ACTORS learners and
    PRELOAD_ACTIVITIES activities, spread over the last 30 days; nothing crosses the wire, so 10 million rows
    take minutes. Returns seconds taken.
    """
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        first = conn.execute(text("SELECT coalesce(max(id), 0) FROM lrs_statements")).scalar_one()
    begin = datetime.now(UTC) - timedelta(days=30)
    step_ms = max(1, int(30 * 86_400_000 / max(count, 1)))
    postgres = engine.dialect.name == "postgresql"
    sql = (_PRELOAD_PG if postgres else _PRELOAD_SQLITE).replace(":verbs", _verb_case())
    rebuild = _drop_indexes(engine) if postgres and count >= REBUILD_INDEXES_FROM else []
    done = 0
    while done < count:
        size = min(chunk, count - done)
        with engine.begin() as conn:
            conn.execute(
                text(sql),
                {
                    "lo": first + done + 1,
                    "hi": first + done + size,
                    "client": client_id,
                    "begin": begin.strftime("%Y-%m-%d %H:%M:%S"),
                    "step": step_ms,
                    "base": first + 1,
                },
            )
        done += size
        print(f"  preloaded {done:,} statements ({time.perf_counter() - start:.0f} s)", flush=True)
    with engine.begin() as conn:
        if rebuild:
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for statement in rebuild:
            conn.execute(text(statement))
            print(f"  {statement[:70]} ({time.perf_counter() - start:.0f} s)", flush=True)
        conn.execute(text("ANALYZE lrs_statements"))
    engine.dispose()
    return time.perf_counter() - start


REBUILD_INDEXES_FROM = 1_000_000  # statements: from this many, drop the secondary indexes and build them after


def _drop_indexes(engine: Any) -> list[str]:
    """Drop lrs_statements' indexes but the primary key (a bulk load then builds each once, sorted);
    returns the statements that recreate them."""
    with engine.begin() as conn:
        unique = conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'lrs_statements'::regclass AND contype = 'u'"
            )
        ).all()
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'lrs_statements' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'lrs_statements'::regclass)"
            )
        ).all()
        for name, _definition in unique:
            conn.execute(text(f'ALTER TABLE lrs_statements DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    return [f'ALTER TABLE lrs_statements ADD CONSTRAINT "{n}" {d}' for n, d in unique] + [d for _n, d in indexes]


def _verb_case() -> str:
    """A CASE expression choosing a verb with VERBS' weights from g (a pseudo-random function of the row number)."""
    total, parts, upto = sum(w for _, w in VERBS), [], 0
    for verb, weight in VERBS:
        upto += weight
        parts.append(f"WHEN (g * 7919) % {total} < {upto} THEN '{verb}'")
    return "CASE " + " ".join(parts) + " END"


def _uuid_sqlite(h: str) -> str:
    """SQLite SQL formatting 32 hex digits (column h) as a UUID."""
    return " || '-' || ".join(f"substr({h}, {a}, {n})" for a, n in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))


_PRELOAD_PG = f"""
INSERT INTO lrs_statements (statement_id, actor_ifi, object_ifi, verb, activity_id, registration, voided_target,
    stored, timestamp, voided, client_id, person_id, content_hash, has_attachments, body)
SELECT sid, 'mbox:' || mbox, NULL, verb, act, reg, NULL, at, at, false, :client, NULL,
       encode(sha256(convert_to(body, 'UTF8')), 'hex'), false, body
FROM (
    SELECT sid, mbox, verb, act, reg, at,
           '{{"id":"' || sid || '","actor":{{"objectType":"Agent","mbox":"' || mbox || '"}},"verb":{{"id":"' || verb
           || '"}},"object":{{"objectType":"Activity","id":"' || act || '"}},"context":{{"registration":"' || reg
           || '"}},"timestamp":"' || ts || '","stored":"' || ts
           || '","authority":{{"objectType":"Agent","name":"bench","account":{{"homePage":"http://bench",'
           || '"name":"bench"}}}},"version":"1.0.0"}}' AS body
    FROM (
        SELECT gen_random_uuid()::text AS sid, gen_random_uuid()::text AS reg,
               'mailto:learner' || ((g * 2654435761) % {PRELOAD_ACTORS}) || '@preload.example' AS mbox,
               'https://preload.example/activity/' || ((g * 40503) % {PRELOAD_ACTIVITIES}) AS act,
               :verbs AS verb,
               (CAST(:begin AS timestamp) + (g - :base) * :step * interval '1 millisecond') AT TIME ZONE 'UTC' AS at,
               to_char(CAST(:begin AS timestamp) + (g - :base) * :step * interval '1 millisecond',
                       'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts
        FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
    ) AS generated
) AS rows
"""

_PRELOAD_SQLITE = f"""
INSERT INTO lrs_statements (statement_id, actor_ifi, object_ifi, verb, activity_id, registration, voided_target,
    stored, timestamp, voided, client_id, person_id, content_hash, has_attachments, body)
SELECT sid, 'mbox:' || mbox, NULL, verb, act, reg, NULL, at, at, 0, :client, NULL, lower(hex(randomblob(32))), 0,
       '{{"id":"' || sid || '","actor":{{"objectType":"Agent","mbox":"' || mbox || '"}},"verb":{{"id":"' || verb
       || '"}},"object":{{"objectType":"Activity","id":"' || act || '"}},"context":{{"registration":"' || reg
       || '"}},"timestamp":"' || ts || '","stored":"' || ts
       || '","authority":{{"objectType":"Agent","name":"bench","account":{{"homePage":"http://bench",'
       || '"name":"bench"}}}},"version":"1.0.0"}}'
FROM (
    SELECT {_uuid_sqlite("ha")} AS sid, {_uuid_sqlite("hb")} AS reg,
           'mailto:learner' || ((g * 2654435761) % {PRELOAD_ACTORS}) || '@preload.example' AS mbox,
           'https://preload.example/activity/' || ((g * 40503) % {PRELOAD_ACTIVITIES}) AS act,
           :verbs AS verb,
           strftime('%Y-%m-%d %H:%M:%f', :begin, '+' || ((g - :base) * :step / 1000.0) || ' seconds') AS at,
           strftime('%Y-%m-%dT%H:%M:%fZ', :begin, '+' || ((g - :base) * :step / 1000.0) || ' seconds') AS ts
    FROM (
        WITH RECURSIVE s(g) AS (SELECT :lo UNION ALL SELECT g + 1 FROM s WHERE g < :hi)
        SELECT g, lower(hex(randomblob(16))) AS ha, lower(hex(randomblob(16))) AS hb FROM s
    )
)
"""


def issue_client(url: str) -> tuple[int, str]:
    """Issue bench credentials; returns (client id, Authorization header)."""
    from saptah.lrs import clients

    with unit_of_work(make_sessionmaker(make_engine(url))) as session:
        client, secret = clients.create_client(session, name="bench", org_id=None, scopes="all")
        key, cid = client.key, client.id
    return cid, "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def real_names(url: str, people: int) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """E-mails of real people, activity IRIs of real courses (so progress and credit updates run), and those
    people's enrolments in those courses that are not completed yet, as (e-mail, activity IRI)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        emails = [r[0] for r in conn.execute(text("SELECT email FROM people ORDER BY id LIMIT :n"), {"n": people})]
        try:
            acts = [r[0] for r in conn.execute(text("SELECT activity_id FROM courses WHERE status = 'live'"))]
            ongoing = conn.execute(text(_ONGOING), {"n": people}).all()
        except Exception:
            acts, ongoing = [], []
    engine.dispose()
    pairs = [(e, a) for e, a in ongoing]
    return emails or ["nobody@bench.example"], acts or ["https://bench.example/course/1"], pairs


_ONGOING = """
SELECT p.email, c.activity_id FROM enrolments e
JOIN people p ON p.id = e.person_id JOIN courses c ON c.id = e.course_id
WHERE c.status = 'live' AND c.activity_id IS NOT NULL AND p.id IN (SELECT id FROM people ORDER BY id LIMIT :n)
  AND NOT EXISTS (SELECT 1 FROM course_completions d WHERE d.person_id = e.person_id AND d.course_id = e.course_id)
ORDER BY e.person_id, e.course_id
"""


def make_statement(
    rng: random.Random, email: str, activity: str, verb: str, registration: str, progress: int | None = None
) -> dict[str, Any]:
    """A provider's statement: a learner, a course activity, a verb and (for progress) the cmi5 progress extension."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Learner", "mbox": "mailto:" + email},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": activity,
            "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
        },
        "context": {
            "registration": registration,
            "platform": "iGOT Karmayogi",
            "language": "en-IN",
            "contextActivities": {"category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}]},
        },
        "timestamp": _iso(datetime.now(UTC)),
    }
    if verb in (PROGRESSED, EXPERIENCED):
        statement["result"] = {"extensions": {PROGRESS: progress or rng.randint(1, 99)}, "duration": "PT5M12S"}
    elif verb == COMPLETED:
        statement["result"] = {"completion": True, "duration": "PT45M"}
    elif verb == PASSED:
        statement["result"] = {"success": True, "score": {"scaled": 0.85, "raw": 17, "min": 0, "max": 20}}
    return statement


def journeys(
    rng: random.Random, emails: list[str], activities: list[str], count: int, ongoing: list[tuple[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` statements as providers' content sends them: learners working through courses, interleaved.

    Each journey is one learner in one course (one registration): initialized, JOURNEY_STEPS experienced or
    progressed statements with rising progress, terminated, and for COMPLETING of them completed (and passed
    for half of those) at the end; a new (person, course) pair's first statement enrols the learner.
    JOURNEYS_AT_ONCE learners are busy at any moment, and the run starts in the middle of things: those first
    journeys (enrolments that exist, `ongoing`, then new pairs) continue from a random step, their first
    statement being returned apart as the warm-up (sent before the timed run, so their enrolments exist); each
    journey that ends is followed by a new learner's. So most statements update an enrolment that exists, about
    one in JOURNEY_STEPS enrols someone, and a course is completed once per journey. Returns (warm-up, run).
    """
    busy = set(rng.sample(ongoing, min(len(ongoing), JOURNEYS_AT_ONCE)))
    while len(busy) < min(JOURNEYS_AT_ONCE, len(emails) * len(activities) // 2):
        busy.add((rng.choice(emails), rng.choice(activities)))
    warmup: list[dict[str, Any]] = []
    active: list[tuple[tuple[str, str], list[dict[str, Any]]]] = []
    for pair in sorted(busy):
        steps = _journey(rng, *pair)
        warmup.append(steps[0])
        active.append((pair, steps[rng.randrange(1, len(steps) - 1) :]))
    rng.shuffle(warmup)
    out: list[dict[str, Any]] = []
    while len(out) < count:
        index = rng.randrange(len(active))
        pair, steps = active[index]
        out.append(steps.pop(0))
        if not steps:
            busy.discard(pair)
            while pair in busy:
                pair = (rng.choice(emails), rng.choice(activities))
            busy.add(pair)
            active[index] = (pair, _journey(rng, *pair))
    return warmup, out


def _journey(rng: random.Random, email: str, activity: str) -> list[dict[str, Any]]:
    registration = str(uuid.uuid4())
    steps = [(INITIALIZED, None)]
    for step in range(1, JOURNEY_STEPS + 1):
        steps.append((rng.choice((EXPERIENCED, EXPERIENCED, PROGRESSED)), step * 99 // JOURNEY_STEPS))
    steps.append((TERMINATED, None))
    if rng.random() < COMPLETING:
        steps.append((COMPLETED, None))
        if rng.random() < 0.5:
            steps.append((PASSED, None))
    return [make_statement(rng, email, activity, verb, registration, progress) for verb, progress in steps]


def scattered(rng: random.Random, emails: list[str], activities: list[str], count: int) -> list[dict[str, Any]]:
    """The worst case: every statement about a random (person, course) pair, 10% of them completing it."""
    verbs, weights = [v for v, _ in VERBS], [w for _, w in VERBS]
    return [
        make_statement(
            rng, rng.choice(emails), rng.choice(activities), rng.choices(verbs, weights)[0], str(uuid.uuid4())
        )
        for _ in range(count)
    ]


XAPI_VERSION = {"X-Experience-API-Version": "1.0.3"}  # --xapi-version sets it


def _run(url: str, auth: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    headers = {"Authorization": auth, **XAPI_VERSION, "Content-Type": "application/json"}
    failures = 0

    def work(chunk: list[bytes]) -> tuple[list[tuple[float, float]], int]:
        lat, bad = [], 0
        with httpx.Client(base_url=url, timeout=60) as client:
            for body in chunk:
                t0 = time.perf_counter()
                r = client.post("/xapi/statements", content=body, headers=headers)
                lat.append((t0, time.perf_counter() - t0))
                bad += r.status_code != 200
        return lat, bad

    chunks = [bodies[i::concurrency] for i in range(concurrency)]
    timed: list[tuple[float, float]] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for lat, bad in pool.map(work, chunks):
            timed += lat
            failures += bad
    latencies = [d for _t, d in sorted(timed)]  # in the order the requests were sent
    return time.perf_counter() - start, latencies, failures


def _queries(url: str, auth: str, rounds: int) -> dict[str, list[float]]:
    rng = random.Random(11)
    headers = {"Authorization": auth, **XAPI_VERSION}
    out: dict[str, list[float]] = {"agent": [], "activity": []}
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(rounds):
            agent = json.dumps({"mbox": f"mailto:learner{rng.randrange(PRELOAD_ACTORS)}@preload.example"})
            activity = f"https://preload.example/activity/{rng.randrange(PRELOAD_ACTIVITIES)}"
            for kind, params in (("agent", {"agent": agent}), ("activity", {"activity": activity})):
                t0 = time.perf_counter()
                r = client.get("/xapi/statements", params=params, headers=headers)
                out[kind].append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
    return out


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(p * len(values)))] * 1000


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default="http://127.0.0.1:8765")
    ap.add_argument("--database-url", default=os.environ.get("SAPTAH_DATABASE_URL", "sqlite:///./saptah.db"))
    ap.add_argument("--preload", type=int, default=1_000_000)
    ap.add_argument("--batches", type=int, default=300, help="batches of 100 to POST")
    ap.add_argument("--singles", type=int, default=3000, help="single-statement POSTs")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--people", type=int, default=3000, help="real people whose e-mails the statements use")
    ap.add_argument("--preload-only", action="store_true", help="preload, then stop (no server needed)")
    ap.add_argument("--seed", type=int, default=2024, help="statement generator seed (a new seed: new learners' pairs)")
    ap.add_argument(
        "--mix",
        choices=("journeys", "scattered"),
        default="journeys",
        help="journeys: learners working through courses (realistic); scattered: random pairs, 10%% completing",
    )
    ap.add_argument(
        "--xapi-version", default="1.0.3", help="the X-Experience-API-Version header sent (2.0.0: xAPI 2.0)"
    )
    args = ap.parse_args()
    XAPI_VERSION["X-Experience-API-Version"] = args.xapi_version

    client_id, auth = issue_client(args.database_url)
    if args.preload:
        print(f"preloading {args.preload:,} statements ...", flush=True)
        secs = preload(args.database_url, args.preload, client_id)
        print(f"preload: {args.preload:,} statements in {secs:.0f} s ({args.preload / secs:,.0f}/s)")
    with make_engine(args.database_url).connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM lrs_statements")).scalar_one()
    print(f"statements stored before the run: {stored:,}")
    if not args.preload_only:
        _vacuum_if_autovacuum_is_off(args.database_url)
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.preload_only:
        return
    emails, activities, ongoing = real_names(args.database_url, args.people)
    rng = random.Random(args.seed)
    count = 100 * args.batches + args.singles
    warmup: list[dict[str, Any]] = []
    if args.mix == "journeys":
        warmup, statements = journeys(rng, emails, activities, count, ongoing)
    else:
        statements = scattered(rng, emails, activities, count)
    _describe(statements)
    if warmup:
        bodies = [json.dumps(warmup[i : i + 100]).encode() for i in range(0, len(warmup), 100)]
        secs, _lat, bad = _run(args.url, auth, bodies, args.concurrency)
        print(f"warm-up (untimed): the first statement of {len(warmup):,} journeys in {secs:.1f} s, {bad} failed")
    batches = [json.dumps(statements[i : i + 100]).encode() for i in range(0, 100 * args.batches, 100)]
    singles = [json.dumps(s).encode() for s in statements[100 * args.batches :]]

    if batches:
        _report_batches(*_run(args.url, auth, batches, args.concurrency), len(batches))
    if singles:
        secs, lat, bad = _run(args.url, auth, singles, args.concurrency * 2)
        print(
            f"single POSTs: {len(singles):,} requests in {secs:.1f} s = {len(singles) / secs:,.0f} requests/s "
            f"(p50 {_pct(lat, 0.5):.1f} ms, p95 {_pct(lat, 0.95):.1f} ms, {bad} failed)"
        )
    if args.queries:
        q = _queries(args.url, auth, args.queries)
        for kind, values in q.items():
            print(
                f"query by {kind}: p50 {_pct(values, 0.5):.1f} ms, p95 {_pct(values, 0.95):.1f} ms, "
                f"max {max(values) * 1000:.1f} ms over {len(values)} queries"
            )
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _vacuum_if_autovacuum_is_off(url: str) -> None:
    """On a PostgreSQL without autovacuum (this machine's CI server runs with it off), vacuum the tables the
    learning updates rewrite, as autovacuum would on a real server: without it every run leaves dead rows behind
    (campaign person totals, enrolments, histograms) and the next run reads through them, measured 4,659 against
    5,649 statements/s on the same database. The insert-only statement tables are left alone."""
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        if conn.execute(text("SHOW autovacuum")).scalar_one() == "on":
            return
        tables = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE n_dead_tup > 1000 AND relname NOT LIKE 'lrs_statement%' ORDER BY relname"
            )
        ).scalars()
        names = list(tables)
    if names:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM (ANALYZE) {', '.join(names)}"))
    print(f"autovacuum is off on this server: vacuumed {len(names)} tables with dead rows, as it would have")


def _describe(statements: list[dict[str, Any]]) -> None:
    """Print the mix: statements, distinct (learner, course) pairs, journeys begun, completing statements."""
    pairs = {(s["actor"]["mbox"], s["object"]["id"]) for s in statements}
    begun = sum(s["verb"]["id"] == INITIALIZED for s in statements)
    done = sum(s["verb"]["id"] in (COMPLETED, PASSED) for s in statements)
    print(
        f"mix: {len(statements):,} statements about {len(pairs):,} (learner, course) pairs, {begun:,} journeys "
        f"begun, {done:,} completed/passed ({100 * done / max(1, len(statements)):.1f}%)"
    )


def _report_batches(secs: float, lat: list[float], bad: int, count: int) -> None:
    """Print the batch throughput and whether batches slowed as the store grew."""
    n = 100 * count
    print(
        f"batches of 100: {n:,} statements in {secs:.1f} s = {n / secs:,.0f} statements/s "
        f"(p50 {_pct(lat, 0.5):.0f} ms, p95 {_pct(lat, 0.95):.0f} ms per batch, {bad} failed)"
    )
    half = count // 2
    if half:
        first, second = lat[:half], lat[half:]
        print(
            f"  growth check: mean batch {statistics.mean(first) * 1000:.0f} ms (first half) vs "
            f"{statistics.mean(second) * 1000:.0f} ms (second half)"
        )


if __name__ == "__main__":
    main()
