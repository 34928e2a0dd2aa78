""" "What counted" names each course and event by its title, through the live path and after a recompute."""

from __future__ import annotations

from datetime import timedelta

import pytest

from saptah.campaigns import ledger
from saptah.catalog import service as catalog
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from saptah.directory.models import Role
from tests.campaigns.helpers import campaign
from tests.catalog.conftest import Courses
from tests.events.helpers import event, principal
from tests.factories import csrf, sign_in

pytestmark = pytest.mark.real_sources


def test_what_counted_names_courses_and_events_by_title(client, db, make):
    today = ist_day(utcnow())
    c = campaign(db, "NLW titles", starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=2))
    admin = make.person("MOHFW", role=Role.MDO_ADMIN, email="titles.admin@mohfw.gov.in")
    learner = make.person("DOHFW", email="titles.learner@mohfw.gov.in")
    ev = event(
        db, principal(db, admin), kind="samuhik_charcha", mode="in_person", venue="Nirman Bhawan", stream_url=None,
        start=utcnow() - timedelta(hours=5), minutes=90, title_en="Samuhik Charcha: Citizen-first health services",
    )  # fmt: skip
    course = Courses(db).make(title_en="Know Your Ministry", duration_minutes=165)
    catalog.complete_course(
        db, person_id=learner.id, course_id=course.id, at=utcnow() - timedelta(hours=1), source="bulk"
    )
    db.commit()
    sign_in(client, admin.email)
    files = {"file": ("sheet.csv", f"Employee ID,E-mail,Minutes\n,{learner.email},80\n".encode(), "text/csv")}
    r = client.post(f"/events/{ev.id}/import", data={"csrf_token": csrf(client), "kind": "sheet"}, files=files)
    assert r.status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, learner.email)
    for _ in range(2):  # live, then rebuilt from the sources
        page = client.get(f"/campaigns/{c.id}").text
        assert "Samuhik Charcha: Citizen-first health services" in page
        assert "Know Your Ministry" in page
        assert f"Event #{ev.id}" not in page and f"Course #{course.id}" not in page
        ledger.recompute(db, c.id)
        db.commit()
