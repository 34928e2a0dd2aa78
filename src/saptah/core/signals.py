"""In-process domain events: one domain announces, others subscribe, in the same transaction.

This keeps dependencies pointing one way (DESIGN.md): the catalogue announces a completion
without importing the campaign engine; the engine subscribes when the app is wired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

Handler = Callable[[Session, Any], None]
_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler) -> None:
    """Register a handler once for an event type."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


class Unheard(RuntimeError):
    """An event was published that nobody subscribes to: the process was not wired (`saptah.wiring.wire`).

    A bug, never a person's error: the publisher's transaction rolls back, so nothing is marked as sent whose
    credit was not written.
    """


def publish(session: Session, event: object) -> None:
    """Run every handler of the event inside the caller's transaction; refuse an event nobody hears."""
    handlers = _handlers.get(type(event))
    if not handlers:
        raise Unheard(f"{type(event).__name__} was published but nothing subscribes to it: call saptah.wiring.wire().")
    for handler in list(handlers):
        handler(session, event)


Replay = Callable[[Session, datetime, datetime], Iterable[Any]]
ReplayRows = Callable[[datetime, datetime], Any]  # -> a SELECT whose columns are named as the event's fields
_replays: dict[type, Replay] = {}
_replay_rows: dict[type, ReplayRows] = {}


def replay_from(event_type: type, source: Replay, rows: ReplayRows | None = None) -> None:
    """Name the function that announces again, from what its domain stores, every event of a type that happened
    in [start, end], ordered by person: the original activity that `campaigns` recompute and check rebuild from.

    `rows`, if given, is the same activity as a query (a SELECT, unordered, with one column per field of the event,
    named as the field), which lets recompute compare it with its stored records inside the database."""
    _replays[event_type] = source
    if rows is not None:
        _replay_rows[event_type] = rows
    else:
        _replay_rows.pop(event_type, None)


def replay_rows(event_type: type, start: datetime, end: datetime) -> Any | None:
    """The stored events of a type in [start, end] as a query (see `replay_from`); None if its domain gave none."""
    rows = _replay_rows.get(event_type)
    return None if rows is None else rows(start, end)


def replay(session: Session, event_type: type, start: datetime, end: datetime) -> Iterable[Any]:
    """The stored events of a type in [start, end], ordered by person (see `replay_from`)."""
    source = _replays.get(event_type)
    if source is None:
        raise Unheard(f"No domain replays {event_type.__name__}: call saptah.wiring.wire().")
    return source(session, start, end)


_BATCH = "saptah.signals.batch"


@dataclass
class _Batch:
    queue: list[Callable[[Session, dict[str, Any]], None]]
    state: dict[str, Any]
    last: list[Callable[[Session, dict[str, Any]], None]]


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """Deliver a batch of events: work queued with `collect` runs once, at the end, in the caller's transaction.

    Subscribers that add to shared aggregate rows queue one sorted upsert per key instead of one per event,
    so concurrent batches take those rows in the same order and cannot deadlock.
    """
    if _BATCH in session.info:  # nested: the outer batch runs the queue
        yield
        return
    current = _Batch([], {}, [])
    session.info[_BATCH] = current
    try:
        yield
        while current.queue or current.last:
            (current.queue or current.last).pop(0)(session, current.state)
    finally:
        session.info.pop(_BATCH, None)


def clear() -> None:
    """Forget all handlers and replays (tests)."""
    _handlers.clear()
    _replays.clear()
    _replay_rows.clear()


T = TypeVar("T")


def collect(
    session: Session,
    key: str,
    items: Sequence[T],
    handle: Callable[[Session, list[T]], None],
    *,
    last: bool = False,
) -> None:
    """handle(session, items) now; inside a `batch`, once at its end with every item collected under `key` in
    the order they came (a subscriber's set-based form of its one-at-a-time work).

    A `last` handler runs only when no other queued work is left, so the work queued before it can still feed it
    (the campaign ingest that every credit of the batch ends in runs once, after the others queued their credit).
    """
    current = session.info.get(_BATCH)
    if current is None:
        handle(session, list(items))
        return
    pending = current.state.get(key)
    if pending is None:
        pending = current.state[key] = []

        def run(s: Session, state: dict[str, Any]) -> None:
            handle(s, state.pop(key))

        (current.last if last else current.queue).append(run)
    pending.extend(items)


@dataclass(frozen=True)
class PersonSignedIn:
    """A person signed in successfully."""

    person_id: int
    at: datetime


@dataclass(frozen=True)
class PersonOnboarded:
    """A person was created (bulk upload, CLI or API)."""

    person_id: int
    email: str


@dataclass(frozen=True)
class StaffChanged:
    """People of these organisations were added, moved, or changed designation, group or status (a person created,
    or a whole upload, announced once when it ends): aggregates that count staff by organisation recount them."""

    org_ids: tuple[int, ...]


@dataclass(frozen=True)
class PersonErased:
    """A person's personal data was erased on request (DPDP Act): each domain scrubs what it holds of them.

    The person's row stays (anonymised, never signing in again), so their learning keeps counting in every
    total. `email`, `name` and `actor_ifis` are what they were before, for the domains that keep copies of them
    (e-mails sent, xAPI actors, nominations, certificates).
    """

    person_id: int
    email: str
    name: str
    actor_ifis: tuple[str, ...]
    erased_email: str


@dataclass(frozen=True)
class CourseEnrolled:
    """A person enrolled in a course (self or bulk); published once per person and course."""

    person_id: int
    course_id: int
    at: datetime


@dataclass(frozen=True)
class CourseCompleted:
    """A person completed a course, by any path (native player, xAPI, bulk record); once per person and course.

    Carries what the campaign engine needs so it does not import the catalogue.
    """

    person_id: int
    course_id: int
    completed_at: datetime
    duration_minutes: int
    competency_linked: bool
    assessment_passed: bool
    source: str  # native | xapi | bulk
    title: str | None = None  # the course's title, for "what counted"


@dataclass(frozen=True)
class AssessmentPassed:
    """A completed course's assessment was passed after its completion was recorded without a pass (once per
    person and course: completed first, then passed, as cmi5 content may report them)."""

    person_id: int
    course_id: int
    at: datetime


@dataclass(frozen=True)
class DiscussionPosted:
    """A person started a thread or replied in a discussion (karma only where a campaign's rules say so)."""

    person_id: int
    post_id: int
    at: datetime


@dataclass(frozen=True)
class CourseRated:
    """A person rated a course (first rating only matters for karma)."""

    person_id: int
    course_id: int
    at: datetime


@dataclass(frozen=True)
class EventAttendanceRecorded:
    """A person's attended minutes for an event changed (live presence or an imported sheet).

    `minutes` is the person's total for the event so far (merged intervals, capped), not an increment,
    so replays and re-imports converge on the same credit.
    """

    person_id: int
    event_id: int
    minutes: int
    attended: bool  # present for more than half the event (or marked present offline)
    kind: str  # webinar | mdo_event | offline
    organiser_org_id: int | None
    competency_linked: bool
    at: datetime  # when the attendance happened (event start), for windows and IST days
    title: str | None = None  # the event's title, for "what counted"


@dataclass(frozen=True)
class LearningStatement:
    """The LRS stored an xAPI statement whose actor is a known person (the LRS publishes these in batches, as
    LearningStatements, once per stored statement).

    The catalogue subscribes: it maps the activity (a course's activity IRI or cmi5 AU) to a course and
    decides progress and completion by the course's rule, so the LRS needs no catalogue import.
    """

    person_id: int
    statement_id: str
    verb: str  # verb IRI
    activity_id: str  # object activity IRI
    registration: str | None
    completion: bool | None  # result.completion
    success: bool | None  # result.success
    scaled_score: float | None  # result.score.scaled
    progress: float | None  # result.extensions progress (0-100) when given
    at: datetime  # statement timestamp (else stored)


@dataclass(frozen=True)
class LearningStatements:
    """One stored batch of LearningStatement (published once per stored batch, inside `batch`).

    Items are in a fixed (person, activity) order so that concurrent batches touch rows in the same order.
    """

    items: tuple[LearningStatement, ...]


@dataclass(frozen=True)
class PlanItemCompleted:
    """A course from a person's learning plan was completed; `deadline` None means no deadline."""

    person_id: int
    course_id: int
    plan_id: int
    deadline: datetime | None
    completed_at: datetime
