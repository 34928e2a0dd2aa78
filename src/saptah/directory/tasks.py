"""Directory background work: the demo organisation tree and staff."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from saptah.core.db import utcnow
from saptah.directory import repository as repo
from saptah.directory import service
from saptah.directory.models import Group, Organisation, Person, Role

DEMO_PASSWORD = "saptah-demo-2024"  # noqa: S105 (printed for the demo)
GROUP_WEIGHTS = {Group.A: 8, Group.B: 17, Group.C: 55, Group.D: 5, Group.CONTRACTUAL: 12, Group.OTHERS: 3}


def names() -> dict[str, Any]:
    """Name lists for plausible demo people."""
    text = resources.files("saptah.directory").joinpath("data/names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def demo_accounts() -> list[dict[str, Any]]:
    """One sign-in per role, printed by `saptah demo`."""
    return [
        {
            "email": "learner@saptah.demo",
            "name": "Anjali Verma",
            "org": "DOHFW",
            "role": None,
            "designation": "Section Officer",
            "group": Group.B,
        },
        {
            "email": "admin.mohfw@saptah.demo",
            "name": "Rakesh Kumar Singh",
            "org": "MOHFW",
            "role": Role.MDO_ADMIN,
            "designation": "Under Secretary (Training)",
            "group": Group.A,
        },
        {
            "email": "leader.mohfw@saptah.demo",
            "name": "Dr. Meenakshi Iyer",
            "org": "MOHFW",
            "role": Role.MDO_LEADER,
            "designation": "Joint Secretary (Training)",
            "group": Group.A,
        },
        {
            "email": "organiser@saptah.demo",
            "name": "Vikram Rathore",
            "org": "DOPT",
            "role": Role.NATIONAL_ORGANISER,
            "designation": "Director, Capacity Building",
            "group": Group.A,
        },
        {
            "email": "provider@saptah.demo",
            "name": "Farah Naaz",
            "org": "CP_KB",
            "role": Role.CONTENT_PROVIDER,
            "designation": "Content Lead",
            "group": Group.OTHERS,
        },
        {
            "email": "admin.mha@saptah.demo",
            "name": "Gurpreet Kaur",
            "org": "MHA",
            "role": Role.MDO_ADMIN,
            "designation": "Deputy Secretary (Training)",
            "group": Group.A,
        },
    ]


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """The reference tree, the demo sign-ins and `people` staff spread by real staff sizes."""
    service.load_reference_orgs(session)
    _seed_accounts(session)
    _seed_staff(session, rng, people, progress)


def _seed_accounts(session: Session) -> None:
    from saptah.core.security import hash_password

    hashed = hash_password(DEMO_PASSWORD)
    for acc in demo_accounts():
        if repo.get_person_by_email(session, acc["email"]):
            continue
        org = service.org_by_code(session, acc["org"])
        person = service.create_person(
            session,
            full_name=acc["name"],
            email=acc["email"],
            org=org,
            designation=acc["designation"],
            group=acc["group"].value,
            joined_on=date(2019, 7, 1),
            mobile="9876543210",
        )
        person.password_hash = hashed
        if acc["role"] is not None:
            scope = None if acc["role"] == Role.NATIONAL_ORGANISER else org
            service.grant_role(session, actor=None, person=person, role=acc["role"], org=scope)


def _seed_staff(session: Session, rng: random.Random, count: int, progress: Callable[[int], None]) -> None:
    sizes = {r["code"]: int(r.get("staff") or 0) for r in service.reference_orgs()}
    orgs = [o for o in repo.subtree(session, None) if sizes.get(o.code, 0) > 0 and o.type != "content_provider"]
    weights = [math.sqrt(sizes[o.code]) for o in orgs]  # keep many small bodies visible in a small demo
    n = names()
    groups, gweights = list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values())
    batch: list[dict[str, Any]] = []
    chosen = rng.choices(orgs, weights=weights, k=count)
    now = utcnow()
    for i, org in enumerate(chosen):
        batch.append(_person_row(rng, n, org, groups, gweights, i, now))
        if len(batch) == 1000:
            session.execute(insert(Person), batch)
            progress(len(batch))
            batch = []
    if batch:
        session.execute(insert(Person), batch)
        progress(len(batch))


def _person_row(
    rng: random.Random, n: dict[str, Any], org: Organisation, groups: list[Group], gweights: list[int], i: int, now: Any
) -> dict[str, Any]:
    female = rng.random() < 0.38
    first = rng.choice(n["first_names_female"] if female else n["first_names_male"])
    last = rng.choice(n["surnames"])
    group = rng.choices(groups, weights=gweights)[0]
    full = rng.choice(n["hindi_names"]) if rng.random() < 0.03 else f"{first} {last}"
    tags = rng.sample(n["tags"], k=rng.choice((0, 0, 1, 1, 2)))
    return {
        "full_name": full,
        "email": f"{first}.{last}.{i}@{org.code.lower().replace('_', '')}.gov.in".lower().replace(" ", ""),
        "mobile": str(rng.randint(6000000000, 9999999999)),
        "group": group.value,
        "designation": rng.choice(n["designations"][group.value]),
        "gender": "Female" if female else "Male",
        "category": rng.choice(["General", "OBC", "SC", "ST", "EWS"]),
        "dob": date(1965, 1, 1) + timedelta(days=rng.randint(0, 13000)),
        "mother_tongue": rng.choice(n["mother_tongues"]),
        "employee_id": f"{org.code[:4]}{100000 + i}".replace("_", ""),
        "office_pin": str(rng.randint(110001, 855117)),
        "tags": "|".join(tags) or None,
        "org_id": org.id,
        "preferred_language": "hi" if rng.random() < 0.3 else "en",
        "status": "active",
        "joined_on": date(2024, 10, 1) - timedelta(days=rng.randint(0, 12000)),
        "created_at": now,
        "updated_at": now,
    }
