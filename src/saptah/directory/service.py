"""Directory rules: the organisation tree, people, and who may see and grant what."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.core.security import MIN_PASSWORD_LENGTH, hash_password
from saptah.core.timeutil import ist_today
from saptah.directory import repository as repo
from saptah.directory.models import (
    PERSON_FIELDS,
    Group,
    Organisation,
    OrgType,
    Person,
    Role,
    RoleChange,
    RoleGrant,
)
from saptah.directory.schemas import Principal, Scope

ADMIN_ROLES = (Role.MDO_ADMIN, Role.MDO_LEADER)
ERASED_NAME = "Erased person"
ERASED_STATUS = "erased"
# every personal field of a person but name and e-mail (replaced) and organisation and group (kept: totals count
# by them, and neither identifies anyone)
PERSONAL_FIELDS = (
    *(name for name in PERSON_FIELDS if name not in ("full_name", "email", "group")),
    "joined_on",
    "password_hash",
)
GRANTABLE_BY_LEADER = (Role.MDO_ADMIN, Role.MDO_LEADER)


def reference_orgs() -> list[dict[str, Any]]:
    """The shipped reference tree (Union ministries, departments, States/UTs, MoHFW, providers)."""
    text = resources.files("saptah.directory").joinpath("data/organisations.json").read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def load_reference_orgs(session: Session) -> int:
    """Insert the reference organisations that are not stored yet; returns how many were added."""
    rows = reference_orgs()
    known = repo.orgs_by_codes(session, [r["code"] for r in rows])
    added = 0
    for row in rows:
        if row["code"] in known:
            continue
        parent = known.get(row["parent"]) if row.get("parent") else None
        org = Organisation(code=row["code"], name_en=row["name_en"], name_hi=row.get("name_hi"), type=row["type"])
        known[row["code"]] = repo.add_org(session, org, parent)
        added += 1
    return added


def create_org(
    session: Session, *, code: str, name_en: str, type: str, parent_code: str | None, name_hi: str | None = None
) -> Organisation:
    """Add one organisation under a parent, checking the code and type."""
    if type not in {t.value for t in OrgType}:
        raise InvalidInput("Unknown organisation type '{type}'.", type=type)
    if repo.get_org_by_code(session, code):
        raise InvalidInput("An organisation with code {code} already exists.", code=code)
    parent = None
    if parent_code:
        parent = repo.get_org_by_code(session, parent_code)
        if parent is None:
            raise InvalidInput("No organisation has code {parent_code}.", parent_code=parent_code)
    org = Organisation(code=code.upper(), name_en=name_en, name_hi=name_hi, type=type)
    return repo.add_org(session, org, parent)


def org_by_code(session: Session, code: str) -> Organisation:
    """An organisation by code, or a clear 404."""
    org = repo.get_org_by_code(session, code)
    if org is None:
        raise NotFound("No organisation has code {code}.", code=code)
    return org


def load_principal(session: Session, person_id: int, *, today: date | None = None) -> Principal:
    """The acting person with their live roles."""
    person = repo.get_person(session, person_id)
    if person is None or person.status != "active":
        raise NotFound("That account does not exist or is suspended.")
    org = repo.get_org(session, person.org_id)
    assert org is not None
    scopes = tuple(
        Scope(role=Role(g.role), org_id=g.org_id, path=path)
        for g, path in repo.active_grants(session, person_id, today or ist_today())
    )
    return Principal(person.id, org.id, org.path, person.full_name, scopes)


def admin_paths(principal: Principal) -> list[str] | None:
    """Subtrees an MDO admin or leader manages; None for national organisers."""
    return principal.paths_for(*ADMIN_ROLES)


def require_admin(principal: Principal) -> None:
    """Only MDO admins, leaders and national organisers pass."""
    if not (principal.is_national or principal.has(Role.MDO_ADMIN) or principal.has(Role.MDO_LEADER)):
        raise Forbidden("This page is for MDO admins and national organisers.")


def require_national(principal: Principal) -> None:
    """Only national organisers pass."""
    if not principal.is_national:
        raise Forbidden("This is for national organisers only.")


def require_org_admin(session: Session, principal: Principal, org_id: int) -> Organisation:
    """The organisation, if the principal administers it; otherwise 404/403."""
    org = repo.get_org(session, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    if not principal.covers(org.path, *ADMIN_ROLES):
        raise Forbidden("You do not administer {name}.", name=org.name_en)
    return org


def visible_person(session: Session, principal: Principal, person_id: int) -> Person:
    """A person the principal may see: themselves, or someone in a subtree they administer."""
    person = repo.get_person(session, person_id)
    if person is None:
        raise NotFound("No such person.")
    if person.id == principal.person_id:
        return person
    org = repo.get_org(session, person.org_id)
    assert org is not None
    if not principal.covers(org.path, *ADMIN_ROLES):
        # 404, not 403: an admin of one ministry must not learn who works in another
        raise NotFound("No such person.")
    return person


def normalise_email(email: str) -> str:
    """E-mails are unique case-insensitively; stored lower-cased."""
    return email.strip().lower()


def erased_digest(email: str) -> str:
    """The tombstone of an erased person's e-mail: its SHA-256 (with Saptah's prefix), never the e-mail itself.

    Unkeyed on purpose: a key (the production secret) could be rotated, and then a re-uploaded staff list would
    quietly register the erased person again."""
    return hashlib.sha256(b"saptah-erased-person:" + normalise_email(email).encode()).hexdigest()


def create_person(
    session: Session, *, full_name: str, email: str, org: Organisation, password: str | None = None, **fields: Any
) -> Person:
    """Add a person; refuses a duplicate e-mail and an unknown group."""
    email = normalise_email(email)
    if repo.get_person_by_email(session, email):
        raise InvalidInput("Someone with e-mail {email} is already registered.", email=email)
    group = fields.get("group")
    if group is not None and group not in {g.value for g in Group}:
        raise InvalidInput("Group must be one of: {values}.", values=", ".join(g.value for g in Group))
    person = Person(full_name=full_name.strip(), email=email, org_id=org.id, **fields)
    if password is not None:
        person.password_hash = hash_password(check_password_strength(password))
    repo.add(session, person)
    signals.publish(session, signals.PersonOnboarded(person.id, person.email))
    signals.publish(session, signals.StaffChanged((org.id,)))
    return person


def check_password_strength(password: str) -> str:
    """Refuse short passwords with a clear message."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("A password needs at least {count} characters.", count=MIN_PASSWORD_LENGTH)
    return password


def grant_role(
    session: Session,
    *,
    actor: Principal | None,
    person: Person,
    role: Role,
    org: Organisation | None,
    expires_on: date | None = None,
) -> RoleGrant:
    """Grant a scoped role and record who did it; actor None is the CLI (a system act)."""
    if actor is not None:
        _check_may_grant(actor, role, org)
    if role != Role.NATIONAL_ORGANISER and org is None:
        raise InvalidInput("This role must be given over an organisation.")
    if expires_on is not None and expires_on < ist_today():
        raise InvalidInput("The expiry date is in the past.")
    org_id = org.id if org else None
    grant = repo.find_grant(session, person.id, role.value, org_id)
    if grant is None:
        grant = RoleGrant(person_id=person.id, role=role.value, org_id=org_id)
    grant.expires_on = expires_on
    grant.granted_by = actor.person_id if actor else None
    change = RoleChange(
        actor_id=actor.person_id if actor else None,
        person_id=person.id,
        action="grant",
        role=role.value,
        org_id=org_id,
        expires_on=expires_on,
    )
    repo.add(session, grant, change)
    audit.record(
        session,
        act=Act.ROLE_GRANT,
        actor_id=actor.person_id if actor else None,
        org_id=org_id,
        target_person_id=person.id,
        target=f"person {person.id}",
        details={"role": role.value, "over": org.code if org else "national", "expires_on": expires_on},
    )
    return grant


def revoke_role(
    session: Session, *, actor: Principal | None, person: Person, role: Role, org: Organisation | None
) -> None:
    """Revoke a scoped role and record who did it."""
    if actor is not None:
        _check_may_grant(actor, role, org)
    grant = repo.find_grant(session, person.id, role.value, org.id if org else None)
    if grant is None:
        raise NotFound("{name} does not hold that role there.", name=person.full_name)
    grant.revoked_at = utcnow()
    repo.add(
        session,
        RoleChange(
            actor_id=actor.person_id if actor else None,
            person_id=person.id,
            action="revoke",
            role=role.value,
            org_id=grant.org_id,
        ),
    )
    audit.record(
        session,
        act=Act.ROLE_REVOKE,
        actor_id=actor.person_id if actor else None,
        org_id=grant.org_id,
        target_person_id=person.id,
        target=f"person {person.id}",
        details={"role": role.value, "over": org.code if org else "national"},
    )


def _check_may_grant(actor: Principal, role: Role, org: Organisation | None) -> None:
    if actor.is_national:
        return
    if role not in GRANTABLE_BY_LEADER:
        raise Forbidden("Only national organisers grant that role.")
    if org is None or not actor.covers(org.path, Role.MDO_LEADER):
        raise Forbidden("MDO leaders grant admin roles only inside their own organisation.")


def erase_person(session: Session, *, person: Person) -> signals.PersonErased:
    """Remove a person's personal data for good; their row stays, anonymous, so every total stays the same.

    Name and e-mail are replaced, every other personal field is emptied, roles are revoked and the account can
    never sign in again; a tombstone (a hash of the e-mail) stops imports registering them anew. PersonErased tells
    the other domains to scrub their copies (sessions, e-mails, xAPI actors, certificates, nominations, staff
    lists kept on disk).
    """
    if person.status == ERASED_STATUS:
        raise Conflict("This person's personal data has already been erased.")
    ifis = ["mbox:mailto:" + person.email.lower()]
    if person.external_system_name and person.external_system_id:
        ifis.append(f"account:{person.external_system_name}|{person.external_system_id}")
    event = signals.PersonErased(
        person_id=person.id,
        email=person.email,
        name=person.full_name,
        actor_ifis=tuple(ifis),
        erased_email=f"erased-{person.id}@erased.invalid",
    )
    repo.remember_erased(session, erased_digest(person.email))  # an import never registers them again
    person.full_name, person.email, person.status = ERASED_NAME, event.erased_email, ERASED_STATUS
    for name in PERSONAL_FIELDS:
        setattr(person, name, None)
    now = utcnow()
    for grant, _path in repo.active_grants(session, person.id, ist_today()):
        grant.revoked_at = now
        repo.add(
            session,
            RoleChange(actor_id=None, person_id=person.id, action="revoke", role=grant.role, org_id=grant.org_id),
        )
    session.flush()
    signals.publish(session, event)
    return event


def orgs_in_scope(session: Session, principal: Principal) -> list[Organisation]:
    """The organisations an admin may pick (their subtrees, in tree order); everything for a national organiser."""
    require_admin(principal)
    return repo.subtree(session, admin_paths(principal))


def languages_of(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """The interface language kept in each person's profile (for e-mails written to many people)."""
    out: dict[int, str] = {}
    ids = list(person_ids)
    for start in range(0, len(ids), 1000):
        out.update(repo.languages_of(session, ids[start : start + 1000]))
    return out


def set_language(session: Session, person_id: int, lang: str) -> None:
    """Keep the person's interface language (pages, e-mails and certificates use it)."""
    person = repo.get_person(session, person_id)
    if person is not None and person.preferred_language != lang:
        person.preferred_language = lang
        session.flush()


def org_ids_of(session: Session, person_ids: Sequence[int]) -> list[int]:
    """The organisations these people belong to (each once)."""
    return repo.org_ids_of(session, person_ids)
