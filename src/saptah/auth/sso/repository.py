"""Every query of single sign-on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from saptah.auth.sso.models import PersonIdentity, SignInRequest
from saptah.directory.models import Organisation, Person


def request_by_state(session: Session, state_hash: str, *, lock: bool = True) -> SignInRequest | None:
    """A sign-in under way by the hash of its state (locked, so two callbacks cannot both spend it)."""
    stmt = select(SignInRequest).where(SignInRequest.state_hash == state_hash)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def forget_requests_before(session: Session, moment: datetime) -> None:
    """Drop sign-ins started before a moment (spent or abandoned)."""
    session.execute(delete(SignInRequest).where(SignInRequest.created_at < moment))


def identity(session: Session, provider: str, subject: str) -> PersonIdentity | None:
    """The link of a provider's subject to a person."""
    stmt = select(PersonIdentity).where(PersonIdentity.provider == provider, PersonIdentity.subject == subject)
    return session.scalar(stmt)


def identity_of(session: Session, provider: str, person_id: int) -> PersonIdentity | None:
    """A person's link at a provider, if they have one."""
    stmt = select(PersonIdentity).where(PersonIdentity.provider == provider, PersonIdentity.person_id == person_id)
    return session.scalar(stmt)


def person_by_employee_id(session: Session, org_path: str, employee_id: str) -> list[Person]:
    """People with this employee ID in an organisation's subtree (more than one: ambiguous)."""
    stmt = (
        select(Person)
        .join(Organisation, Organisation.id == Person.org_id)
        .where(and_(Person.employee_id == employee_id, Organisation.path.startswith(org_path)))
        .limit(2)
    )
    return list(session.scalars(stmt))


def password_off_on_path(session: Session, org_path: str) -> Organisation | None:
    """The organisation on this path (the person's own or one above it) that switched password sign-in off."""
    ids = [int(part) for part in org_path.strip("/").split("/") if part]
    stmt = (
        select(Organisation)
        .where(Organisation.id.in_(ids), Organisation.password_sign_in.is_(False))
        .order_by(Organisation.depth)
        .limit(1)
    )
    return session.scalar(stmt)


def delete_identities_of(session: Session, person_id: int) -> None:
    """Forget a person's linked identities (an erasure)."""
    session.execute(delete(PersonIdentity).where(PersonIdentity.person_id == person_id))
