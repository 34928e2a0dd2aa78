"""Discussion test helpers: people of two ministries, a course, an event, and spaces made through the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.discussions import service
from saptah.discussions.schemas import CommunityIn
from tests.catalog.conftest import Courses
from tests.events.helpers import event
from tests.factories import Factory


class Kit:
    """Who and what a discussion test needs."""

    def __init__(self, db: Session, make: Factory, upload_dir: Path) -> None:
        self.db = db
        self.upload_dir = upload_dir
        self.mohfw_admin = make.person("MOHFW", role=Role.MDO_ADMIN, full_name="Rakesh Admin")
        self.mohfw_staff = make.person("DOHFW", full_name="Anjali Staff", email="anjali.staff@example.gov.in")
        self.mohfw_other = make.person("MOHFW", full_name="Suresh Colleague")
        self.mha_staff = make.person("MHA", full_name="Gurpreet Home")
        self.mha_admin = make.person("MHA", role=Role.MDO_ADMIN, full_name="Home Admin")
        self.organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER, full_name="Vikram Organiser")
        self.provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER, full_name="Farah Provider")

    def p(self, person: Any) -> Any:
        """A person's principal."""
        return load_principal(self.db, person.id)

    def community(self, who: Any = None, *, closed: bool = False, title: str = "Health cell") -> Any:
        """A community opened by MoHFW's admin (closed to MoHFW's subtree if asked)."""
        space = service.open_community(
            self.db, self.p(who or self.mohfw_admin), CommunityIn(title_en=title, closed=closed)
        )
        self.db.commit()
        return space

    def course(self) -> Any:
        """A live course of the provider's organisation."""
        return Courses(self.db).make()

    def event(self, **fields: Any) -> Any:
        """A MoHFW Samuhik Charcha scheduled by its admin."""
        data = {"kind": "samuhik_charcha", "title_en": "Samuhik Charcha: citizen-first", "theme": "Governance"}
        return event(self.db, self.p(self.mohfw_admin), **(data | fields))

    def thread(self, space: Any, who: Any, title: str = "How do we start?", body: str = "First post") -> Any:
        """A thread started through the service."""
        t = service.start_thread(self.db, self.p(who), space, title=title, body=body, upload_dir=self.upload_dir,
                                 base_url="http://testserver")  # fmt: skip
        self.db.commit()
        return t

    def reply(self, thread: Any, who: Any, body: str, uploads: Any = ()) -> Any:
        """A reply through the service."""
        post = service.reply(self.db, self.p(who), thread, body=body, uploads=uploads, upload_dir=self.upload_dir,
                             base_url="http://testserver")  # fmt: skip
        self.db.commit()
        return post


@pytest.fixture
def kit(db: Session, make: Factory, settings: Any) -> Kit:
    """People of MoHFW and MHA, an organiser and a provider."""
    return Kit(db, make, settings.upload_dir)
