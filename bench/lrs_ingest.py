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
import hashlib
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

VERBS = [
    ("http://adlnet.gov/expapi/verbs/experienced", 50),
    ("http://adlnet.gov/expapi/verbs/progressed", 25),
    ("http://adlnet.gov/expapi/verbs/initialized", 8),
    ("http://adlnet.gov/expapi/verbs/terminated", 7),
    ("http://adlnet.gov/expapi/verbs/completed", 7),
    ("http://adlnet.gov/expapi/verbs/passed", 3),
]
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
PRELOAD_ACTORS = 200_000
PRELOAD_ACTIVITIES = 20_000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def preload(url: str, count: int, client_id: int, chunk: int = 50_000) -> float:
    """Insert `count` synthetic statements directly (COPY on PostgreSQL); returns seconds taken."""
    rng = random.Random(7)
    engine = make_engine(url)
    start = time.perf_counter()
    first = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / max(count, 1)
    authority = {"objectType": "Agent", "name": "bench", "account": {"homePage": "http://bench", "name": "bench"}}
    columns = (
        "statement_id, actor_ifi, object_ifi, verb, activity_id, registration, voided_target, stored, timestamp, "
        "voided, client_id, person_id, content_hash, has_attachments, body"
    )
    done = 0
    while done < count:
        rows = []
        for i in range(done, min(count, done + chunk)):
            n, a = rng.randrange(PRELOAD_ACTORS), rng.randrange(PRELOAD_ACTIVITIES)
            verb = rng.choices([v for v, _ in VERBS], [w for _, w in VERBS])[0]
            sid, reg, stored = str(uuid.uuid4()), str(uuid.uuid4()), first + step * i
            mbox, activity = f"mailto:learner{n}@preload.example", f"https://preload.example/activity/{a}"
            body = {
                "id": sid,
                "actor": {"objectType": "Agent", "mbox": mbox},
                "verb": {"id": verb},
                "object": {"objectType": "Activity", "id": activity},
                "context": {"registration": reg},
                "timestamp": _iso(stored),
                "stored": _iso(stored),
                "authority": authority,
                "version": "1.0.0",
            }
            text_body = json.dumps(body, separators=(",", ":"))
            rows.append(
                (
                    sid,
                    "mbox:" + mbox,
                    None,
                    verb,
                    activity,
                    reg,
                    None,
                    stored,
                    stored,
                    False,
                    client_id,
                    None,
                    hashlib.sha256(text_body.encode()).hexdigest(),
                    False,
                    text_body,
                )
            )
        _write_rows(engine, columns, rows)
        done += len(rows)
        print(f"  preloaded {done:,} statements ({time.perf_counter() - start:.0f} s)", flush=True)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE lrs_statements"))
    engine.dispose()
    return time.perf_counter() - start


def _write_rows(engine: Any, columns: str, rows: list[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY lrs_statements ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ",".join("?" * 15)
            cur.execute("BEGIN")
            cur.executemany(
                f"INSERT INTO lrs_statements ({columns}) VALUES ({marks})",
                [(*r[:7], r[7].isoformat(), r[8].isoformat(), *r[9:]) for r in rows],
            )
        raw.commit()
    finally:
        raw.close()


def issue_client(url: str) -> tuple[int, str]:
    """Issue bench credentials; returns (client id, Authorization header)."""
    from saptah.lrs import service

    with unit_of_work(make_sessionmaker(make_engine(url))) as session:
        client, secret = service.create_client(session, name="bench", org_id=None, scopes="all")
        key, cid = client.key, client.id
    return cid, "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def real_names(url: str, people: int) -> tuple[list[str], list[str]]:
    """E-mails of real people and activity IRIs of real courses (so progress and credit updates run)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        emails = [r[0] for r in conn.execute(text("SELECT email FROM people ORDER BY id LIMIT :n"), {"n": people})]
        try:
            acts = [r[0] for r in conn.execute(text("SELECT activity_id FROM courses WHERE status = 'live'"))]
        except Exception:
            acts = []
    engine.dispose()
    return emails or ["nobody@bench.example"], acts or ["https://bench.example/course/1"]


def make_statement(rng: random.Random, emails: list[str], activities: list[str]) -> dict[str, Any]:
    """A realistic provider statement: a real learner, a real course, progress or completion."""
    verb = rng.choices([v for v, _ in VERBS], [w for _, w in VERBS])[0]
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Learner", "mbox": "mailto:" + rng.choice(emails)},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": rng.choice(activities),
            "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
        },
        "context": {
            "registration": str(uuid.uuid4()),
            "platform": "iGOT Karmayogi",
            "language": "en-IN",
            "contextActivities": {"category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}]},
        },
        "timestamp": _iso(datetime.now(UTC)),
    }
    if verb in ("http://adlnet.gov/expapi/verbs/progressed", "http://adlnet.gov/expapi/verbs/experienced"):
        statement["result"] = {"extensions": {PROGRESS: rng.randint(1, 99)}, "duration": "PT5M12S"}
    elif verb == "http://adlnet.gov/expapi/verbs/completed":
        statement["result"] = {"completion": True, "duration": "PT45M"}
    elif verb == "http://adlnet.gov/expapi/verbs/passed":
        statement["result"] = {"success": True, "score": {"scaled": 0.85, "raw": 17, "min": 0, "max": 20}}
    return statement


def _run(url: str, auth: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
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
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
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
    args = ap.parse_args()

    client_id, auth = issue_client(args.database_url)
    if args.preload:
        print(f"preloading {args.preload:,} statements ...", flush=True)
        secs = preload(args.database_url, args.preload, client_id)
        print(f"preload: {args.preload:,} statements in {secs:.0f} s ({args.preload / secs:,.0f}/s)")
    with make_engine(args.database_url).connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM lrs_statements")).scalar_one()
    print(f"statements stored before the run: {stored:,}")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.preload_only:
        return
    emails, activities = real_names(args.database_url, args.people)
    rng = random.Random(args.seed)
    batches = [
        json.dumps([make_statement(rng, emails, activities) for _ in range(100)]).encode() for _ in range(args.batches)
    ]
    singles = [json.dumps(make_statement(rng, emails, activities)).encode() for _ in range(args.singles)]

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
