"""Small factory helpers: each makes one thing with plausible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from saptah.directory import service
from saptah.directory.models import Organisation, Person, Role

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


class Factory:
    """Makes organisations and people in the test session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def org(
        self, code: str | None = None, *, parent: str | None = "GOI", type: str = "department", name: str | None = None
    ) -> Organisation:
        """An organisation (or the reference one with that code if it exists)."""
        if code:
            existing = service.repo.get_org_by_code(self.session, code)
            if existing:
                return existing
        n = next(_seq)
        code = code or f"TST_{n}"
        return service.create_org(
            self.session, code=code, name_en=name or f"Test Organisation {n}", type=type, parent_code=parent
        )

    def person(
        self,
        org: str | Organisation = "MOHFW",
        *,
        role: Role | None = None,
        role_org: str | None = None,
        password: str | None = PASSWORD,
        **fields: Any,
    ) -> Person:
        """A person in an organisation, optionally with a role over it (or over role_org)."""
        the_org = org if isinstance(org, Organisation) else self.org(org)
        n = next(_seq)
        fields.setdefault("full_name", f"Test Person {n}")
        fields.setdefault("email", f"person{n}@example.gov.in")
        fields.setdefault("group", "Group B")
        person = service.create_person(self.session, org=the_org, password=password, **fields)
        if role is not None:
            scope = None if role == Role.NATIONAL_ORGANISER else (self.org(role_org) if role_org else the_org)
            service.grant_role(self.session, actor=None, person=person, role=role, org=scope)
        self.session.commit()
        return person


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Sign a test client in through the real form (CSRF included)."""
    client.get("/sign-in")
    token = client.cookies.get("saptah_csrf")
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def csrf(client: Any) -> str:
    """The client's CSRF token (fetching a page first if needed)."""
    if not client.cookies.get("saptah_csrf"):
        client.get("/sign-in")
    return str(client.cookies.get("saptah_csrf"))
