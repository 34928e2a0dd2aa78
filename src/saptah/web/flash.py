"""Messages for the next page, carried in a signed cookie (never in the address, so nobody can inject one).

A handler that redirects after a form calls `flash(request, response, "Saved.")`; the next page shows the message
in the reader's language and the cookie is cleared. Only message ids written in Saptah's code are stored, signed
with the app's secret, with the values to fill in.
"""

from __future__ import annotations

import json
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from saptah.core.text import Message
from saptah.web.i18n import translate

COOKIE = "saptah_flash"
KINDS = ("notice", "error")


def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="saptah.flash")


def _read(request: Request) -> list[list[Any]]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        value = _signer(request).loads(raw)
    except BadSignature:
        return []
    return [m for m in value if isinstance(m, list) and len(m) == 3] if isinstance(value, list) else []


def flash(request: Request, response: Response, message: str, *, kind: str = "notice", **params: Any) -> None:
    """Show `message` (a message id, translated when shown) on the next page this browser opens."""
    if isinstance(message, Message):  # an error's text: its message id and values, translated when shown
        params = {**message.params, **params}
        message = message.msgid
    if not hasattr(request.state, "flash_pending"):
        request.state.flash_pending = _read(request)
    request.state.flash_pending.append([kind if kind in KINDS else "notice", message, params])
    pending = request.state.flash_pending[-5:]
    secure = request.app.state.settings.secure_cookies
    value = _signer(request).dumps(json.loads(json.dumps(pending, default=str)))
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", secure=secure, max_age=600)


def take(request: Request, lang: str) -> list[tuple[str, str]]:
    """The pending messages as (kind, text in the language); the caller clears the cookie."""
    out = []
    for kind, message, params in _read(request):
        out.append((kind, translate(str(message), lang, **(params if isinstance(params, dict) else {}))))
    return out


def clear(response: Response) -> None:
    """Forget the shown messages."""
    response.delete_cookie(COOKIE)
