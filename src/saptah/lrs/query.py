"""Reading statements: single fetches, filtered queries with stable `more` cursors, the three formats."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from saptah.core import jsonin
from saptah.core.errors import Forbidden, InvalidInput, NotFound
from saptah.lrs import repository as repo
from saptah.lrs.clients import Caller
from saptah.lrs.formats import activity_ids, canonical_format, ids_format, with_definitions
from saptah.lrs.schemas import IRI_RE, UUID_RE, Agent, Group, parse_timestamp

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}


@dataclass
class Page:
    """One page of statements (bodies as JSON text), and the cursor of the next page if any."""

    bodies: list[str]
    more: str | None
    last_stored: datetime | None


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise InvalidInput(f"{name} must be true or false.")
    return value == "true"


def parse_agent(text: str) -> str:
    """The normalised IFI of an agent parameter (JSON), or a 400 explaining what is wrong."""
    from saptah.lrs.formats import ifi

    try:
        data = jsonin.loads(text)
    except ValueError as exc:
        raise InvalidInput("agent must be a JSON Agent or identified Group.") from exc
    if not isinstance(data, dict):
        raise InvalidInput("agent must be a JSON Agent or identified Group.")
    try:
        (Group if data.get("objectType") == "Group" else Agent).model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"agent: {first}") from None
    value = ifi(data)
    if value is None:
        raise InvalidInput("agent must have an inverse functional identifier.")
    return value


def _when(params: dict[str, str], name: str) -> datetime | None:
    if name not in params:
        return None
    try:
        return parse_timestamp(params[name])
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}") from None


def _iri(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not IRI_RE.match(value):
        raise InvalidInput(f"{name} must be an IRI.")
    return value


def build_filters(params: dict[str, str], caller: Caller) -> tuple[repo.Filters, int, str, bool]:
    """Filters, limit, format and attachments flag from query parameters."""
    unknown = sorted(set(params) - QUERY_PARAMS)
    if unknown:
        raise InvalidInput(f"Unknown query parameter '{unknown[0]}'.")
    registration = params.get("registration")
    if registration is not None and not UUID_RE.match(registration):
        raise InvalidInput("registration must be a UUID.")
    try:
        limit = int(params.get("limit", "0"))
    except ValueError as exc:
        raise InvalidInput("limit must be a whole number.") from exc
    if limit < 0:
        raise InvalidInput("limit must not be negative.")
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise InvalidInput("format must be ids, exact or canonical.")
    f = repo.Filters(
        agent=parse_agent(params["agent"]) if "agent" in params else None,
        verb=_iri(params, "verb"),
        activity=_iri(params, "activity"),
        registration=registration.lower() if registration else None,
        related_activities=_bool(params, "related_activities"),
        related_agents=_bool(params, "related_agents"),
        since=_when(params, "since"),
        until=_when(params, "until"),
        ascending=_bool(params, "ascending"),
        client_id=_reader_restriction(caller),
    )
    return f, min(limit or DEFAULT_LIMIT, MAX_LIMIT), fmt, _bool(params, "attachments")


def _reader_restriction(caller: Caller) -> int | None:
    if caller.may("statements/read"):
        return None
    if caller.may("statements/read/mine"):
        return caller.client_id if caller.client_id is not None else -1
    raise Forbidden("These credentials may not read statements.")


def encode_more(f: repo.Filters, limit: int, fmt: str, attachments: bool, last_pk: int) -> str:
    """An opaque cursor holding the query and the last row seen (stable under inserts)."""
    state = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in f.__dict__.items()}
    state.update(after_pk=last_pk, limit=limit, format=fmt, attachments=attachments)
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_more(token: str, caller: Caller) -> tuple[repo.Filters, int, str, bool]:
    """The query saved in a `more` cursor; refused if it was issued to another reader."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,4000}", token):
        raise InvalidInput("The more cursor is not valid.")
    try:
        state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        limit, fmt, attachments = int(state.pop("limit")), str(state.pop("format")), bool(state.pop("attachments"))
        for key in ("since", "until"):
            if state.get(key):
                state[key] = datetime.fromisoformat(state[key])
        f = repo.Filters(**state)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("The more cursor is not valid.") from exc
    if f.client_id != _reader_restriction(caller):
        raise Forbidden("That more cursor was issued to someone else.")
    return f, limit, fmt, attachments


def run(session: Session, f: repo.Filters, limit: int) -> Page:
    """One page of a query."""
    rows = repo.query(session, f, limit)
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        more = str(rows[-1][0])
    last_stored = max((r[2] for r in rows), default=None)
    return Page([r[1] for r in rows], more, last_stored)


def single(session: Session, caller: Caller, statement_id: str, *, voided: bool) -> tuple[str, datetime]:
    """One statement by id (statementId) or a voided one (voidedStatementId)."""
    if not UUID_RE.match(statement_id):
        raise InvalidInput("The statement id must be a UUID.")
    restriction = _reader_restriction(caller)
    row = repo.get_statement(session, statement_id.lower())
    if row is None or (restriction is not None and row.client_id != restriction):
        raise NotFound(f"No statement has id {statement_id}.")
    if row.voided != voided:
        if voided:
            raise NotFound(f"Statement {statement_id} is not voided; ask for it with statementId.")
        raise NotFound(f"Statement {statement_id} is voided; ask for it with voidedStatementId.")
    return row.body, row.stored


def render(session: Session, bodies: list[str], fmt: str, languages: list[str]) -> list[str]:
    """Statements in the asked format, as JSON text. `canonical` gives each activity the LRS's canonical
    definition (merged from every statement that defined it) cut to the reader's best language."""
    if fmt == "exact":
        return bodies
    statements = [json.loads(body) for body in bodies]
    if fmt == "ids":
        return [json.dumps(ids_format(s), separators=(",", ":"), ensure_ascii=False) for s in statements]
    wanted = sorted({i for s in statements for i in activity_ids(s)})
    definitions = {i: json.loads(row.definition) for i, row in repo.activities(session, wanted).items()}
    return [
        json.dumps(
            canonical_format(with_definitions(s, definitions), languages), separators=(",", ":"), ensure_ascii=False
        )
        for s in statements
    ]


def attachment_hashes(bodies: list[str]) -> list[str]:
    """Hashes of the attachments these statements carry."""
    hashes: list[str] = []
    for body in bodies:
        if '"attachments"' in body:
            for meta in json.loads(body).get("attachments") or []:
                hashes.append(str(meta["sha2"]).lower())
    return list(dict.fromkeys(hashes))
