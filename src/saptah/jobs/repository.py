"""Every query of the job table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from saptah.jobs.models import Job, JobFile


def next_claimable(session: Session, stale_before: datetime) -> Job | None:
    """The oldest queued job, or a running one whose worker stopped beating (a crash)."""
    stmt = (
        select(Job)
        .where(or_(Job.status == "queued", and_(Job.status == "running", Job.heartbeat_at < stale_before)))
        .order_by(Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalar(stmt)


def claim(session: Session, job_id: int, *, stale_before: datetime, now: datetime) -> bool:
    """Mark a job running for the caller if it is queued or its runner stopped beating: one statement, so two
    processes taking the same job over cannot both succeed."""
    stmt = (
        update(Job)
        .where(Job.id == job_id)
        .where(or_(Job.status == "queued", and_(Job.status == "running", Job.heartbeat_at < stale_before)))
        .values(status="running", attempts=Job.attempts + 1, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def active_with_key(session: Session, lock_key: str) -> Job | None:
    """A queued or running job holding a lock key."""
    stmt = select(Job).where(Job.lock_key == lock_key, Job.status.in_(("queued", "running"))).limit(1)
    return session.scalar(stmt)


def recent(session: Session, kind: str, lock_key: str | None = None, limit: int = 20) -> list[Job]:
    """Recent jobs of a kind, newest first."""
    stmt = select(Job).where(Job.kind == kind)
    if lock_key is not None:
        stmt = stmt.where(Job.lock_key == lock_key)
    return list(session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))


def file_info(session: Session, job_id: int) -> tuple[str, int] | None:
    """A prepared file's name and size in bytes."""
    row = session.execute(select(JobFile.name, func.length(JobFile.body)).where(JobFile.job_id == job_id)).first()
    return (row[0], int(row[1])) if row else None


def delete_files_before(session: Session, before: datetime) -> int:
    """Remove prepared files created before a moment; how many."""
    result = session.execute(delete(JobFile).where(JobFile.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def queued_of_kind(session: Session, kind: str) -> list[int]:
    """Ids of the queued jobs of a kind, oldest first."""
    return list(session.scalars(select(Job.id).where(Job.kind == kind, Job.status == "queued").order_by(Job.id)))
