"""Single sign-on rules: start a sign-in at a provider, finish it (every check), find or create the person,
and who may still sign in with a password.

A person signing in for the first time is matched to the staff their MDO imported: by e-mail, or by employee ID
within the organisation the provider names. The match is then kept (provider, subject), so a later change of
e-mail at the provider does not lose the person. Someone not imported is refused, unless the provider is set to
create people in a named organisation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.auth import repository as auth_repo
from saptah.auth.models import UserSession
from saptah.auth.sso import oidc
from saptah.auth.sso import repository as repo
from saptah.auth.sso.models import PersonIdentity, SignInRequest
from saptah.config import IdentityProvider, Settings
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Forbidden, NotAuthenticated, NotFound
from saptah.core.security import new_token, token_hash
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.models import Organisation, Person
from saptah.directory.schemas import Principal
from saptah.web.i18n import N_

REQUEST_LIFETIME = timedelta(minutes=10)
MOBILE_DIGITS = 10
UNKNOWN_PERSON = N_(
    "The identity provider knows you, but your organisation has not registered you on Saptah. "
    "Ask your MDO admin to add you to the staff list."
)
SSO_ONLY = N_("Your organisation signs its people in through single sign-on only. Use a single sign-on button below.")


class SignInRefused(Forbidden):
    """The provider vouched for someone Saptah does not let in; the message says why."""


@dataclass(frozen=True)
class Started:
    """A sign-in sent to a provider: where the browser goes and the state its cookie binds."""

    url: str
    state: str


def provider_named(settings: Settings, name: str) -> IdentityProvider:
    """A configured provider, or 404."""
    provider = settings.identity_provider(name)
    if provider is None:
        raise NotFound("No identity provider has that name.")
    return provider


def callback_url(settings: Settings, provider: IdentityProvider) -> str:
    """The redirect URI registered at the provider."""
    return f"{settings.base_url.rstrip('/')}/sign-in/sso/{provider.name}/callback"


def start(
    session: Session, settings: Settings, cache: oidc.ProviderCache, *, provider: IdentityProvider, next_path: str
) -> Started:
    """Record a new sign-in (state, nonce, PKCE verifier) and give the provider's authorisation address."""
    meta = cache.metadata(provider)
    repo.forget_requests_before(session, utcnow() - REQUEST_LIFETIME)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    session.add(
        SignInRequest(
            state_hash=token_hash(state), provider=provider.name, nonce=nonce, verifier=verifier, next_path=next_path
        )
    )
    session.flush()
    url = oidc.authorisation_url(
        provider, meta, redirect_uri=callback_url(settings, provider), state=state, nonce=nonce, verifier=verifier
    )
    return Started(url=url, state=state)


def spend_request(
    session: Session, *, provider: IdentityProvider, state: str, cookie_state: str | None
) -> SignInRequest:
    """The sign-in this state belongs to, spent now; refused when unknown, spent, stale or from another browser."""
    if not state or cookie_state is None or not secrets.compare_digest(state, cookie_state):
        raise NotAuthenticated("This sign-in was not started in this browser. Start again from the sign-in page.")
    row = repo.request_by_state(session, token_hash(state))
    if row is None or row.provider != provider.name:
        raise NotAuthenticated("This sign-in is unknown or has expired. Start again from the sign-in page.")
    if row.used_at is not None:
        raise NotAuthenticated("This sign-in has already been used. Start again from the sign-in page.")
    if row.created_at < utcnow() - REQUEST_LIFETIME:
        raise NotAuthenticated("This sign-in took too long and has expired. Start again from the sign-in page.")
    row.used_at = utcnow()
    session.flush()
    return row


def verified_claims(
    settings: Settings, cache: oidc.ProviderCache, *, provider: IdentityProvider, request: SignInRequest, code: str
) -> tuple[dict[str, Any], str]:
    """Exchange the code and check the ID token; the person's claims (with userinfo's) and the raw ID token."""
    meta = cache.metadata(provider)
    tokens = oidc.exchange_code(
        provider,
        meta,
        code=code,
        redirect_uri=callback_url(settings, provider),
        verifier=request.verifier,
        timeout=settings.oidc_timeout,
    )
    claims = oidc.verify_id_token(provider, meta, cache, tokens["id_token"], nonce=request.nonce)
    wanted = [c for c in provider.claims.model_dump().values() if c]
    if any(c not in claims for c in wanted):
        info = oidc.userinfo(
            meta, str(tokens.get("access_token") or ""), sub=claims["sub"], timeout=settings.oidc_timeout
        )
        claims = {**info, **claims}
    return claims, tokens["id_token"]


def _claim(claims: dict[str, Any], name: str | None) -> str | None:
    value = claims.get(name) if name else None
    return str(value).strip() or None if value is not None else None


def find_person(session: Session, provider: IdentityProvider, claims: dict[str, Any]) -> tuple[Person, str]:
    """The person these verified claims are: linked before, matched by e-mail or employee ID, or created."""
    sub = str(claims["sub"])
    linked = repo.identity(session, provider.name, sub)
    if linked is not None:
        person = people.get_person(session, linked.person_id)
        assert person is not None
        return person, "linked"
    cm = provider.claims
    email = _claim(claims, cm.email)
    if email and claims.get("email_verified") is False:
        email = None  # an address the provider has not checked proves nothing
    person = people.get_person_by_email(session, email) if email else None
    how = "email"
    org_code, employee_id = _claim(claims, cm.org_code), _claim(claims, cm.employee_id)
    if person is None and org_code and employee_id:
        org = people.get_org_by_code(session, org_code)
        found = repo.person_by_employee_id(session, org.path, employee_id) if org else []
        person, how = (found[0], "employee_id") if len(found) == 1 else (None, how)
    if person is None:
        person, how = _create(session, provider, claims, email), "created"
    elif repo.identity_of(session, provider.name, person.id) is not None:
        raise SignInRefused(
            N_("Your Saptah account is linked to another account at this identity provider. Ask your MDO admin.")
        )
    session.add(PersonIdentity(provider=provider.name, subject=sub, person_id=person.id))
    session.flush()
    return person, how


def _create(session: Session, provider: IdentityProvider, claims: dict[str, Any], email: str | None) -> Person:
    if not provider.create_people_in:
        raise SignInRefused(UNKNOWN_PERSON)
    org = people.get_org_by_code(session, provider.create_people_in)
    if org is None:
        raise SignInRefused(N_("Saptah is not set up to add people from this identity provider. Tell the Saptah team."))
    cm = provider.claims
    name = _claim(claims, cm.name)
    if not email or not name:
        raise SignInRefused(
            N_("The identity provider did not share your e-mail and name, which Saptah needs to add you.")
        )
    mobile = _claim(claims, cm.mobile)
    digits = "".join(ch for ch in mobile or "" if ch.isdigit())[-MOBILE_DIGITS:]
    employee_id = _claim(claims, cm.employee_id)
    person = directory.create_person(
        session,
        full_name=name[:200],
        email=email,
        org=org,
        mobile=digits if len(digits) == MOBILE_DIGITS else None,
        employee_id=employee_id[:30] if employee_id else None,
    )
    audit.record(
        session,
        act=Act.SSO_PERSON_CREATE,
        actor_id=None,
        target_person_id=person.id,
        details={"provider": provider.name},
    )
    return person


def sign_in(
    session: Session, settings: Settings, *, provider: IdentityProvider, claims: dict[str, Any], id_token: str
) -> tuple[str, Person]:
    """Open a Saptah session for the person these claims are; returns the session token."""
    person, how = find_person(session, provider, claims)
    if person.status != "active":
        raise SignInRefused(N_("This account is suspended. Ask your MDO admin."))
    now = utcnow()
    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            person_id=person.id,
            expires_at=now + timedelta(hours=settings.session_hours),
            idp=provider.name,
            id_token=id_token,
        )
    )
    link = repo.identity(session, provider.name, str(claims["sub"]))
    if link is not None:
        link.last_sign_in_at = now
    if person.first_sign_in_at is None:
        person.first_sign_in_at = now
    session.flush()
    act = Act.SSO_SIGN_IN if how == "linked" else Act.SSO_LINK
    audit.record(
        session, act=act, actor_id=person.id, target_person_id=person.id, details={"provider": provider.name, "by": how}
    )
    signals.publish(session, signals.PersonSignedIn(person.id, now))
    return token, person


def record_refusal(session: Session, *, provider: str, reason: str, person_id: int | None = None) -> None:
    """Keep a refused sign-in in the audit log (no e-mail or name: the reason is the error's code)."""
    audit.record(
        session,
        act=Act.SIGN_IN_REFUSED,
        actor_id=None,
        target_person_id=person_id,
        details={"provider": provider, "reason": reason},
    )


def session_provider(session: Session, token: str) -> tuple[str | None, str | None]:
    """The provider and ID token a browser session was opened with (None, None: a password sign-in)."""
    row = auth_repo.session_by_hash(session, token_hash(token))
    if row is None:
        return None, None
    return row.idp, row.id_token


def password_refusal(session: Session, person: Person) -> str | None:
    """Why this person may not sign in with a password (their organisation uses single sign-on), if so."""
    org = people.get_org(session, person.org_id)
    if org is None or repo.password_off_on_path(session, org.path) is None:
        return None
    return SSO_ONLY


def set_password_sign_in(session: Session, principal: Principal, *, org_id: int, allowed: bool) -> Organisation:
    """An MDO admin or national organiser turns password sign-in on or off for an organisation they administer."""
    org = directory.require_org_admin(session, principal, org_id)
    if org.password_sign_in != allowed:
        org.password_sign_in = allowed
        session.flush()
        audit.record(
            session,
            act=Act.PASSWORD_SIGN_IN_POLICY,
            actor_id=principal.person_id,
            org_id=org.id,
            target=f"organisation {org.code}",
            details={"password_sign_in": allowed},
        )
    return org


def forget_person(session: Session, event: signals.PersonErased) -> None:
    """An erased person: their links to identity providers go too."""
    repo.delete_identities_of(session, event.person_id)
    session.flush()
