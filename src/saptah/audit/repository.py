"""Every query of the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from saptah.audit.models import AuditEntry
from saptah.directory.models import Organisation, Person


def add(session: Session, entry: AuditEntry) -> AuditEntry:
    """Insert one entry (the only write the log knows)."""
    session.add(entry)
    session.flush()
    return entry


def org_path(session: Session, org_id: int) -> str | None:
    """The materialised path of an organisation."""
    return session.scalar(select(Organisation.path).where(Organisation.id == org_id))


def person_org(session: Session, person_id: int) -> tuple[int, str] | None:
    """A person's organisation id and path."""
    row = session.execute(
        select(Organisation.id, Organisation.path)
        .join(Person, Person.org_id == Organisation.id)
        .where(Person.id == person_id)
    ).first()
    return (row[0], row[1]) if row else None


def _scope(paths: Sequence[str] | None) -> ColumnElement[bool]:
    if paths is None:
        return true()
    if not paths:
        return false()
    return or_(*[AuditEntry.org_path.startswith(p, autoescape=True) for p in paths])


def _query(
    paths: Sequence[str] | None, actor: str | None, act: str | None, since: datetime | None, until: datetime | None
) -> Select[AuditEntry, str, str, str, str]:
    who = aliased(Person)
    whom = aliased(Person)
    q = (
        select(AuditEntry, who.full_name, who.email, whom.full_name, Organisation.code)
        .outerjoin(who, who.id == AuditEntry.actor_id)
        .outerjoin(whom, whom.id == AuditEntry.target_person_id)
        .outerjoin(Organisation, Organisation.id == AuditEntry.org_id)
        .where(_scope(paths))
    )
    conds: list[ColumnElement[bool]] = []
    if actor:
        like = f"%{actor.strip().lower()}%"
        conds.append(
            or_(
                func.lower(who.full_name).like(like),
                func.lower(who.email).like(like),
                func.lower(AuditEntry.actor_label).like(like),
                func.lower(AuditEntry.channel) == actor.strip().lower(),
            )
        )
    if act:
        conds.append(AuditEntry.act == act)
    if since is not None:
        conds.append(AuditEntry.at >= since)
    if until is not None:
        conds.append(AuditEntry.at < until)
    return q.where(and_(true(), *conds)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entries(
    session: Session,
    *,
    paths: Sequence[str] | None,
    actor: str | None,
    act: str | None,
    since: datetime | None,
    until: datetime | None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Any]:
    """Entries in the subtrees (None: all), newest first, with actor name and e-mail, target name, org code."""
    q = _query(paths, actor, act, since, until).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(session.execute(q).all())


def count(
    session: Session,
    *,
    paths: Sequence[str] | None,
    actor: str | None,
    act: str | None,
    since: datetime | None,
    until: datetime | None,
) -> int:
    """How many entries the same filters give."""
    inner = _query(paths, actor, act, since, until).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)
