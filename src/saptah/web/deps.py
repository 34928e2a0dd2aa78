"""Request plumbing: the transaction, the acting principal, CSRF and cross-origin checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Origin
from saptah.auth import service as auth
from saptah.config import Settings
from saptah.core.db import unit_of_work
from saptah.core.errors import Forbidden, NotAuthenticated
from saptah.core.security import same, signed_by
from saptah.directory.schemas import Principal
from saptah.directory.service import load_principal

SESSION_COOKIE = "saptah_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_COOKIE = "saptah_csrf"
CSRF_FIELD = "csrf_token"


def get_db(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit when the handler returns, roll back when it raises."""
    with unit_of_work(request.app.state.sessionmaker) as session:
        audit.stamp(session, request_origin(request))
        yield session


def request_origin(request: Request) -> Origin:
    """Where a request's acts come from: the JSON API or a web page, and the client address."""
    path = request.url.path
    api = path.startswith(("/api/", "/xapi")) or _bearer(request) is not None
    return Origin("api" if api else "web", request.client.host if request.client else None)


DB = Annotated[Session, Depends(get_db, scope="function")]


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def optional_principal(request: Request, db: DB) -> Principal | None:
    """The signed-in person or API token owner, if any."""
    raw = _bearer(request)
    if raw is not None:
        person_id, scopes = auth.person_for_api_token(db, raw)
        if request.method not in ("GET", "HEAD", "OPTIONS") and "write" not in scopes:
            raise Forbidden("This API token is read-only.")
        principal = load_principal(db, person_id)
        principal = Principal(**{**principal.__dict__, "token_scopes": scopes})
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        person_id_or_none = auth.person_for_session(db, cookie) if cookie else None
        if person_id_or_none is None:
            return None
        if request.method not in SAFE_METHODS and not same_origin(request):
            raise Forbidden("This request came from another site. Use Saptah's own pages, or an API token.")
        principal = load_principal(db, person_id_or_none)
    request.state.principal = principal
    return principal


def same_origin(request: Request) -> bool:
    """Whether a browser sent this request from Saptah's own pages.

    A cookie goes with every request to Saptah, whichever site's page makes it, so a write authenticated by the
    cookie alone must come from Saptah's origin. Browsers say where a request comes from (`Sec-Fetch-Site`, and
    `Origin` on every cross-origin write); a request that says neither is not a browser's cross-site one.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = {f"{request.url.scheme}://{request.url.netloc}", _origin(request.app.state.settings.base_url)}
    return origin.rstrip("/").lower() in own


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The acting principal, or 401."""
    if principal is None:
        raise NotAuthenticated("Please sign in.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def csrf_matches(request: Request, sent: object) -> bool:
    """Whether a form's token is its CSRF cookie, and that cookie one Saptah issued (signed with the secret key,
    so a cookie planted by a neighbouring site cannot be matched by a form it also forges)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not same(sent, cookie):
        return False
    return signed_by(request.app.state.settings.secret_key, cookie)


async def csrf_protect(request: Request) -> None:
    """Every form POST must carry the token of its CSRF cookie."""
    form = await request.form()
    if not csrf_matches(request, form.get(CSRF_FIELD)):
        raise Forbidden("This form has expired or did not come from Saptah. Reload the page and try again.")


CSRF = Depends(csrf_protect)
