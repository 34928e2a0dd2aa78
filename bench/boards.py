"""Boards over real HTTP on an existing database (the national dataset), while credit flows.

    createdb -h 127.0.0.1 -U postgres saptah_national
    SAPTAH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/saptah_national \
        .venv/bin/saptah demo --scale national --no-serve
    .venv/bin/python bench/boards.py --url postgresql+psycopg://postgres@127.0.0.1:5432/saptah_national \
        [--rounds 200] [--rate 1000] [--port 8131] [--json]

Starts `saptah serve` on the given port against the database (background jobs off, so only the requests
and the bench's own ingest use the machine), signs in as the demo learner through the real form, starts
another process that credits `--rate` course records a second through `campaigns.ledger.ingest` (as
bench/dashboards.py does), and then requests, interleaved round by round:

- `GET /api/v1/campaigns/{id}/leaderboard` (the national board: top 20, the learner's neighbours, board size)
- `GET /api/v1/campaigns/{id}/organisations` (the organisation board in size bands)
- `GET /campaigns/{id}/leaderboard` (the board page, HTML)
- the national board again as a person in the middle of it (a session made for them in the database), so the
  neighbours are read too (the demo learner has no credit in the national dataset)
- `GET /` as that ranked person: the home page, whose rank panel ranks them on the national and their
  organisation's board

It prints p50/p95/max of each with the load average before and after, the ingest rate achieved, and with
`--json` one last line `FIGURES {...}` for bench/run_all.py. `--base URL` measures a server already running
instead of starting one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

TARGETS = {
    "leaderboard_api": 20.0,
    "organisations_api": 50.0,
    "leaderboard_page": 50.0,
    "leaderboard_api_ranked": 20.0,
    "home_page_ranked": 50.0,
}


def load() -> str:
    """The load average, as printed next to every figure."""
    a, b, c = os.getloadavg()
    return f"load {a:.2f} / {b:.2f} / {c:.2f}"


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """`saptah serve` on 127.0.0.1:port against the database, jobs not run in the app."""
    env = {**os.environ, "SAPTAH_DATABASE_URL": url, "SAPTAH_RUN_WORKER_IN_APP": "false"}
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-c", "from saptah.cli import main; main()", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start in 60 s")


def signed_in(base: str, email: str, password: str) -> httpx.Client:
    """A keep-alive client signed in through the real sign-in form."""
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/sign-in")
    token = client.cookies.get("saptah_csrf")
    r = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise SystemExit(f"sign-in as {email} failed: {r.status_code}")
    return client


def ranked_viewer(url: str, cid: int) -> tuple[str, int]:
    """A session cookie for a person in the middle of the national board (so the page shows their neighbours)."""
    import secrets
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, insert, select

    from saptah.auth.models import UserSession
    from saptah.campaigns.models import CampaignPersonTotal as T
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.core.security import token_hash

    with unit_of_work(make_sessionmaker(make_engine(url))) as s:
        on_board = select(T.person_id).where(T.campaign_id == cid, T.score > 0)
        middle = (s.scalar(select(func.count()).select_from(on_board.subquery())) or 1) // 2
        pid = s.scalar(on_board.order_by(T.score, T.tie).offset(middle).limit(1))
        token, now = secrets.token_urlsafe(24), datetime.now(UTC)
        row = {"token_hash": token_hash(token), "person_id": pid, "created_at": now}
        s.execute(insert(UserSession), [row | {"expires_at": now + timedelta(hours=2)}])
    return token, int(pid or 0)


def campaign_id(url: str) -> int:
    """The national dataset's campaign (else the first)."""
    from sqlalchemy import select

    from saptah.analytics.national import CAMPAIGN
    from saptah.campaigns.models import Campaign
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work

    with unit_of_work(make_sessionmaker(make_engine(url))) as s:
        camp = s.scalar(select(Campaign).where(Campaign.name == CAMPAIGN)) or s.scalar(select(Campaign))
        if camp is None:
            raise SystemExit("no campaign in this database")
        return int(camp.id)


def pct(values: list[float], q: float) -> float:
    """The q-quantile of the values, as bench/dashboards.py takes it."""
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)]


def measure(calls: dict[str, tuple[httpx.Client, str]], rounds: int) -> dict[str, list[float]]:
    """Each call once per round, interleaved, after 5 warm-up rounds; latencies in ms."""
    out: dict[str, list[float]] = {k: [] for k in calls}
    for i in range(rounds + 5):
        for name, (client, path) in calls.items():
            t = time.perf_counter()
            r = client.get(path)
            ms = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path}: {r.status_code} {r.text[:200]}")
            if i >= 5:
                out[name].append(ms)
    return out


def main() -> None:
    """Run the benchmark and print its figures."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from dashboards import ingest_loop

    from saptah.core.db import normalise_url
    from saptah.directory.tasks import DEMO_PASSWORD

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="database URL (an existing national or demo dataset)")
    ap.add_argument("--base", help="measure a running server at this address instead of starting one")
    ap.add_argument("--port", type=int, default=8131)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--rate", type=int, default=1000, help="course records a second credited meanwhile (0: none)")
    ap.add_argument("--email", default="learner@saptah.demo")
    ap.add_argument("--json", action="store_true", help="end with one line: FIGURES {json}")
    args = ap.parse_args()
    url = normalise_url(args.url)
    cid = campaign_id(url)
    server = None if args.base else start_server(url, args.port)
    base = args.base or f"http://127.0.0.1:{args.port}"
    stop, done = mp.Event(), mp.Value("d", 0.0)
    ingest = None
    try:
        client = signed_in(base, args.email, DEMO_PASSWORD)
        paths = {
            "leaderboard_api": f"/api/v1/campaigns/{cid}/leaderboard",
            "organisations_api": f"/api/v1/campaigns/{cid}/organisations",
            "leaderboard_page": f"/campaigns/{cid}/leaderboard",
        }
        body = client.get(paths["leaderboard_api"]).json()
        print(
            f"campaign {cid}: national board of {body['people']:,} people; the learner's place shown: "
            f"{body['around'] is not None}",
            flush=True,
        )
        token, pid = ranked_viewer(url, cid)
        ranked = httpx.Client(base_url=base, timeout=60, cookies={"saptah_session": token})
        body = ranked.get(paths["leaderboard_api"]).json()
        print(f"ranked viewer: person {pid}, shown at rank {[r['rank'] for r in body['around'] or []]}", flush=True)
        if args.rate:
            ingest = mp.Process(target=ingest_loop, args=(url, args.rate, stop, done))
            ingest.start()
            time.sleep(3)
        before = load()
        t0 = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        calls = {name: (client, path) for name, path in paths.items()}
        calls["leaderboard_api_ranked"] = (ranked, paths["leaderboard_api"])
        calls["home_page_ranked"] = (ranked, "/")  # the rank panel: a ranked learner's home page
        times = measure(calls, args.rounds)
        after = load()
    finally:
        stop.set()
        if ingest is not None:
            ingest.join()
        if server is not None:
            server.terminate()
            server.wait(10)
    print(f"{t0}; {args.rounds} rounds, interleaved; {before} before, {after} after")
    if args.rate:
        print(f"credit ingest meanwhile: {done.value:,.0f} records/s (asked {args.rate:,})")
    print(f"{'request':22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target p95':>11}")
    figures: dict[str, Any] = {"load_before": before, "load_after": after, "ingest_rate": round(done.value)}
    for name, values in times.items():
        p50, p95 = statistics.median(values), pct(values, 0.95)
        print(f"{name:22} {p50:8.1f} {p95:8.1f} {max(values):8.1f} {TARGETS[name]:>9.0f} ms")
        figures[name] = {"p50": round(p50, 1), "p95": round(p95, 1), "target": TARGETS[name]}
    if args.json:
        print("FIGURES " + json.dumps(figures))


if __name__ == "__main__":
    main()
