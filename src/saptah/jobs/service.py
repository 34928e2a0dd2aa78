"""Enqueue, claim and run jobs; handlers are registered per kind when the app is wired."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from saptah.config import Settings
from saptah.core.db import unit_of_work, utcnow
from saptah.core.errors import Conflict, NotFound, SaptahError
from saptah.jobs import repository as repo
from saptah.jobs.models import Job, JobFile

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=2)
FILES_KEPT = timedelta(days=1)  # a prepared export is downloadable this long, then purged
PURGE_KIND = "jobs.purge_files"


class JobContext:
    """What a running handler gets: its job, settings, the session factory and a progress callback."""

    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, job_id: int, payload: dict[str, Any]
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.job_id = job_id
        self.payload = payload

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress (and a heartbeat) in its own short transaction."""
        with unit_of_work(self.factory) as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.progress_done = done
                if total is not None:
                    job.progress_total = total
                job.heartbeat_at = utcnow()


JobHandler = Callable[[JobContext], dict[str, Any]]
_handlers: dict[str, JobHandler] = {}
_periodic: dict[str, timedelta] = {}


def register(kind: str, handler: JobHandler, *, every: timedelta | None = None) -> None:
    """Name the function that runs jobs of a kind; `every` also makes the workers run it on a schedule."""
    _handlers[kind] = handler
    if every is not None:
        _periodic[kind] = every


def handler(kind: str) -> JobHandler:
    """The function registered for a kind of job."""
    if kind not in _handlers:
        raise SaptahError(f"No handler for job kind '{kind}'.")
    return _handlers[kind]


def queued_of_kind(session: Session, kind: str) -> list[int]:
    """Ids of the queued jobs of a kind, oldest first."""
    return repo.queued_of_kind(session, kind)


def scheduled() -> dict[str, timedelta]:
    """The kinds the workers run on a schedule, with their period."""
    return dict(_periodic)


Frequent = Callable[[sessionmaker[Session]], object]
_frequent: dict[str, Frequent] = {}


def register_frequent(name: str, fn: Frequent) -> None:
    """Work each worker repeats every few seconds in its own thread, beside jobs (not queued: too frequent)."""
    _frequent[name] = fn


def run_frequent(factory: sessionmaker[Session]) -> None:
    """One pass of the frequent work; a failure is logged and retried at the next pass."""
    for name, fn in list(_frequent.items()):
        try:
            fn(factory)
        except Exception:
            log.exception("frequent work %s failed", name)


def enqueue_periodic(factory: sessionmaker[Session]) -> list[str]:
    """Queue each scheduled kind whose last run finished `every` ago (or never ran); returns the kinds queued.

    Several workers may race here; a duplicate run is harmless because scheduled handlers are idempotent
    (reminders are sent once per person, item and kind; finalising an event twice changes nothing).
    """
    queued: list[str] = []
    now = utcnow()
    with unit_of_work(factory) as session:
        for kind, every in sorted(_periodic.items()):
            lock_key = f"every:{kind}"
            if repo.active_with_key(session, lock_key) is not None:
                continue
            last = repo.recent(session, kind, lock_key=lock_key, limit=1)
            if last and (last[0].finished_at or now) > now - every:
                continue
            enqueue(session, kind=kind, payload={}, lock_key=lock_key)
            queued.append(kind)
    return queued


def enqueue(
    session: Session, *, kind: str, payload: dict[str, Any], lock_key: str | None = None, created_by: int | None = None
) -> Job:
    """Queue a job; refuses a second active job with the same lock key."""
    if lock_key is not None and repo.active_with_key(session, lock_key) is not None:
        raise Conflict("Another job of this kind is already queued or running here. Wait for it to finish.")
    job = Job(kind=kind, payload=payload, lock_key=lock_key, created_by=created_by)
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    """A job, or 404."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


def claim(factory: sessionmaker[Session]) -> tuple[int, str, dict[str, Any]] | None:
    """Take the next job and mark it running."""
    with unit_of_work(factory) as session:
        job = repo.next_claimable(session, utcnow() - STALE_AFTER)
        if job is None:
            return None
        job.status = "running"
        job.attempts += 1
        job.started_at = job.heartbeat_at = utcnow()
        return job.id, job.kind, dict(job.payload)


def claim_job(session: Session, job_id: int) -> bool:
    """Take one given job for this process, atomically: a queued one, or a running one whose heartbeat is stale
    (the process running it died, e.g. killed). False when it is done, failed, or alive in another process."""
    now = utcnow()
    if not repo.claim(session, job_id, stale_before=now - STALE_AFTER, now=now):
        return False
    session.expire_all()  # the claimed row changed under the session's identity map
    return True


def run_one(factory: sessionmaker[Session], settings: Settings) -> bool:
    """Claim and run one job; False when there was nothing to do."""
    claimed = claim(factory)
    if claimed is None:
        return False
    job_id, kind, payload = claimed
    handler = _handlers.get(kind)
    try:
        if handler is None:
            raise SaptahError(f"No handler for job kind '{kind}'.")
        result = handler(JobContext(factory, settings, job_id, payload))
        status, error = "done", None
    except SaptahError as exc:
        result, status, error = None, "failed", str(exc.message)
    except Exception:
        log.exception("job %s failed", job_id)
        result, status, error = None, "failed", traceback.format_exc(limit=5)
    with unit_of_work(factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.result, job.error, job.finished_at = status, result, error, utcnow()
    return True


def attach_file(session: Session, job_id: int, *, name: str, media_type: str, body: bytes) -> None:
    """Keep the file a job prepared, for its requester to download (replaces one from an earlier attempt)."""
    session.merge(JobFile(job_id=job_id, name=name, media_type=media_type, body=body, created_at=utcnow()))


def requested(session: Session, job_id: int, person_id: int) -> Job:
    """A job the person asked for, or 404 (nobody else learns that it exists)."""
    job = session.get(Job, job_id)
    if job is None or job.created_by != person_id:
        raise NotFound("No such job.")
    return job


def file_info(session: Session, job_id: int) -> tuple[str, int] | None:
    """The name and size of a job's file, without loading it."""
    return repo.file_info(session, job_id)


def file_of(session: Session, job_id: int) -> JobFile:
    """A job's file, or 404 once purged (or not prepared yet)."""
    found = session.get(JobFile, job_id)
    if found is None:
        raise NotFound("The file is not ready, or it was removed after a day. Ask for the export again.")
    return found


def purge_files(ctx: JobContext) -> dict[str, Any]:
    """The scheduled duty: remove prepared files older than FILES_KEPT."""
    with unit_of_work(ctx.factory) as session:
        return {"removed": repo.delete_files_before(session, utcnow() - FILES_KEPT)}
