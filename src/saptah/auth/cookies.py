"""What every sign-in (password or single sign-on) sets on its answer: the session and the language."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from saptah.config import Settings
from saptah.directory import service as directory
from saptah.web.deps import SESSION_COOKIE
from saptah.web.i18n import LANG_CHOSEN_COOKIE, LANG_COOKIE, language_of, languages


def signed_in(
    request: Request, db: Session, settings: Settings, response: Response, *, token: str, person: Any
) -> None:
    """Set the session cookie and the person's language on a sign-in's answer.

    A language chosen with the switch before signing in is the person's explicit choice: it wins and is kept in
    their profile. Otherwise the language kept in the profile follows them to every browser they sign in on."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    chosen = request.cookies.get(LANG_CHOSEN_COOKIE)
    if chosen in languages():
        directory.set_language(db, person.id, chosen)
        lang = chosen
    else:
        lang = language_of(person.preferred_language)
    response.delete_cookie(LANG_CHOSEN_COOKIE)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
