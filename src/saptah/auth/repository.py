"""Every query of sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, any_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from saptah.auth.models import ApiToken, LoginFailure, PasswordToken, UserSession


def session_by_hash(session: Session, token_hash: str) -> UserSession | None:
    """A browser session by token hash."""
    return session.scalar(select(UserSession).where(UserSession.token_hash == token_hash))


def live_sessions_by_hashes(session: Session, hashes: Sequence[str], now: datetime) -> dict[str, int]:
    """Token hash -> person of the sessions among these that are live now (one query, no ORM objects)."""
    if not hashes:
        return {}
    t = UserSession.__table__.c
    if session.get_bind().dialect.name == "postgresql":  # one statement text whatever the count: prepared once
        among = t.token_hash == any_(bindparam("hashes", type_=postgresql.ARRAY(String)))
    else:
        among = t.token_hash.in_(bindparam("hashes", expanding=True))
    stmt = select(t.token_hash, t.person_id).where(among, t.ended_at.is_(None), t.expires_at >= now)
    return {h: p for h, p in session.execute(stmt, {"hashes": list(hashes)})}


def password_token_by_hash(session: Session, token_hash: str) -> PasswordToken | None:
    """A one-time link by token hash."""
    return session.scalar(select(PasswordToken).where(PasswordToken.token_hash == token_hash))


def api_token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    """An API token by hash."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


def api_tokens_of(session: Session, person_id: int) -> list[ApiToken]:
    """A person's API tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def failures_since(session: Session, *, email: str | None = None, address: str | None = None, since: datetime) -> int:
    """Failed sign-ins for an account or an address since a moment."""
    stmt = select(func.count(LoginFailure.id)).where(LoginFailure.at >= since)
    if email is not None:
        stmt = stmt.where(LoginFailure.email == email)
    if address is not None:
        stmt = stmt.where(LoginFailure.address == address)
    return session.scalar(stmt) or 0


def clear_failures(session: Session, email: str) -> None:
    """Forget an account's failures after a good sign-in."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))


def delete_person_secrets(session: Session, person_id: int, email: str) -> None:
    """Remove a person's sessions, one-time links, API tokens and failed sign-ins (an erasure)."""
    for model in (UserSession, PasswordToken, ApiToken):
        session.execute(delete(model).where(model.person_id == person_id))
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
