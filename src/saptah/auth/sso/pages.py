"""Single sign-on pages: send the browser to a provider, take it back, and turn password sign-in on or off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from saptah.auth import cookies
from saptah.auth.sso import oidc, service
from saptah.config import Settings
from saptah.core.errors import SaptahError
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import N_
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
STATE_COOKIE = "saptah_sso_state"
STATE_PATH = "/sign-in/sso/"
DECLINED = N_("The identity provider did not sign you in. Try again, or sign in another way.")


def provider_cache(request: Request) -> oidc.ProviderCache:
    """The app's cache of discovery documents and key sets (made on first use, one per app)."""
    cache = getattr(request.app.state, "oidc", None)
    if cache is None:
        cache = request.app.state.oidc = oidc.ProviderCache(timeout=request.app.state.settings.oidc_timeout)
    return cache


def buttons(settings: Settings) -> list[tuple[str, str]]:
    """(name, label) of each configured provider, for the sign-in page."""
    return [(p.name, p.label) for p in settings.oidc_providers]


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def refused_page(request: Request, settings: Settings, message: str, status_code: int) -> Response:
    """The sign-in page again, saying why."""
    response = render(
        request,
        "sign_in.html",
        {"error": message, "next": "/", "providers": buttons(settings)},
        status_code=status_code,
    )
    response.delete_cookie(STATE_COOKIE, path=STATE_PATH)
    return response


@router.post("/sign-in/sso/{name}", dependencies=[CSRF])
def start(request: Request, db: DB, settings: SettingsDep, name: str, next: Annotated[str, Form()] = "/") -> Response:
    """Send the browser to the identity provider (its state bound to this browser by a cookie)."""
    provider = service.provider_named(settings, name)
    try:
        started = service.start(db, settings, provider_cache(request), provider=provider, next_path=_safe_next(next))
    except oidc.ProviderUnavailable as exc:
        return refused_page(request, settings, exc.message, exc.status_code)
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        started.state,
        max_age=int(service.REQUEST_LIFETIME.total_seconds()),
        path=STATE_PATH,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET: lax cookies go with it
        secure=settings.secure_cookies,
    )
    return response


@router.get("/sign-in/sso/{name}/callback")
def callback(request: Request, db: DB, settings: SettingsDep, name: str) -> Response:
    """The provider's answer: spend the state, check the ID token, find the person and open their session."""
    provider = service.provider_named(settings, name)
    query = request.query_params
    try:
        row = service.spend_request(
            db, provider=provider, state=query.get("state", ""), cookie_state=request.cookies.get(STATE_COOKIE)
        )
        db.commit()  # spent for good, whatever follows: a state works once
        if query.get("error"):
            return _refuse(request, db, settings, provider.name, DECLINED, reason=query["error"][:40])
        if query.get("iss") and query["iss"] != provider.issuer:  # RFC 9207: the answer names its issuer
            raise oidc.BadIdToken(N_("The answer did not come from this identity provider. You are not signed in."))
        claims, id_token = service.verified_claims(
            settings, provider_cache(request), provider=provider, request=row, code=query.get("code", "")
        )
        token, person = service.sign_in(db, settings, provider=provider, claims=claims, id_token=id_token)
    except SaptahError as exc:
        return _refuse(request, db, settings, provider.name, exc.message, exc.code, exc.status_code)
    response = RedirectResponse(row.next_path, status_code=303)
    response.delete_cookie(STATE_COOKIE, path=STATE_PATH)
    cookies.signed_in(request, db, settings, response, token=token, person=person)
    return response


def _refuse(
    request: Request,
    db: Session,
    settings: Settings,
    provider: str,
    message: str,
    reason: str = "provider_error",
    status_code: int = 401,
) -> Response:
    """Undo the half-done sign-in, keep the refusal in the audit log and say why."""
    db.rollback()
    service.record_refusal(db, provider=provider, reason=reason)
    db.commit()
    return refused_page(request, settings, message, status_code)


@router.post("/organisations/{org_id}/password-sign-in", dependencies=[CSRF])
def password_sign_in(
    request: Request, db: DB, principal: CurrentPrincipal, org_id: int, allowed: Annotated[bool, Form()]
) -> Response:
    """An MDO admin or national organiser turns password sign-in on or off for an organisation."""
    org = service.set_password_sign_in(db, principal, org_id=org_id, allowed=allowed)
    response = RedirectResponse(f"/organisations?parent={org.id}", status_code=303)
    if allowed:
        flash(request, response, "People of {org} may sign in with a password again.", org=org.name_en)
    else:
        flash(request, response, "People of {org} now sign in only through single sign-on.", org=org.name_en)
    return response
