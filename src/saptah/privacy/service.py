"""Personal data rules (DPDP Act 2023): a person's own download, and erasure on request by national organisers.

The download holds every row of every table that refers to the person (see repository.py), their xAPI
statements as the LRS stores them, and their entries in the audit log; secrets (password and token hashes) are
left out. Erasure is the directory's `erase_person` (the person's row stays, anonymous, so every campaign total
stays as it was; each domain scrubs its copies on PersonErased) recorded in the audit log.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core.db import utcnow
from saptah.core.errors import Forbidden, InvalidInput, NotFound
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.models import Person
from saptah.directory.schemas import Principal
from saptah.privacy import repository as repo

FORMAT_VERSION = 1


def _actor_ifis(person: Person) -> list[str]:
    ifis = ["mbox:mailto:" + person.email.lower()]
    if person.external_system_name and person.external_system_id:
        ifis.append(f"account:{person.external_system_name}|{person.external_system_id}")
    return ifis


def personal_data(session: Session, person_id: int) -> dict[str, Any]:
    """Everything Saptah holds about a person, as JSON-ready data."""
    person = people.get_person(session, person_id)
    if person is None:
        raise NotFound("No such person.")
    org = people.get_org(session, person.org_id)
    tables: dict[str, Any] = {}
    for name, rows in repo.rows_about(session, person_id=person.id, email=person.email, actor_ifis=_actor_ifis(person)):
        if name == "lrs_statements":
            for row in rows:
                row["body"] = json.loads(row["body"])
        tables[name] = rows
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": utcnow().isoformat(),
        "about": "Everything Saptah holds about you, one list of rows per table. Passwords and tokens are kept "
        "only as one-way hashes and are not included.",
        "person": repo.person_row(session, person.id),
        "organisation": {"code": org.code, "name_en": org.name_en} if org else None,
        "tables": tables,
    }


def download(session: Session, principal: Principal) -> dict[str, Any]:
    """The signed-in person's own data (recorded in the audit log: who downloaded, when, from where)."""
    data = personal_data(session, principal.person_id)
    audit.record(
        session,
        act=Act.OWN_DATA_DOWNLOAD,
        actor_id=principal.person_id,
        target_person_id=principal.person_id,
        target=f"person {principal.person_id}",
    )
    return data


def erase(session: Session, *, principal: Principal | None, person_id: int, reason: str) -> Person:
    """Erase a person's personal data on their request (national organisers; None: the command line)."""
    if principal is not None:
        directory.require_national(principal)
        if principal.person_id == person_id:
            raise Forbidden("Another national organiser must erase your own account.")
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInput("Give the reason (the request's reference), at least 5 characters.")
    person = people.get_person(session, person_id)
    if person is None:
        raise NotFound("No such person.")
    directory.erase_person(session, person=person)
    audit.record(
        session,
        act=Act.PERSON_ERASE,
        actor_id=principal.person_id if principal else None,
        target_person_id=person.id,
        target=f"person {person.id}",
        details={"reason": reason[:300]},
    )
    return person


def erase_by_email(session: Session, *, email: str, reason: str) -> Person:
    """The command line's erasure: the person by e-mail."""
    person = people.get_person_by_email(session, directory.normalise_email(email))
    if person is None:
        raise NotFound("No one is registered with e-mail {email}.", email=email)
    return erase(session, principal=None, person_id=person.id, reason=reason)
