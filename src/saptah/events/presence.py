"""The presence hot path: pings waiting at the same moment share one transaction (group commit).

A live central webinar has up to lakhs of viewers pinging once a minute. Each app process queues the pings it
receives; a batch leaves after GATHER_SECONDS, or later if its IN_FLIGHT batches are all in the database, so
under load a batch holds as many pings as arrived meanwhile (most of a ping's cost is per transaction, not per
ping) and at low load a ping waits only GATHER_SECONDS. Batches lock rows in
person order, so concurrent batches queue on a shared row instead of deadlocking. Every ping is answered only
after its batch has committed, and gets its own result or refusal; if the batch fails, all of its pings fail
(nothing of them was stored, so the page's next ping simply claims the time again).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from saptah.auth import service as auth
from saptah.core.db import unit_of_work
from saptah.core.errors import Forbidden, NotAuthenticated, SaptahError
from saptah.events import attendance, service
from saptah.events.attendance import PingResult, Presence
from saptah.events.models import Event

EVENT_CACHE_SECONDS = 5.0
SESSION_CACHE_SECONDS = 90.0  # a signed-out session may keep reporting its own presence this long, no longer
SESSION_CACHE_SIZE = 200_000
HAVE_ROWS_SIZE = 500_000
MAX_BATCH = 500
IN_FLIGHT = 3  # batches in the database at once per process: while one waits on a round trip, others work
GATHER_SECONDS = 0.01  # a batch waits this long for company: under load, fewer and larger transactions

Outcome = PingResult | SaptahError


@dataclass(frozen=True)
class Ping:
    """A ping as received: the event, the credential (session cookie or API token) and the report."""

    event_id: int
    cookie: str | None
    bearer: str | None
    tab: str
    seq: int
    seconds: int
    person_id: int | None  # if the page sent it, it must be the signed-in person


class Batcher:
    """Queues one event loop's pings and runs them a batch at a time in the thread pool."""

    def __init__(self, state: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.state = state
        self.loop = loop
        self.pending: list[tuple[Ping, asyncio.Future[Outcome]]] = []
        self.dispatching = False
        # a factory bound to one connection (the tests' rolled-back transaction) takes one batch at a time
        self.slots = asyncio.Semaphore(IN_FLIGHT if isinstance(state.sessionmaker.kw.get("bind"), Engine) else 1)
        self.running: set[asyncio.Task[None]] = set()

    async def submit(self, ping: Ping) -> PingResult:
        """The ping's result once its batch has committed (its refusal is raised)."""
        future: asyncio.Future[Outcome] = self.loop.create_future()
        self.pending.append((ping, future))
        if not self.dispatching:
            self.dispatching = True
            self.loop.create_task(self._dispatch())
        outcome = await future
        if isinstance(outcome, SaptahError):
            raise outcome
        return outcome

    async def _dispatch(self) -> None:
        """Send what has gathered to the database: a batch per free slot, after GATHER_SECONDS at least."""
        try:
            while self.pending:
                if len(self.pending) < MAX_BATCH:
                    await asyncio.sleep(GATHER_SECONDS)  # the pings arriving meanwhile share the transaction
                await self.slots.acquire()  # while every slot is in the database, the next batch grows
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                task = self.loop.create_task(self._run(batch))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
        finally:
            self.dispatching = False

    async def _run(self, batch: list[tuple[Ping, asyncio.Future[Outcome]]]) -> None:
        try:
            outcomes = await run_in_threadpool(run_batch, self.state, [p for p, _ in batch])
        except Exception as exc:  # the transaction failed: every ping of the batch gets the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        finally:
            self.slots.release()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():  # the client may have gone; its ping is stored all the same
                future.set_result(outcome)


def batcher(state: Any) -> Batcher:
    """The app's batcher for the running event loop."""
    loop = asyncio.get_running_loop()
    found: Batcher | None = getattr(state, "events_ping_batcher", None)
    if found is None or found.loop is not loop:
        found = state.events_ping_batcher = Batcher(state, loop)
    return found


def run_batch(state: Any, pings: list[Ping]) -> list[Outcome]:
    """Resolve who is pinging, then merge each event's pings, all in one transaction."""
    out: list[Outcome | None] = [None] * len(pings)
    with unit_of_work(state.sessionmaker) as db:
        by_event: dict[int, list[tuple[int, int]]] = {}
        for i, (p, who) in enumerate(zip(pings, _people(state, db, pings), strict=True)):
            if isinstance(who, int) and p.person_id is not None and p.person_id != who:
                who = Forbidden("Presence can be reported only for yourself.")
            if isinstance(who, SaptahError):
                out[i] = who
                continue
            by_event.setdefault(p.event_id, []).append((i, who))
        for event_id, members in sorted(by_event.items()):  # a fixed lock order across events too
            try:
                event = _cached_event(state, db, event_id)
            except SaptahError as exc:
                for i, _ in members:
                    out[i] = exc
                continue
            reports = [Presence(pid, pings[i].tab, pings[i].seq, pings[i].seconds) for i, pid in members]
            outcomes = attendance.ping_many(db, event=event, pings=reports, have_rows=_have_rows(state))
            for (i, _), outcome in zip(members, outcomes, strict=True):
                out[i] = outcome
    assert all(o is not None for o in out)
    return [o for o in out if o is not None]


def _people(state: Any, db: Any, pings: list[Ping]) -> list[int | SaptahError]:
    """The person behind each ping: API token, or the session cookie looked up at most once per 90 s per process.

    Viewers ping once a minute, so a cache of a few seconds would never be hit. The cached answer serves only
    this path, which can do no more than record the person's own presence; every other route checks the session
    on each request. Sign-out therefore stops a watch page's pings within SESSION_CACHE_SECONDS. The cookies
    not in the cache are looked up together, in one query.
    """
    cache: dict[str, tuple[float, int]] = state.__dict__.setdefault("events_session_cache", {})
    now = time.monotonic()
    fresh: dict[str, int] = {}
    for p in pings:
        if p.bearer is None and p.cookie is not None and p.cookie not in fresh:
            hit = cache.get(p.cookie)
            if hit is not None and now - hit[0] < SESSION_CACHE_SECONDS:
                fresh[p.cookie] = hit[1]
    unknown = {p.cookie for p in pings if p.bearer is None and p.cookie is not None and p.cookie not in fresh}
    if unknown:
        found = auth.people_for_sessions(db, sorted(unknown))
        if len(cache) + len(found) > SESSION_CACHE_SIZE:
            cache.clear()
        for cookie in unknown:
            if cookie in found:
                cache[cookie] = (now, found[cookie])
            else:
                cache.pop(cookie, None)
        fresh.update(found)
    out: list[int | SaptahError] = []
    for p in pings:
        if p.bearer is not None:
            out.append(_token_owner(db, p.bearer))
        else:
            person = fresh.get(p.cookie or "")
            out.append(NotAuthenticated("Please sign in.") if person is None else person)
    return out


def _token_owner(db: Any, bearer: str) -> int | SaptahError:
    try:
        person_id, scopes = auth.person_for_api_token(db, bearer)
    except SaptahError as exc:
        return exc
    return person_id if "write" in scopes else Forbidden("This API token is read-only.")


def _have_rows(state: Any) -> set[tuple[int, int]]:
    """The (event, person) attendance rows this process has seen (rows are never deleted while live)."""
    known: set[tuple[int, int]] = state.__dict__.setdefault("events_have_rows", set())
    if len(known) > HAVE_ROWS_SIZE:
        known.clear()
    return known


def _cached_event(state: Any, db: Any, event_id: int) -> Event:
    """The event, kept per app for a few seconds: thousands of viewers ping the same event."""
    cache: dict[int, tuple[float, Event]] = state.__dict__.setdefault("events_ping_cache", {})
    hit = cache.get(event_id)
    now = time.monotonic()
    if hit is not None and now - hit[0] < EVENT_CACHE_SECONDS:
        return hit[1]
    event = service.get_event(db, event_id)
    db.expunge(event)  # a read-only snapshot, shared by later batches' sessions
    if len(cache) > 1000:
        cache.clear()
    cache[event_id] = (now, event)
    return event
