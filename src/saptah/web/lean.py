"""Helpers for lean routes (see `SaptahApp`): hot paths answered ahead of FastAPI's middleware and routing."""

from __future__ import annotations

from starlette.types import Message, Receive


def replay(raw: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then whatever the client sends next (its disconnect): how a
    lean handler hands a request it does not answer, body and all, to the routed endpoint."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return again
