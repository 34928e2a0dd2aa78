"""Every query of the directory. Organisation scoping lives here, once: `in_subtrees`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Select, String, any_, bindparam, cast, false, func, literal, or_, select
from sqlalchemy.orm import Session

from saptah.directory.models import ErasedIdentity, Organisation, Person, RoleChange, RoleGrant


def in_subtrees(paths: Sequence[str] | None, path_column: ColumnElement[str] | None = None) -> ColumnElement[bool]:
    """SQL condition: the organisation path lies in one of the subtrees (None: anywhere)."""
    col = path_column if path_column is not None else Organisation.path
    if paths is None:
        return col.is_not(None)
    if not paths:
        return false()
    return or_(*[col.startswith(p, autoescape=True) for p in paths])


def get_org(session: Session, org_id: int) -> Organisation | None:
    """An organisation by id."""
    return session.get(Organisation, org_id)


def get_org_by_code(session: Session, code: str) -> Organisation | None:
    """An organisation by its stable code (case-insensitive)."""
    return session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))


def orgs_by_codes(session: Session, codes: Sequence[str]) -> dict[str, Organisation]:
    """Organisations keyed by code."""
    rows = session.scalars(select(Organisation).where(Organisation.code.in_(list(codes))))
    return {o.code: o for o in rows}


def children(session: Session, parent_id: int | None) -> list[Organisation]:
    """Direct children of an organisation (None: the roots), by name."""
    cond = Organisation.parent_id.is_(None) if parent_id is None else Organisation.parent_id == parent_id
    return list(session.scalars(select(Organisation).where(cond).order_by(Organisation.name_en)))


def subtree(session: Session, paths: Sequence[str] | None) -> list[Organisation]:
    """Every organisation inside the given subtrees, tree order."""
    return list(session.scalars(select(Organisation).where(in_subtrees(paths)).order_by(Organisation.path)))


def subtree_ids(session: Session, path: str) -> list[int]:
    """Ids of an organisation and everything below it (an indexed prefix scan)."""
    return list(session.scalars(select(Organisation.id).where(Organisation.path.startswith(path, autoescape=True))))


def add_org(session: Session, org: Organisation, parent: Organisation | None) -> Organisation:
    """Insert an organisation and set its materialised path."""
    org.parent_id = parent.id if parent else None
    org.path = ""
    session.add(org)
    session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    org.depth = parent.depth + 1 if parent else 0
    session.flush()
    return org


def count_orgs(session: Session) -> int:
    """Number of organisations."""
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def get_person(session: Session, person_id: int) -> Person | None:
    """A person by id."""
    return session.get(Person, person_id)


def languages_of(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """Each person's interface language, in one query."""
    if not person_ids:
        return {}
    stmt = select(Person.id, Person.preferred_language).where(Person.id.in_(list(person_ids)))
    return {pid: lang or "en" for pid, lang in session.execute(stmt)}


def people_by_ids(session: Session, person_ids: Sequence[int]) -> dict[int, Person]:
    """People by id, in one query."""
    if not person_ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(set(person_ids))))}


def orgs_by_ids(session: Session, org_ids: Sequence[int]) -> dict[int, Organisation]:
    """Organisations by id, in one query."""
    if not org_ids:
        return {}
    return {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(set(org_ids))))}


def email_among(session: Session, emails: Sequence[str]) -> ColumnElement[bool]:
    """e-mail IN (...). On PostgreSQL one text parameter split by the server: thousands of parameters, or an
    array parameter dumped element by element, cost more to send than the look-up itself. A valid e-mail
    never holds a line break, so one joins them safely."""
    if session.get_bind().dialect.name == "postgresql":
        joined = bindparam("emails", "\n".join(emails), type_=String)
        return Person.email == any_(func.string_to_array(joined, literal("\n", String)))
    return Person.email.in_(list(emails))


def welcome_addresses(session: Session, emails: Sequence[str]) -> Select[str, str]:
    """('welcome:<id>', e-mail) of the people with these e-mails who have no password yet: the welcome e-mails to
    queue, one per person, selected in the database."""
    key = literal("welcome:", String) + cast(Person.id, String)
    return select(key, Person.email).where(email_among(session, emails), Person.password_hash.is_(None))


def get_person_by_email(session: Session, email: str) -> Person | None:
    """A person by e-mail (stored lower-cased)."""
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


def people_query(paths: Sequence[str] | None, q: str | None) -> Select[Person]:
    """People in the subtrees, optionally matching words in name, e-mail or employee ID."""
    stmt = select(Person).join(Organisation, Person.org_id == Organisation.id).where(in_subtrees(paths))
    if q:
        word = q.strip()
        # `%` and `_` typed by a person are letters, not wildcards.
        stmt = stmt.where(
            or_(
                func.lower(Person.full_name).contains(word.lower(), autoescape=True),
                Person.email.contains(word.lower(), autoescape=True),
                Person.employee_id == word,
            )
        )
    return stmt


def search_people(
    session: Session, *, paths: Sequence[str] | None, q: str | None, page: int, size: int
) -> tuple[int, list[Person]]:
    """One page of people in the subtrees, and the total."""
    stmt = people_query(paths, q)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Person.full_name, Person.id).offset((page - 1) * size).limit(size))
    return total, list(rows)


def count_people(session: Session, paths: Sequence[str] | None = None) -> int:
    """People in the subtrees."""
    stmt = select(func.count(Person.id)).join(Organisation, Person.org_id == Organisation.id)
    return session.scalar(stmt.where(in_subtrees(paths))) or 0


def active_grants(session: Session, person_id: int, today: date) -> list[tuple[RoleGrant, str | None]]:
    """Unrevoked, unexpired grants of a person with their organisation path."""
    stmt = (
        select(RoleGrant, Organisation.path)
        .outerjoin(Organisation, RoleGrant.org_id == Organisation.id)
        .where(RoleGrant.person_id == person_id, RoleGrant.revoked_at.is_(None))
        .where(or_(RoleGrant.expires_on.is_(None), RoleGrant.expires_on >= today))
    )
    return [(g, p) for g, p in session.execute(stmt).all()]


def find_grant(session: Session, person_id: int, role: str, org_id: int | None) -> RoleGrant | None:
    """The live grant of a role over an organisation, if any."""
    cond = RoleGrant.org_id.is_(None) if org_id is None else RoleGrant.org_id == org_id
    stmt = select(RoleGrant).where(
        RoleGrant.person_id == person_id, RoleGrant.role == role, cond, RoleGrant.revoked_at.is_(None)
    )
    return session.scalar(stmt)


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def role_history(session: Session, person_id: int) -> list[RoleChange]:
    """Every role change of a person, newest first."""
    stmt = select(RoleChange).where(RoleChange.person_id == person_id).order_by(RoleChange.at.desc())
    return list(session.scalars(stmt))


def remember_erased(session: Session, digest: str) -> None:
    """Keep an erased person's tombstone (once: the same e-mail may be erased again after a re-registration)."""
    if session.get(ErasedIdentity, digest) is None:
        session.add(ErasedIdentity(digest=digest))
        session.flush()


def anyone_erased(session: Session) -> bool:
    """Whether any person was ever erased."""
    return session.scalar(select(ErasedIdentity.digest).limit(1)) is not None


def erased_among(session: Session, digests: Sequence[str]) -> set[str]:
    """Which of these digests belong to erased people."""
    found: set[str] = set()
    for start in range(0, len(digests), 5_000):  # SQLite binds at most 32,766 values a statement
        part = list(digests[start : start + 5_000])
        found.update(session.scalars(select(ErasedIdentity.digest).where(ErasedIdentity.digest.in_(part))))
    return found


def org_ids_of(session: Session, person_ids: Sequence[int]) -> list[int]:
    """The organisations these people belong to (each once)."""
    if not person_ids:
        return []
    stmt = select(Person.org_id).where(Person.id.in_(sorted(set(person_ids)))).distinct()
    return sorted(int(o) for o in session.scalars(stmt))
