"""Helpers for LRS tests: credentials, xAPI requests with the version header, sample statements."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy.orm import Session

from saptah.lrs import clients

VERSION = {"X-Experience-API-Version": "1.0.3"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def issue(db: Session, name: str = "Test Provider", scopes: str = clients.DEFAULT_SCOPES) -> dict[str, str]:
    """Issue a client and return request headers (Basic auth + version)."""
    client, secret = clients.create_client(db, name=name, org_id=None, scopes=scopes)
    db.commit()
    token = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", **VERSION}


def statement(
    email: str = "someone@example.org",
    verb: str = EXPERIENCED,
    activity: str = "https://courses.example.org/course/1",
    **extra: Any,
) -> dict[str, Any]:
    """A small valid statement."""
    out: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": "Someone", "mbox": f"mailto:{email}"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity, "definition": {"name": {"en-US": "A course"}}},
    }
    out.update(extra)
    return out


def new_id() -> str:
    """A fresh statement id."""
    return str(uuid.uuid4())
