"""Pages that belong to no domain: health and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import text

from saptah.web.deps import DB

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(db: DB) -> dict[str, str]:
    """Liveness and database reachability."""
    db.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/lang/{lang}", include_in_schema=False)
def switch_language(lang: str, request: Request) -> RedirectResponse:
    """Switch the interface between English and Hindi."""
    back = request.headers.get("referer") or "/"
    if not back.startswith(str(request.base_url)):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie("saptah_lang", "hi" if lang == "hi" else "en", max_age=365 * 86400, samesite="lax")
    return response
