"""Sign-in pages: sign in, sign out, set or reset a password, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.auth import cookies, service
from saptah.auth import repository as repo
from saptah.auth.sso import oidc
from saptah.auth.sso import pages as sso_pages
from saptah.auth.sso import service as sso
from saptah.core.errors import NotAuthenticated, SaptahError, TooManyRequests
from saptah.web.deps import CSRF, DB, SESSION_COOKIE, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import N_
from saptah.web.templating import render

RESET_SENT = N_(
    "If that e-mail is registered, a link to choose a new password is on its way. It works once, for 2 hours."
)
router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(
        request, "sign_in.html", {"next": _safe_next(next), "providers": sso_pages.buttons(request.app.state.settings)}
    )


@router.post("/sign-in", dependencies=[CSRF])
def sign_in(
    request: Request,
    db: DB,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and set the session cookie."""
    address = request.client.host if request.client else "unknown"
    try:
        token, person = service.sign_in(db, settings, email=email, password=password, address=address)
    except (NotAuthenticated, TooManyRequests, service.PasswordSignInOff) as exc:
        # the failure row must be kept, so commit it and answer with the form again
        db.commit()
        return render(
            request,
            "sign_in.html",
            {
                "error": exc.message,
                "email": email,
                "next": _safe_next(next),
                "providers": sso_pages.buttons(settings),
                "sso_only": isinstance(exc, service.PasswordSignInOff),
            },
            status_code=exc.status_code,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    cookies.signed_in(request, db, settings, response, token=token, person=person)
    return response


@router.post("/sign-out", dependencies=[CSRF])
def sign_out(request: Request, db: DB, settings: SettingsDep) -> Response:
    """End the session, and the identity provider's too where it was one and offers sign-out."""
    cookie = request.cookies.get(SESSION_COOKIE)
    target = "/sign-in"
    if cookie:
        idp, id_token = sso.session_provider(db, cookie)
        service.sign_out(db, cookie)
        provider = settings.identity_provider(idp) if idp else None
        if provider is not None:
            try:
                meta = sso_pages.provider_cache(request).metadata(provider)
            except oidc.ProviderUnavailable:
                meta = {}  # Saptah's session is over all the same; the provider's ends when it expires
            after = f"{settings.base_url.rstrip('/')}/sign-in"
            target = oidc.end_session_url(meta, id_token=id_token, client_id=provider.client_id, after=after) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/set-password/{token}", response_class=HTMLResponse)
def set_password_page(request: Request, db: DB, token: str) -> Response:
    """The form behind a one-time link (refused when the link is spent or expired)."""
    row = service.check_password_link(db, token)
    return render(request, "set_password.html", {"token": token, "purpose": row.purpose})


@router.post("/set-password/{token}", dependencies=[CSRF])
def set_password(
    request: Request, db: DB, token: str, password: Annotated[str, Form()], confirm: Annotated[str, Form()]
) -> Response:
    """Set the password and spend the link."""
    if password != confirm:
        return render(
            request, "set_password.html", {"token": token, "error": N_("The two passwords differ.")}, status_code=400
        )
    try:
        service.use_password_link(db, token=token, password=password)
    except SaptahError as exc:
        return render(request, "set_password.html", {"token": token, "error": exc.message}, status_code=exc.status_code)
    response = RedirectResponse("/sign-in", status_code=303)
    flash(request, response, "Your password is set. Sign in with it now.")
    return response


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    """Ask for a reset link."""
    return render(request, "forgot.html", {})


@router.post("/forgot-password", dependencies=[CSRF])
def forgot(request: Request, db: DB, settings: SettingsDep, email: Annotated[str, Form()]) -> Response:
    """Queue a reset link if the account exists; the answer is the same either way."""
    service.request_reset(db, settings, email=email)
    response = RedirectResponse("/forgot-password", status_code=303)
    flash(request, response, RESET_SENT)
    return response


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The person's API tokens."""
    return render(request, "tokens.html", {"tokens": repo.api_tokens_of(db, principal.person_id)})


@router.post("/tokens", dependencies=[CSRF])
def create_token(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    name: Annotated[str, Form()],
    write: Annotated[bool, Form()] = False,
) -> Response:
    """Create a token and show it once."""
    scopes = {"read", "write"} if write else {"read"}
    raw, _row = service.create_api_token(db, person_id=principal.person_id, name=name.strip() or "token", scopes=scopes)
    response = RedirectResponse("/tokens", status_code=303)
    # shown once, on the next page; the signed message cookie is cleared when it is shown
    flash(request, response, "Your new token (shown only now): {token}", token=raw)
    return response


@router.post("/tokens/{token_id}/revoke", dependencies=[CSRF])
def revoke_token(db: DB, principal: CurrentPrincipal, token_id: int) -> Response:
    """Revoke one of your tokens."""
    service.revoke_api_token(db, person_id=principal.person_id, token_id=token_id)
    return RedirectResponse("/tokens", status_code=303)
