"""Sign-in rules: passwords, sessions, one-time links, rate limits, API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from saptah.auth import repository as repo
from saptah.auth.models import ApiToken, LoginFailure, PasswordToken, UserSession
from saptah.auth.sso import service as sso
from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from saptah.core.security import hash_password, new_token, token_hash, verify_password
from saptah.directory import repository as people
from saptah.directory.models import Person
from saptah.directory.service import check_password_strength, normalise_email
from saptah.notify import service as outbox
from saptah.web.i18n import translate


class PasswordSignInOff(Forbidden):
    """The person's organisation signs its people in through single sign-on only."""


LINK_LIFETIME = {"setup": timedelta(days=7), "reset": timedelta(hours=2)}
FAILURE_WINDOW = timedelta(minutes=15)
TOKEN_SCOPES = {"read", "write"}


def sign_in(session: Session, settings: Settings, *, email: str, password: str, address: str) -> tuple[str, Person]:
    """Check a password (rate limited per account and address); returns a new session token."""
    email = normalise_email(email)
    since = utcnow() - FAILURE_WINDOW
    if repo.failures_since(session, address=address, since=since) >= settings.login_max_failures_address:
        raise TooManyRequests("Too many failed sign-ins from this address. Try again in 15 minutes.")
    if repo.failures_since(session, email=email, since=since) >= settings.login_max_failures_account:
        raise TooManyRequests("Too many failed sign-ins for this account. Try again in 15 minutes.")
    person = people.get_person_by_email(session, email)
    ok = verify_password(person.password_hash if person else None, password)
    if person is not None and (ok or person.password_hash is None):
        _refuse_if_sso_only(session, person)
    if not ok or person is None:
        session.add(LoginFailure(email=email, address=address))
        session.flush()
        raise NotAuthenticated("Wrong e-mail or password.")
    if person.status != "active":
        raise Forbidden("This account is suspended. Ask your MDO admin.")
    repo.clear_failures(session, email)
    token = new_token()
    now = utcnow()
    session.add(
        UserSession(
            token_hash=token_hash(token), person_id=person.id, expires_at=now + timedelta(hours=settings.session_hours)
        )
    )
    if person.first_sign_in_at is None:
        person.first_sign_in_at = now
    session.flush()
    signals.publish(session, signals.PersonSignedIn(person.id, now))
    return token, person


def _refuse_if_sso_only(session: Session, person: Person) -> None:
    """Refuse (and record) a password sign-in where the person's organisation switched it off."""
    reason = sso.password_refusal(session, person)
    if reason is not None:
        sso.record_refusal(session, provider="password", reason="password_sign_in_off", person_id=person.id)
        raise PasswordSignInOff(reason)


def person_for_session(session: Session, token: str) -> int | None:
    """The person a session cookie belongs to, if it is live."""
    row = repo.session_by_hash(session, token_hash(token))
    if row is None or row.ended_at is not None or row.expires_at < utcnow():
        return None
    return row.person_id


def people_for_sessions(session: Session, tokens: Sequence[str]) -> dict[str, int]:
    """The person behind each of these session cookies that is live (one query for the lot)."""
    hashes = {token_hash(t): t for t in tokens}
    found = repo.live_sessions_by_hashes(session, sorted(hashes), utcnow())
    return {hashes[h]: person_id for h, person_id in found.items()}


def sign_out(session: Session, token: str) -> None:
    """End a browser session."""
    row = repo.session_by_hash(session, token_hash(token))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.flush()


def _new_link(session: Session, settings: Settings, person: Person, purpose: str) -> tuple[str, str, str]:
    """A one-time link for a person, valid from now: (raw token, subject, body of the e-mail that carries it, in
    the language kept in the person's profile)."""
    token = new_token()
    session.add(
        PasswordToken(
            token_hash=token_hash(token),
            person_id=person.id,
            purpose=purpose,
            expires_at=utcnow() + LINK_LIFETIME[purpose],
        )
    )
    session.flush()
    lang = person.preferred_language or "en"
    subject, body = _link_mail(settings, purpose, person.full_name, person.email, token, lang)
    return token, subject, body


def issue_password_link(session: Session, settings: Settings, *, person: Person, purpose: str) -> str:
    """Create a one-time link and queue the e-mail that carries it; returns the raw token."""
    token, subject, body = _new_link(session, settings, person, purpose)
    outbox.enqueue(
        session,
        to=person.email,
        subject=subject,
        body=body,
        kind=f"password_{purpose}",
        dedupe_key=f"pw:{token_hash(token)}",
    )
    return token


def _link_mail(
    settings: Settings, purpose: str, name: str, email: str, token: str, lang: str = "en"
) -> tuple[str, str]:
    link = f"{settings.base_url}/set-password/{token}"
    if purpose == "setup":
        subject = translate("Welcome to Saptah: set your password", lang)
        body = translate(
            "Dear {name},\n\nYour organisation has registered you on Saptah for the National Learning Week.\n"
            "Set your password here (valid for 7 days, once):\n{link}\n\nYour sign-in is {email}.\n",
            lang,
            name=name,
            link=link,
            email=email,
        )
    else:
        subject = translate("Saptah: reset your password", lang)
        body = translate(
            "Dear {name},\n\nTo choose a new password open this link (valid for 2 hours, once):\n{link}\n\n"
            "If you did not ask, ignore this e-mail.\n",
            lang,
            name=name,
            link=link,
        )
    return subject, body


SETUP_KIND = "password_setup"


def queue_setup_links(session: Session, emails: Sequence[str]) -> None:
    """Queue the welcome e-mail of the people with these e-mails who have no password yet, each once per person:
    one statement, run in the database.

    The set-password link is made when the e-mail is sent (`compose_setup`): a bulk upload of a million people
    queues a million welcomes in seconds while the outbox sends them at the mail server's pace, and each link is
    then valid for its full 7 days from the moment it arrives, not from the upload."""
    if emails:
        outbox.enqueue_composed(session, SETUP_KIND, people.welcome_addresses(session, emails))


def compose_setup(session: Session, settings: object, to_addr: str) -> outbox.Composed:
    """The welcome e-mail of a queued welcome, written as it is sent: a new set-password link in the person's
    language; not sent when the person is gone, deactivated, or has set a password (or signed in) meanwhile."""
    assert isinstance(settings, Settings)
    person = people.get_person_by_email(session, to_addr)
    if person is None or person.status != "active":
        return outbox.Composed(skip="Not sent: nobody active has this e-mail address any more.")
    if person.password_hash is not None:
        return outbox.Composed(skip="Not sent: this person set a password before the welcome went out.")
    _token, subject, body = _new_link(session, settings, person, "setup")
    return outbox.Composed(subject=subject, body=body)


def request_reset(session: Session, settings: Settings, *, email: str) -> None:
    """Send a reset link if the account exists; say nothing either way (no account probing)."""
    person = people.get_person_by_email(session, normalise_email(email))
    if person is not None and person.status == "active":
        issue_password_link(session, settings, person=person, purpose="reset")


def check_password_link(session: Session, token: str) -> PasswordToken:
    """A link that is known, unused and unexpired, or a clear error."""
    row = repo.password_token_by_hash(session, token_hash(token))
    if row is None:
        raise NotFound("This link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise InvalidInput("This link has already been used. Ask for a new one.")
    if row.expires_at < utcnow():
        raise InvalidInput("This link has expired. Ask for a new one.")
    return row


def use_password_link(session: Session, *, token: str, password: str) -> Person:
    """Set a password through a one-time link and spend the link."""
    row = check_password_link(session, token)
    check_password_strength(password)
    person = people.get_person(session, row.person_id)
    assert person is not None
    person.password_hash = hash_password(password)
    row.used_at = utcnow()
    session.flush()
    return person


def create_api_token(session: Session, *, person_id: int, name: str, scopes: set[str]) -> tuple[str, ApiToken]:
    """A new API token; the raw value is shown once."""
    unknown = scopes - TOKEN_SCOPES
    if unknown or not scopes:
        raise InvalidInput("Scopes must be among: {values}.", values=", ".join(sorted(TOKEN_SCOPES)))
    raw = new_token("sapt_")
    row = ApiToken(token_hash=token_hash(raw), person_id=person_id, name=name, scopes=" ".join(sorted(scopes)))
    session.add(row)
    session.flush()
    return raw, row


def person_for_api_token(session: Session, raw: str) -> tuple[int, frozenset[str]]:
    """The owner and scopes of a live API token, or 401."""
    row = repo.api_token_by_hash(session, token_hash(raw))
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("This API token is unknown or revoked.")
    row.last_used_at = utcnow()
    return row.person_id, frozenset(row.scopes.split())


def revoke_api_token(session: Session, *, person_id: int, token_id: int) -> None:
    """Revoke one of the person's own tokens."""
    row = session.get(ApiToken, token_id)
    if row is None or row.person_id != person_id:
        raise NotFound("No such token.")
    row.revoked_at = utcnow()
    session.flush()


def forget_person(session: Session, event: signals.PersonErased) -> None:
    """An erased person: end every session and token at once and forget their failed sign-ins."""
    repo.delete_person_secrets(session, event.person_id, event.email)
    session.flush()
