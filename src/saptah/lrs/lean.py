"""POST /xapi/statements as a lean route (see docs/architecture.md): a provider's plain statement POST is
stored without FastAPI's middleware stack, routing and dependency solving.

Only the plain case is answered here: no query string, a JSON body, a supported version header, credentials
this process checked in the last few seconds, statements the group commit may store. Anything else, a refusal
or a failed group included, is handed, body and all, to the routed endpoint, which answers it exactly as
before (its own checks, its retries of a transient database failure, its error bodies).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from saptah.core import jsonin
from saptah.core.errors import SaptahError
from saptah.lrs import clients, service
from saptah.lrs.group_commit import group_commit
from saptah.lrs.xapi_http import negotiate
from saptah.web.lean import replay

_HEADERS = (b"authorization", b"content-type", b"x-experience-api-version")


async def statements_lean(scope: Scope, receive: Receive, send: Send, routed: ASGIApp) -> None:
    """Store a plain statement POST (one statement or a list) with the group commit; else the routed endpoint."""
    state = scope["app"].state
    limit = state.settings.max_upload_mb * 1024 * 1024
    chunks, size, more = [], 0, True
    while more and size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    raw = b"".join(chunks)
    found = None if more else await _store_plain(scope, state, raw)
    if found is None:
        await routed(scope, replay(raw, receive), send)
        return
    ids, version = found
    answer = json.dumps(ids, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(answer)).encode()),
        (b"x-experience-api-version", version.encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


async def _store_plain(scope: Scope, state: Any, raw: bytes) -> tuple[list[str], str] | None:
    """The stored ids and the answer's xAPI version, or None when the request is not the plain case or was not
    stored."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    version = negotiate(found.get(b"x-experience-api-version"))
    if scope["query_string"] or version is None:
        return None
    if found.get(b"content-type", "").split(";", 1)[0].strip().lower() != "application/json":
        return None
    database = str(state.sessionmaker.kw["bind"].engine.url)
    caller = clients.remembered_caller(database, found.get(b"authorization"), state.settings.base_url)
    if caller is None:
        return None
    try:
        checked = service.check_statements(jsonin.loads(raw), caller, version=version)
    except (ValueError, SaptahError):  # refused JSON (jsonin.BadJSON) is a ValueError: the routed endpoint says why
        return None
    if not service.groupable(checked, caller, {}):
        return None
    try:
        return await anyio.to_thread.run_sync(group_commit(state).store, checked, caller), version
    except Exception:  # a 409 or a failed group: the routed endpoint answers (and retries) it as before
        return None
