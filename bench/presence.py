"""Presence at scale: many viewers of one live webinar ping a running `saptah serve` over real HTTP.

Sets up (directly in the database) one live event, N people and a signed-in session each, then several
client processes on loopback send each viewer's ping once a minute (spread evenly, so N/60 pings per
second), some from a second tab and some replayed. At the end it checks, person by person, that the
stored attendance equals the union of the intervals the server acknowledged: exact, or it says so.

It also reports how far the campaign engine is behind: rows whose first credited minute (or next 15) has not
been sent yet when the pings stop, and how long the worker takes to send them (the target is within 5 s).

    export SAPTAH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/saptah_bench
    .venv/bin/saptah db upgrade
    SAPTAH_RUN_WORKER_IN_APP=false .venv/bin/saptah serve --port 8765 --workers 1 &
    .venv/bin/saptah worker &   # sends live credit to the campaign engine every 2 s
    .venv/bin/python bench/presence.py --url http://127.0.0.1:8765 --database-url $SAPTAH_DATABASE_URL \
        --viewers 100000 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_GAP = 90
PERIOD = 60.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def processes(db_url: str) -> dict[str, list[int]]:
    """This machine's processes by role: the app server (with its workers), the worker, and the PostgreSQL
    backends serving the bench's database (others' databases on the same server are not counted)."""
    from sqlalchemy import create_engine, text

    from saptah.core.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        backends = set(conn.scalars(text(sql)))
    engine.dispose()
    parent: dict[int, int] = {}
    roles: dict[str, list[int]] = {"server": [], "worker": [], "postgres": sorted(backends)}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if "saptah serve" in cmd:
            roles["server"].append(int(entry))
        elif "saptah worker" in cmd:
            roles["worker"].append(int(entry))
    roles["server"] += [pid for pid, ppid in parent.items() if ppid in roles["server"]]
    return roles


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine so far (all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / TICK


def setup(db_url: str, viewers: int) -> tuple[int, list[tuple[int, str]], datetime, datetime]:
    """One live event, `viewers` people with a session each; returns ids and cookies."""
    from sqlalchemy import insert, select

    from saptah.auth.models import UserSession
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.core.security import token_hash
    from saptah.directory.models import Person
    from saptah.directory.service import load_reference_orgs, org_by_code
    from saptah.events.models import Event

    factory = make_sessionmaker(make_engine(db_url))
    run = secrets.token_hex(3)
    now = datetime.now(UTC)
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
        orgs = [org_by_code(s, c).id for c in ("DOHFW", "DHR", "MHA", "DOPT")]
        event = Event(
            kind="central_webinar", title_en=f"Presence bench {run}", theme="Technology", organiser_org_id=orgs[3],
            starts_at=now - timedelta(minutes=5), duration_minutes=240, mode="online",
            stream_url="https://stream.example.in/bench", language="English", competencies=[], access="open",
            nomination_levels=[],
        )  # fmt: skip
        s.add(event)
        s.flush()
        event_id, start = event.id, event.starts_at
        end = start + timedelta(minutes=240)
    cookies: list[tuple[int, str]] = []
    for base in range(0, viewers, 5000):
        n = min(5000, viewers - base)
        with unit_of_work(factory) as s:
            rows = [
                {"full_name": f"Viewer {run} {base + i}", "email": f"v{base + i}.{run}@bench.gov.in",
                 "org_id": orgs[(base + i) % 4], "status": "active", "preferred_language": "en",
                 "created_at": now, "updated_at": now}
                for i in range(n)
            ]  # fmt: skip
            s.execute(insert(Person), rows)
            ids = list(
                s.scalars(
                    select(Person.id).where(Person.email.like(f"%.{run}@bench.gov.in")).order_by(Person.id).offset(base)
                )
            )
            tokens = [secrets.token_urlsafe(24) for _ in ids]
            s.execute(
                insert(UserSession),
                [{"token_hash": token_hash(t), "person_id": pid, "created_at": now,
                  "expires_at": now + timedelta(hours=12)} for pid, t in zip(ids, tokens, strict=True)],
            )  # fmt: skip
            cookies.extend(zip(ids, tokens, strict=True))
    return event_id, cookies, start, end


class Conn:
    """A minimal keep-alive HTTP/1.1 client (the load generator must cost less than the server)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, cookie: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        csrf = "bench-csrf-token"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nCookie: saptah_session={cookie}; saptah_csrf={csrf}\r\n"
            f"X-CSRF-Token: {csrf}\r\n\r\n"
        )
        assert self.writer is not None and self.reader is not None
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionResetError("the server closed the connection")
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        data = await self.reader.readexactly(length)
        return int(status_line.split()[1]), data


async def client_main(args: dict[str, Any], viewers: list[tuple[int, str]], out: Any) -> None:
    """Send each viewer's pings on schedule; record latencies and the acknowledged intervals."""
    host, port = args["host"], args["port"]
    rng = random.Random(args["seed"])
    queue: asyncio.Queue[tuple[float, int, str, str, int, int, bool]] = asyncio.Queue()
    t0 = args["t0"]
    stop_at = t0 + args["seconds"]
    # schedule: viewer v pings at offset + k * PERIOD; 5 % also from a second tab; 2 % replay one ping
    schedule: list[tuple[float, int, str, str, int, int, bool]] = []
    for pid, cookie in viewers:
        offset = rng.uniform(0, PERIOD)
        two_tabs = rng.random() < 0.05
        replay = rng.random() < 0.02
        k = 0
        while t0 + offset + k * PERIOD < stop_at:
            at = t0 + offset + k * PERIOD
            schedule.append((at, pid, cookie, "tabA", k + 1, 60, False))
            if two_tabs:
                schedule.append((at + 7, pid, cookie, "tabB", k + 1, 60, False))
            if replay and k == 0:
                schedule.append((at + 3, pid, cookie, "tabA", k + 1, 60, True))
            k += 1
    schedule.sort()
    lat: list[float] = []
    when: list[float] = []  # seconds since the start, for latency by window
    acks: dict[int, list[tuple[str, int]]] = {}
    errors: dict[str, int] = {}
    replays_counted = 0
    answered: set[tuple[int, str, int]] = set()
    slip: list[float] = []

    in_window, last_answer = 0, 0.0

    async def worker() -> None:
        nonlocal replays_counted, in_window, last_answer
        conn = Conn(host, port)
        path = f"/api/v1/events/{args['event_id']}/presence"
        while True:
            item = await queue.get()
            if item[1] < 0:
                return
            _at, pid, cookie, tab, seq, secs, is_replay = item
            if time.time() - _at > args["max_lag"]:  # the server fell behind: drop, count, stay bounded in time
                errors["dropped_late"] = errors.get("dropped_late", 0) + 1
                continue
            body = json.dumps({"tab": tab, "seq": seq, "seconds": secs}).encode()
            t = time.perf_counter()
            try:
                try:
                    status, data = await conn.post(path, body, cookie)
                except ConnectionResetError:  # an idle keep-alive connection was closed: reconnect once
                    conn = Conn(host, port)
                    t = time.perf_counter()
                    status, data = await conn.post(path, body, cookie)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                conn = Conn(host, port)
                continue
            lat.append(time.perf_counter() - t)
            last_answer = time.time()
            when.append(last_answer - t0)
            in_window += int(last_answer <= stop_at)
            if status != 200:
                errors[str(status)] = errors.get(str(status), 0) + 1
                continue
            reply = json.loads(data)
            if reply["counted"]:
                acks.setdefault(pid, []).append((reply["server_time"], secs))
                replays_counted += int(is_replay and (pid, tab, seq) in answered)  # counted twice: a bug
                answered.add((pid, tab, seq))

    workers = [asyncio.create_task(worker()) for _ in range(args["connections"])]
    for item in schedule:
        delay = item[0] - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            slip.append(-delay)
        await queue.put(item)
    for _ in workers:
        await queue.put((0, -1, "", "", 0, 0, False))
    await asyncio.gather(*workers)
    out.put({"cpu": time.process_time(), "lat": lat, "acks": acks, "errors": errors, "in_window": in_window,
             "when": when, "last_answer": last_answer, "replays_counted": replays_counted, "sent": len(schedule),
             "max_slip": max(slip) if slip else 0.0})  # fmt: skip


def run_client(args: dict[str, Any], viewers: list[tuple[int, str]], out: Any) -> None:
    """A client process."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(client_main(args, viewers, out))


def expected_seconds(acks: list[tuple[str, int]], start: datetime, end_grace: datetime) -> int:
    """The union of acknowledged intervals, computed the way the server stores it (whole seconds per run)."""
    spans = []
    for stamp, secs in acks:
        now = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        a, b = max(start, now - timedelta(seconds=min(secs, MAX_GAP))), min(now, end_grace)
        if b > a:
            spans.append((a, b))
    total, cur = 0, None
    for a, b in sorted(spans):
        if cur and a <= cur[1]:
            cur = (cur[0], max(cur[1], b))
            continue
        if cur:
            total += int((cur[1] - cur[0]).total_seconds())
        cur = (a, b)
    if cur:
        total += int((cur[1] - cur[0]).total_seconds())
    return total


def check(
    db_url: str, event_id: int, acks: dict[int, list[tuple[str, int]]], start: datetime, end: datetime
) -> dict[str, Any]:
    """Compare every stored attendance row with the client's own union of acknowledged intervals."""
    from sqlalchemy import select

    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.events import attendance, attendance_repository, repository
    from saptah.events.models import Attendance

    factory = make_sessionmaker(make_engine(db_url))
    grace_end = end + timedelta(minutes=10)
    with unit_of_work(factory) as s:
        rows = {r.person_id: r for r in s.scalars(select(Attendance).where(Attendance.event_id == event_id))}
        peak = attendance_repository.peak_viewers(s, event_id)
        perf = attendance.performance(s, repository.get_event(s, event_id))  # type: ignore[arg-type]
    mismatches = expected_attendees = 0
    for pid, person_acks in acks.items():
        want = expected_seconds(person_acks, start, grace_end)
        got = attendance.live_seconds(rows[pid]) if pid in rows else -1
        mismatches += int(want != got)
        expected_attendees += int(want >= 60)
    extra = len([p for p in rows if p not in acks])
    return {"rows": len(rows), "mismatches": mismatches, "rows_without_ack": extra, "peak": peak,
            "attendees": perf["attendees"], "expected_attendees": expected_attendees}  # fmt: skip


def credit_lag(db_url: str, event_id: int, wait: float = 60.0) -> tuple[int, str]:
    """Rows with credited minutes not yet sent to the campaign engine, and how long until none are left."""
    from sqlalchemy import func, select

    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.events.models import Attendance

    factory = make_sessionmaker(make_engine(db_url))
    unsent = select(func.count()).where(
        Attendance.event_id == event_id, Attendance.minutes > 0, Attendance.published_minutes <= 0
    )
    t0, first = time.time(), None
    while True:
        with unit_of_work(factory) as s:
            n = int(s.scalar(unsent) or 0)
        first = n if first is None else first
        if n == 0:
            return first, f"{time.time() - t0:.1f} s later"
        if time.time() - t0 > wait:
            return first, f"NOT within {wait:.0f} s ({n:,} left)"
        time.sleep(0.5)


def main() -> None:
    """Set up, drive the load, print the figures and the exactness check."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8765")
    p.add_argument("--database-url", required=True)
    p.add_argument("--viewers", type=int, default=100_000)
    p.add_argument("--seconds", type=int, default=120, help="how long pings are sent (bounded)")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument(
        "--connections",
        type=int,
        default=100,
        help="keep-alive connections per process (each viewer's browser "
        "has its own; pings waiting together share a transaction, so fewer connections understate the server)",
    )
    p.add_argument("--max-lag", type=float, default=20.0, help="drop pings the server could not take in time")
    a = p.parse_args()
    host, port = a.url.split("://")[1].split(":")
    t = time.time()
    event_id, cookies, start, end = setup(a.database_url, a.viewers)
    print(f"setup: event {event_id}, {len(cookies):,} viewers signed in, {time.time() - t:.1f} s")
    print(f"load average before the pings: {os.getloadavg()[0]:.1f}")
    t0 = time.time() + 2
    args = {"host": host, "port": int(port.rstrip("/")), "event_id": event_id, "seconds": a.seconds, "t0": t0,
            "connections": a.connections, "max_lag": a.max_lag}  # fmt: skip
    out: Any = mp.Queue()
    roles = processes(a.database_url)
    before = {pid: cpu_seconds(pid) for pids in roles.values() for pid in pids}
    machine0 = machine_cpu()
    procs = []
    for i in range(a.processes):
        part = cookies[i :: a.processes]
        proc = mp.Process(target=run_client, args=({**args, "seed": i}, part, out))
        proc.start()
        procs.append(proc)
    results = [out.get(timeout=a.seconds + 600) for _ in procs]
    after = processes(a.database_url)
    used = {role: sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in after[role]) for role in roles}
    machine = machine_cpu() - machine0
    used["clients"] = sum(r["cpu"] for r in results)
    for proc in procs:
        proc.join()
    lat = sorted(x for r in results for x in r["lat"])
    acks: dict[int, list[tuple[str, int]]] = {}
    for r in results:
        acks.update(r["acks"])
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v

    def pct(q: float) -> float:
        return 1000 * lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0.0

    sent = sum(r["sent"] for r in results)
    in_window = sum(r["in_window"] for r in results)
    tail = max(r["last_answer"] for r in results) - (t0 + a.seconds)
    print(
        f"pings: {sent:,} sent in {a.seconds} s (target {a.viewers / PERIOD:,.0f}/s); answered while sending "
        f"{in_window / a.seconds:,.0f}/s, {len(lat):,} in all (the last {tail:.1f} s after sending stopped)"
    )
    print(f"latency ms: p50 {pct(0.5):.1f}  p95 {pct(0.95):.1f}  p99 {pct(0.99):.1f}  max {1000 * lat[-1]:.1f}")
    by_window: dict[int, list[float]] = {}
    for r in results:
        for w, x in zip(r["when"], r["lat"], strict=True):
            by_window.setdefault(int(w // 10), []).append(x)
    windows = []
    for w, xs in sorted(by_window.items()):
        xs.sort()
        windows.append(f"{10 * w}-{10 * w + 10} s: {1000 * xs[int(0.99 * len(xs))]:.0f}")
    print(f"p99 ms by 10-s window: {'; '.join(windows)}")
    print(f"schedule slip (client could not send on time) max {max(r['max_slip'] for r in results):.2f} s")
    print(
        f"errors: {errors or 'none'}; replays of answered pings counted again: "
        f"{sum(r['replays_counted'] for r in results)}"
    )
    answered = max(1, len(lat))
    print(
        "CPU ms per answered ping: "
        + ", ".join(f"{role} {1000 * sec / answered:.2f}" for role, sec in used.items())
        + f"; whole machine {1000 * machine / answered:.2f} (load average {os.getloadavg()[0]:.1f})"
    )
    backlog, cleared = credit_lag(a.database_url, event_id)
    print(f"campaign credit: {backlog:,} due totals unsent when pings stopped; all sent {cleared}")
    result = check(a.database_url, event_id, acks, start, end)
    print(
        f"attendance rows {result['rows']:,}; attendees {result['attendees']:,}"
        f" (expected {result['expected_attendees']:,}); peak viewers {result['peak']:,}"
    )
    exact = (
        result["mismatches"] == 0
        and result["rows_without_ack"] == 0
        and result["attendees"] == result["expected_attendees"]
    )
    print(
        f"exact: {'yes' if exact else 'NO'} ({result['mismatches']} person totals differ from acknowledged intervals)"
    )


if __name__ == "__main__":
    main()
