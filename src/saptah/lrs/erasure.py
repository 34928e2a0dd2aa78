"""Erasure in the LRS: an erased person's statements keep counting but no longer identify them.

Their statements stay (campaign credit is rebuilt from them by `recompute`), with every agent that was the
person (actor, object, instructor, team member, authority...) replaced by an anonymous agent whose mbox is the
erased account's placeholder address, and the agent's name dropped. The stored content hash is left as it was,
so a provider re-sending a statement it sent before is still recognised as the same statement, not a conflict.
The person's state and agent-profile documents, and their SCORM attempts (CMI data: their name, answers and
suspend data), are removed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.lrs import repository as repo
from saptah.lrs.formats import dumps, ifi


def _sha1(mbox: str) -> str:
    return "sha1:" + hashlib.sha1(mbox.encode("utf-8")).hexdigest()  # noqa: S324 - xAPI's mbox_sha1sum is SHA-1


def _scrub(value: Any, old: set[str], agent: dict[str, Any]) -> Any:
    """The JSON value with every agent whose identifier is in `old` replaced by `agent`."""
    if isinstance(value, dict):
        if ifi(value) in old:
            kept = {"objectType": value["objectType"]} if "objectType" in value else {}
            return kept | agent
        return {k: _scrub(v, old, agent) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, old, agent) for v in value]
    return value


def forget_actor(session: Session, event: signals.PersonErased) -> None:
    """Rewrite the person's statements with an anonymous agent; remove their documents."""
    old = set(event.actor_ifis)
    old |= {_sha1(i[len("mbox:") :]) for i in event.actor_ifis if i.startswith("mbox:")}
    agent = {"mbox": "mailto:" + event.erased_email}
    new_ifi = "mbox:mailto:" + event.erased_email
    for row in repo.statements_of(session, event.person_id, sorted(old)):
        body = _scrub(json.loads(row.body), old, agent)
        row.body = dumps(body)
        row.actor_ifi = ifi(body.get("actor")) or row.actor_ifi
        if row.object_ifi in old:
            row.object_ifi = new_ifi
    repo.replace_related_agents(session, sorted(old), new_ifi)
    repo.delete_agent_documents(session, sorted(old))
    repo.delete_scorm_attempts(session, event.person_id)
    session.flush()
