"""Every query of the LRS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from saptah.core import bulk
from saptah.directory.models import Person
from saptah.lrs.models import (
    Activity,
    AgentProfile,
    Attachment,
    Cmi5Session,
    LrsClient,
    ScormAttempt,
    StateDocument,
    Statement,
    StatementRelated,
)

STATEMENTS: Table = Statement.__table__  # type: ignore[assignment]
RELATED: Table = StatementRelated.__table__  # type: ignore[assignment]


def get_client_by_key(session: Session, key: str) -> LrsClient | None:
    """A client by its public key."""
    return session.scalars(select(LrsClient).where(LrsClient.key == key)).first()


def get_client(session: Session, client_id: int) -> LrsClient | None:
    """A client by id."""
    return session.get(LrsClient, client_id)


def list_clients(session: Session) -> list[LrsClient]:
    """Every client, newest first."""
    return list(session.scalars(select(LrsClient).order_by(LrsClient.id.desc())))


def add(session: Session, *rows: object) -> None:
    """Add rows and flush."""
    session.add_all(rows)
    session.flush()


def existing_statements(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """statement_id -> (content hash, voided_target) for the ids already stored."""
    if not ids:
        return {}
    rows = session.execute(
        select(Statement.statement_id, Statement.content_hash, Statement.voided_target).where(
            bulk.among(session, Statement.statement_id, ids)
        )
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def insert_statements(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert statements (COPY on PostgreSQL). A statement id a concurrent transaction stored first fails the
    whole group with a unique violation, which is transient: the retry finds it stored."""
    bulk.copy_rows(session, STATEMENTS, rows)


def insert_related(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert related agents/activities rows."""
    bulk.copy_rows(session, RELATED, rows)


def void(session: Session, targets: Sequence[str]) -> None:
    """Mark statements voided (never voiding statements)."""
    if targets:
        session.execute(
            update(Statement)
            .where(Statement.statement_id.in_(targets), Statement.voided_target.is_(None))
            .values(voided=True)
        )


def attachments_known(session: Session, hashes: Sequence[str]) -> set[str]:
    """Which attachment hashes are already stored."""
    if not hashes:
        return set()
    return set(session.scalars(select(Attachment.sha2).where(Attachment.sha2.in_(hashes))))


def attachments_by_hash(session: Session, hashes: Sequence[str]) -> list[Attachment]:
    """Attachment contents by hash."""
    if not hashes:
        return []
    return list(session.scalars(select(Attachment).where(Attachment.sha2.in_(hashes))))


def activities(session: Session, ids: Sequence[str]) -> dict[str, Activity]:
    """Stored activities by id."""
    if not ids:
        return {}
    return {a.activity_id: a for a in session.scalars(select(Activity).where(Activity.activity_id.in_(ids)))}


def get_activity(session: Session, activity_id: str) -> Activity | None:
    """One stored activity."""
    return session.get(Activity, activity_id)


def people_by_emails(session: Session, emails: Sequence[str]) -> dict[str, int]:
    """Active people's ids by lower-cased e-mail."""
    if not emails:
        return {}
    rows = session.execute(select(Person.email, Person.id).where(bulk.among(session, Person.email, emails)))
    return {r[0]: r[1] for r in rows}


def people_by_accounts(session: Session, accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """People's ids by (external system name, external system id): an xAPI account's homePage and name."""
    if not accounts:
        return {}
    key = tuple_(Person.external_system_name, Person.external_system_id)
    rows = session.execute(
        select(Person.external_system_name, Person.external_system_id, Person.id).where(key.in_(list(accounts)))
    )
    return {(str(r[0]), str(r[1])): r[2] for r in rows}


def get_person(session: Session, person_id: int) -> Person | None:
    """A person (for matching their earlier statements)."""
    return session.get(Person, person_id)


def people_with_accounts(session: Session, person_ids: Sequence[int]) -> list[Any]:
    """(id, external_system_name, external_system_id) of those of these people who have both."""
    stmt = select(Person.id, Person.external_system_name, Person.external_system_id).where(
        bulk.among(session, Person.id, person_ids),
        Person.external_system_name.is_not(None),
        Person.external_system_id.is_not(None),
    )
    return list(session.execute(stmt).all())


def any_unmatched(session: Session) -> bool:
    """Whether any stored statement waits for its actor to be registered (the partial index answers)."""
    return session.scalar(select(Statement.id).where(Statement.person_id.is_(None)).limit(1)) is not None


def unmatched_for(session: Session, actor_ifis: Sequence[str]) -> list[Statement]:
    """Stored statements of these actors that are not yet matched to a person."""
    if not actor_ifis:
        return []
    return list(
        session.scalars(
            select(Statement)
            .where(bulk.among(session, Statement.actor_ifi, actor_ifis), Statement.person_id.is_(None))
            .order_by(Statement.id)
        )
    )


def get_statement(session: Session, statement_id: str) -> Statement | None:
    """A stored statement by its id."""
    return session.scalars(select(Statement).where(Statement.statement_id == statement_id)).first()


@dataclass
class Filters:
    """A statement query, already validated."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    client_id: int | None = None  # restrict to one client's statements
    after_pk: int | None = None  # cursor


STATEMENT_REF = "r"  # lrs_statement_related kind: a statement this one targets by StatementRef (whole chain)
# written into the SQL, not bound, so both databases see it matches the partial index on statement_id
_REF_KIND: ColumnElement[str] = literal_column(f"'{STATEMENT_REF}'")


def _related(s: Any, kind: str, value: str) -> ColumnElement[bool]:
    return exists().where(
        StatementRelated.statement_id == s.statement_id,
        StatementRelated.kind == kind,
        StatementRelated.value == value,
    )


def _window(f: Filters, s: Any) -> list[ColumnElement[bool]]:
    """What applies to the returned statement itself: not voided, since/until, the caller's rights, the cursor."""
    conds: list[ColumnElement[bool]] = [s.voided.is_(False)]
    if f.since is not None:
        conds.append(s.stored > f.since)
    if f.until is not None:
        conds.append(s.stored <= f.until)
    if f.client_id is not None:
        conds.append(s.client_id == f.client_id)
    if f.after_pk is not None:
        conds.append(s.id > f.after_pk if f.ascending else s.id < f.after_pk)
    return conds


def _matching(f: Filters, s: Any) -> list[ColumnElement[bool]]:
    """The filter parameters other than agent (or activity when alone): verb, registration, activity with agent."""
    conds: list[ColumnElement[bool]] = []
    if f.verb is not None:
        conds.append(s.verb == f.verb)
    if f.registration is not None:
        conds.append(s.registration == f.registration)
    if f.activity is not None and f.agent is not None:
        cond = s.activity_id == f.activity
        conds.append(or_(cond, _related(s, "c", f.activity)) if f.related_activities else cond)
    return conds


def _branches(f: Filters, s: Any) -> list[ColumnElement[bool]]:
    """Index-friendly alternatives; each becomes its own ordered, limited scan."""
    if f.agent is not None:
        out = [s.actor_ifi == f.agent, s.object_ifi == f.agent]
        if f.related_agents:
            out.append(_related(s, "a", f.agent))
        return out
    if f.activity is not None:
        out = [s.activity_id == f.activity]
        if f.related_activities:
            out.append(_related(s, "c", f.activity))
        return out
    return [and_(True)]


def _by_reference(f: Filters, order: Any, limit: int) -> Any:
    """Statements whose StatementRef (directly or down a chain) targets a statement meeting the filter (xAPI 1.0.3
    part 3, 2.1.3): the filter applies to the target, since/until/limit to the statement returned."""
    target, ref = aliased(Statement), aliased(StatementRelated)
    return (
        select(Statement.id)
        .join(ref, and_(ref.statement_id == Statement.statement_id, ref.kind == _REF_KIND))
        .join(target, target.statement_id == ref.value)
        .where(or_(*_branches(f, target)), *_matching(f, target), *_window(f, Statement))
        .order_by(order)
        .limit(limit + 1)
    )


def query(session: Session, f: Filters, limit: int) -> list[tuple[int, str, datetime]]:
    """(pk, body, stored) of matching, non-voided statements, newest first unless ascending; limit+1 rows."""
    order = Statement.id.asc() if f.ascending else Statement.id.desc()
    common = [*_matching(f, Statement), *_window(f, Statement)]
    branches = _branches(f, Statement)
    filtered = any(v is not None for v in (f.agent, f.verb, f.activity, f.registration))
    if len(branches) == 1 and not filtered:
        single = (
            select(Statement.id, Statement.body, Statement.stored)
            .where(branches[0], *common)
            .order_by(order)
            .limit(limit + 1)
        )
        return [(r[0], r[1], r[2]) for r in session.execute(single)]
    parts = [select(Statement.id).where(b, *common).order_by(order).limit(limit + 1) for b in branches]
    parts.append(_by_reference(f, order, limit))
    ids = union_all(*[p.subquery().select() for p in parts]).subquery()
    stmt = (
        select(Statement.id, Statement.body, Statement.stored)
        .where(Statement.id.in_(select(ids.c.id)))
        .order_by(order)
        .limit(limit + 1)
    )
    return [(r[0], r[1], r[2]) for r in session.execute(stmt)]


def reference_chains(session: Session, targets: Sequence[str]) -> dict[str, list[str]]:
    """For stored statements among targets: the statements they themselves target by StatementRef."""
    if not targets:
        return {}
    rows = session.execute(
        select(StatementRelated.statement_id, StatementRelated.value).where(
            StatementRelated.statement_id.in_(targets), StatementRelated.kind == _REF_KIND
        )
    )
    out: dict[str, list[str]] = {}
    for statement_id, value in rows:
        out.setdefault(statement_id, []).append(value)
    return out


def count_statements(session: Session) -> int:
    """How many statements are stored."""
    return int(session.scalar(select(func.count()).select_from(Statement)) or 0)


def statements_of_client(session: Session, client_id: int) -> int:
    """How many statements a client has sent."""
    return int(session.scalar(select(func.count()).where(Statement.client_id == client_id)) or 0)


def get_cmi5_by_fetch(session: Session, token_hash: str) -> Cmi5Session | None:
    """A cmi5 session by the hash of its fetch token."""
    return session.scalars(select(Cmi5Session).where(Cmi5Session.fetch_token_hash == token_hash)).first()


def get_cmi5_by_key(session: Session, key: str) -> Cmi5Session | None:
    """A cmi5 session by its statement auth key."""
    return session.scalars(select(Cmi5Session).where(Cmi5Session.auth_key == key)).first()


def get_cmi5_by_registration(session: Session, registration: str) -> list[Cmi5Session]:
    """The cmi5 sessions of one registration."""
    return list(session.scalars(select(Cmi5Session).where(Cmi5Session.registration == registration)))


def cmi5_sessions_of(session: Session, person_id: int, course_id: int) -> list[Cmi5Session]:
    """A learner's cmi5 launches of a course, newest first."""
    return list(
        session.scalars(
            select(Cmi5Session)
            .where(Cmi5Session.person_id == person_id, Cmi5Session.course_id == course_id)
            .order_by(Cmi5Session.id.desc())
        )
    )


def insert_activities(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new activities; one that a concurrent request stored first is left to it."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    pg = session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql.insert(Activity) if pg else sqlite.insert(Activity)).on_conflict_do_nothing(
        index_elements=["activity_id"]
    )
    session.execute(stmt, rows)


def statements_of(session: Session, person_id: int, actor_ifis: Sequence[str]) -> list[Statement]:
    """Every statement of a person: matched to them, or by one of their agent identifiers (an erasure).

    Statements have no person index (no hot path reads them by person), so this scans them: it serves an
    erasure, a rare act of a national organiser.
    """
    stmt = select(Statement).where(or_(Statement.person_id == person_id, Statement.actor_ifi.in_(actor_ifis)))
    return list(session.scalars(stmt))


def replace_related_agents(session: Session, old: Sequence[str], new: str) -> None:
    """Point the related-agent index from a person's old identifiers to their new one."""
    session.execute(
        update(StatementRelated).where(StatementRelated.kind == "a", StatementRelated.value.in_(old)).values(value=new)
    )


def delete_agent_documents(session: Session, agent_ifis: Sequence[str]) -> None:
    """Remove the state and agent-profile documents of these agents."""
    session.execute(delete(StateDocument).where(StateDocument.agent_ifi.in_(agent_ifis)))
    session.execute(delete(AgentProfile).where(AgentProfile.agent_ifi.in_(agent_ifis)))


def get_scorm_attempt(session: Session, attempt_id: int) -> ScormAttempt | None:
    """A SCORM attempt by id."""
    return session.get(ScormAttempt, attempt_id)


def latest_scorm_attempt(session: Session, person_id: int, package_id: int, sco_id: str) -> ScormAttempt | None:
    """A learner's latest attempt at one SCO of a package."""
    return session.scalars(
        select(ScormAttempt)
        .where(ScormAttempt.person_id == person_id, ScormAttempt.package_id == package_id)
        .where(ScormAttempt.sco_id == sco_id)
        .order_by(ScormAttempt.attempt_no.desc())
        .limit(1)
    ).first()


def scorm_attempts(session: Session, person_id: int, package_id: int) -> list[ScormAttempt]:
    """Every attempt of a learner at a package, oldest first."""
    return list(
        session.scalars(
            select(ScormAttempt)
            .where(ScormAttempt.person_id == person_id, ScormAttempt.package_id == package_id)
            .order_by(ScormAttempt.sco_id, ScormAttempt.attempt_no)
        )
    )


def satisfied_scos(session: Session, person_id: int, package_id: int) -> set[str]:
    """The SCOs of a package a learner has satisfied in some attempt."""
    return set(
        session.scalars(
            select(ScormAttempt.sco_id)
            .where(ScormAttempt.person_id == person_id, ScormAttempt.package_id == package_id)
            .where(ScormAttempt.satisfied_at.is_not(None))
        )
    )


def best_scorm_attempts(session: Session, person_id: int, package_id: int) -> list[ScormAttempt]:
    """Per SCO, the learner's first satisfied attempt (else the latest one)."""
    best: dict[str, ScormAttempt] = {}
    for attempt in scorm_attempts(session, person_id, package_id):
        kept = best.get(attempt.sco_id)
        if kept is None or kept.satisfied_at is None:
            best[attempt.sco_id] = attempt
    return list(best.values())


def delete_scorm_attempts(session: Session, person_id: int) -> None:
    """Remove a person's SCORM attempts (their CMI data holds their name and answers)."""
    session.execute(delete(ScormAttempt).where(ScormAttempt.person_id == person_id))
