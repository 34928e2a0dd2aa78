"""LRS clients: credentials issued to providers, their scopes, and authenticating the caller of each request."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core.db import utcnow
from saptah.core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from saptah.core.security import new_token, same, token_hash
from saptah.directory.models import Role
from saptah.directory.schemas import Principal
from saptah.lrs import repository as repo
from saptah.lrs.models import LrsClient

DEFAULT_SCOPES = "statements/write statements/read/mine state profile define"
ALL_SCOPES = ("all", "statements/write", "statements/read", "statements/read/mine", "state", "profile", "define")


@dataclass(frozen=True)
class Caller:
    """Who is calling the LRS: a provider's client or a cmi5 launch session."""

    client_id: int | None
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    cmi5_session_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def may(self, scope: str) -> bool:
        """True when the caller holds the scope (or 'all')."""
        return "all" in self.scopes or scope in self.scopes


PROVIDER_SCOPES = ("statements/write", "statements/read/mine", "state", "profile", "define")


def provider_orgs(principal: Principal) -> list[int] | None:
    """The provider organisations whose clients this person manages (None: every one, a national organiser)."""
    if principal.is_national:
        return None
    ids = [s.org_id for s in principal.scopes if s.role == Role.CONTENT_PROVIDER and s.org_id is not None]
    if not ids:
        raise Forbidden("LRS credentials are managed by content providers and national organisers.")
    return ids


def issue_for(
    session: Session, principal: Principal, *, name: str, org_id: int | None, scopes: list[str]
) -> tuple[LrsClient, str]:
    """A provider issues credentials for its own organisation with scopes it may hold; organisers any."""
    mine = provider_orgs(principal)
    chosen = [s for s in dict.fromkeys(scopes) if s]
    if not chosen:
        raise InvalidInput("Choose at least one scope.")
    if mine is not None:
        if org_id is None:
            org_id = mine[0]
        if org_id not in mine:
            raise Forbidden("You can issue credentials only for your own organisation.")
        outside = [s for s in chosen if s not in PROVIDER_SCOPES]
        if outside:
            raise Forbidden(f"Scope {outside[0]} is for national organisers; choose from {', '.join(PROVIDER_SCOPES)}.")
    return create_client(session, name=name, org_id=org_id, scopes=" ".join(chosen), created_by=principal.person_id)


def revoke_for(session: Session, principal: Principal, client_id: int) -> LrsClient:
    """Revoke one of the principal's own clients (another organisation's is a 404)."""
    mine = provider_orgs(principal)
    client = repo.get_client(session, client_id)
    if client is None or (mine is not None and client.org_id not in mine):
        raise NotFound("No such LRS client.")
    return revoke_client(session, client_id, actor_id=principal.person_id)


def clients_for(session: Session, principal: Principal) -> list[LrsClient]:
    """The clients the principal manages, newest first."""
    mine = provider_orgs(principal)
    return [c for c in repo.list_clients(session) if mine is None or c.org_id in mine]


def create_client(
    session: Session, *, name: str, org_id: int | None, scopes: str = DEFAULT_SCOPES, created_by: int | None = None
) -> tuple[LrsClient, str]:
    """Issue credentials; the secret is returned once and stored only as a hash."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("A client needs a name of 1 to 200 characters.")
    unknown = [s for s in scopes.split() if s not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(f"Unknown scope {unknown[0]}; scopes are: {', '.join(ALL_SCOPES)}.")
    key = "lrs_" + uuid.uuid4().hex[:20]
    secret = new_token()
    client = LrsClient(
        name=name, key=key, secret_hash=token_hash(secret), org_id=org_id, scopes=scopes, created_by=created_by
    )
    repo.add(session, client)
    audit.record(
        session,
        act=Act.LRS_CLIENT_CREATE,
        actor_id=created_by,
        org_id=org_id,
        target=f"LRS client {client.id} ({key})",
        details={"scopes": scopes},
    )
    return client, secret


def revoke_client(session: Session, client_id: int, *, actor_id: int | None = None) -> LrsClient:
    """Revoke a client's credentials at once (actor None: the command line or the system)."""
    client = repo.get_client(session, client_id)
    if client is None:
        raise NotFound("No such LRS client.")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            act=Act.LRS_CLIENT_REVOKE,
            actor_id=actor_id,
            org_id=client.org_id,
            target=f"LRS client {client.id} ({client.key})",
        )
    _AUTHENTICATED.clear()
    return client


# Credentials that passed, by (database, base URL, exact Authorization header): a provider's content sends a
# request every few milliseconds, and checking the key each time costs a query. A revocation clears this
# process's entries at once; other server processes stop accepting the credentials within AUTH_CACHE_SECONDS.
AUTH_CACHE_SECONDS = 5.0
AUTH_CACHE_SIZE = 10_000
_AUTHENTICATED: dict[tuple[str, str, str], tuple[float, Caller]] = {}


def _basic(header: str | None) -> tuple[str, str]:
    if not header or not header.lower().startswith("basic "):
        raise NotAuthenticated("The LRS needs HTTP Basic credentials issued to your organisation.")
    try:
        key, sep, secret = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAuthenticated("The Authorization header is not valid HTTP Basic.") from exc
    if not sep:
        raise NotAuthenticated("The Authorization header is not valid HTTP Basic.")
    return key, secret


def remembered_caller(database: str, header: str | None, base_url: str) -> Caller | None:
    """The caller whose exact credentials this process checked less than AUTH_CACHE_SECONDS ago, else None."""
    hit = _AUTHENTICATED.get((database, base_url, header or ""))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def authenticate(session: Session, header: str | None, base_url: str) -> Caller:
    """The caller for an Authorization header, or 401."""
    key, secret = _basic(header)
    if key.startswith("cmi5_"):
        from saptah.lrs import cmi5

        return cmi5.caller_for(session, key, secret, base_url)
    remembered = (str(session.get_bind().engine.url), base_url, header or "")
    hit = _AUTHENTICATED.get(remembered)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    client = repo.get_client_by_key(session, key)
    if client is None or not same(client.secret_hash, token_hash(secret)) or client.revoked_at is not None:
        raise NotAuthenticated("Those LRS credentials are not valid (or were revoked).")
    authority = {"objectType": "Agent", "name": client.name, "account": {"homePage": base_url, "name": client.key}}
    caller = Caller(client.id, client.name, frozenset(client.scopes.split()), authority)
    if len(_AUTHENTICATED) >= AUTH_CACHE_SIZE:
        _AUTHENTICATED.clear()
    _AUTHENTICATED[remembered] = (time.monotonic() + AUTH_CACHE_SECONDS, caller)
    return caller
