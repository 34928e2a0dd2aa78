"""Pages that belong to no domain: health, the language switch, and the installable app's files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import text

from saptah.directory import service as directory
from saptah.web.deps import DB, MaybePrincipal
from saptah.web.i18n import LANG_CHOSEN_COOKIE, LANG_COOKIE, language_of
from saptah.web.templating import render

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(db: DB) -> dict[str, str]:
    """Liveness and database reachability."""
    db.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/lang/{lang}", include_in_schema=False)
def switch_language(lang: str, request: Request, db: DB, principal: MaybePrincipal) -> RedirectResponse:
    """Switch the interface language; a signed-in person keeps it in their profile, and a choice made before
    signing in is saved to the profile of whoever signs in next in this browser."""
    chosen = language_of(lang)
    back = request.headers.get("referer") or "/"
    if not back.startswith(str(request.base_url)):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    if principal is not None:
        directory.set_language(db, principal.person_id, chosen)
    else:
        response.set_cookie(LANG_CHOSEN_COOKIE, chosen, max_age=86400, httponly=True, samesite="lax")
    response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/offline", response_class=HTMLResponse, include_in_schema=False)
def offline(request: Request) -> Response:
    """The page the service worker shows for a page not kept on the device (kept at installation)."""
    return render(request, "offline.html")
