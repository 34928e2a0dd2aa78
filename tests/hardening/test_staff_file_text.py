"""One invalid byte in a UTF-8 staff list spoils only its own row (issue 15, defect 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saptah.directory.models import Person, Role
from tests.factories import sign_in
from tests.onboarding.helpers import csv_bytes, import_file, result_csv, row


@pytest.fixture
def admin(make, client):
    person = make.person("MOHFW", role=Role.MDO_ADMIN)
    assert sign_in(client, person.email).status_code == 303
    return person


def names(db, *emails):
    return dict(db.execute(select(Person.email, Person.full_name).where(Person.email.in_(emails))).all())


def test_a_stray_byte_fails_its_row_and_keeps_hindi_names_intact(client, admin, factory, settings, db):
    good = csv_bytes(
        [
            row(email="naam@mohfw.gov.in", name="सीमा देवी", ext="H-1"),
            row(email="stray@mohfw.gov.in", name="Jose MARKER", ext="H-2"),
            row(email="ram@mohfw.gov.in", name="राम प्रसाद", ext="H-3"),
        ]
    )
    data = good.replace(b"MARKER", b"Garc\xeda")  # Windows-1252 "í" pasted into a UTF-8 file
    done = import_file(client, factory, settings, data)
    assert (done["created"], done["failed"]) == (2, 1)
    assert names(db, "naam@mohfw.gov.in", "ram@mohfw.gov.in", "stray@mohfw.gov.in") == {
        "naam@mohfw.gov.in": "सीमा देवी",
        "ram@mohfw.gov.in": "राम प्रसाद",
    }
    rows = result_csv(client, done["id"])
    header, body = rows[0], rows[1:]
    status, details = header.index("Status"), header.index("Error Details")
    bad = [r for r in body if r[status] != "Created"]
    assert len(bad) == 1 and "stray@mohfw.gov.in" in bad[0]
    assert "not valid UTF-8" in bad[0][details]
    failed = client.get(f"/api/v1/onboarding/uploads/{done['id']}/rows", params={"failed": "true"}).json()
    assert [r["number"] for r in failed["items"]] == [3]  # the header is row 1


def test_a_windows_1252_file_throughout_is_still_read_as_such(client, admin, factory, settings, db):
    data = csv_bytes([row(email="jose@mohfw.gov.in", name="José Müller", ext="W-1")], encoding="cp1252")
    done = import_file(client, factory, settings, data)
    assert (done["created"], done["failed"]) == (1, 0)
    assert names(db, "jose@mohfw.gov.in") == {"jose@mohfw.gov.in": "José Müller"}
