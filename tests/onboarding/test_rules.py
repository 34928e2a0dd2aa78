"""Every per-row rule, through a real upload on SQLite and PostgreSQL: good rows in, bad rows explained."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from saptah.directory.models import Person
from tests.onboarding.helpers import csv_bytes, import_file, result_csv, row

TODAY = date.today()
FUTURE = f"01-01-{TODAY.year + 1}"
TOO_OLD = f"01-01-{TODAY.year - 66}"

# (cells to change, words the clerk must see in Error Details)
BAD = [
    ({"email": "not-an-email"}, "Email 'not-an-email' is not a valid e-mail address."),
    ({"email": ""}, "Email is empty."),
    ({"mobile": "98765"}, "Mobile Number '98765' must have exactly 10 digits."),
    ({"mobile": "98765432100"}, "must have exactly 10 digits"),
    ({"mobile": "98765abcde"}, "must have exactly 10 digits"),
    (
        {"group": "Group Z"},
        "Group 'Group Z' must be one of: Group A, Group B, Group C, Group D, Contractual Staff, Others.",
    ),
    ({"designation": ""}, "Designation is empty."),
    ({"dob": "1980-03-12"}, "must be a date written dd-mm-yyyy"),
    ({"dob": "31-02-1990"}, "must be a date written dd-mm-yyyy"),
    ({"dob": FUTURE}, f"DOB '{FUTURE}' is in the future."),
    ({"dob": TOO_OLD}, "is more than 65 years ago."),
    ({"emp": "EMP 01"}, "Employee ID 'EMP 01' may have only letters and digits, at most 30."),
    ({"emp": "E" * 31}, "may have only letters and digits, at most 30"),
    ({"pin": "11001"}, "Office Pin Code '11001' must have exactly 6 digits."),
    ({"ext": "A--B"}, "External System ID 'A--B' must be 1 to 30 letters or digits"),
    ({"ext": "-AB"}, "single hyphens only between them"),
    ({"ext": "A" * 31}, "External System ID"),
    ({"extname": "12345"}, "External System Name '12345' cannot be only digits."),
    ({"extname": "x" * 256}, "External System Name is longer than 255 characters."),
    ({"tags": "Nursing, Tag#1"}, "Tag(s) 'Tag#1' may have only letters, digits, spaces and hyphens."),
    ({"name": ""}, "Full Name is empty."),
]
# (cells, what is stored)
GOOD = [
    ({"mobile": "+91 98765 43210"}, {"mobile": "9876543210"}),
    ({"mobile": "09876543210"}, {"mobile": "9876543210"}),
    ({"mobile": "98765 43210"}, {"mobile": "9876543210"}),
    ({"group": "group a"}, {"group": "Group A"}),
    ({"group": "CONTRACTUAL STAFF"}, {"group": "Contractual Staff"}),
    ({"group": "others"}, {"group": "Others"}),
    ({"dob": "05-11-1975"}, {"dob": date(1975, 11, 5)}),
    ({"ext": "HR-10-A"}, {"external_system_id": "HR-10-A"}),
    ({"tags": "Nursing, Public Health | Hindi"}, {"tags": "Nursing|Public Health|Hindi"}),
    ({"tags": "स्वास्थ्य|Nursing"}, {"tags": "स्वास्थ्य|Nursing"}),
    ({"tags": "southwest,s2"}, {"tags": "southwest|s2"}),
    ({"tags": "Zone-4, Ward 12"}, {"tags": "Zone-4|Ward 12"}),
    (
        {"email": '<a href="mailto:Link.Sent@mohfw.gov.in">Link.Sent@mohfw.gov.in</a>'},
        {"email": "link.sent@mohfw.gov.in"},
    ),
    ({"name": "डॉ. सुनीता शर्मा"}, {"full_name": "डॉ. सुनीता शर्मा"}),
    ({"name": "முருகன் சுப்பிரமணியம்"}, {"full_name": "முருகன் சுப்பிரமணியம்"}),
    ({"name": "=1+2", "designation": "@SUM(A1)", "extname": "-cmd"}, {"full_name": "=1+2", "designation": "@SUM(A1)"}),
    ({"email": "  Mixed.Case@MOHFW.gov.in "}, {"email": "mixed.case@mohfw.gov.in"}),
    ({"designation": "Under Secy\\Admin\tCell\nTwo"}, {"designation": "Under Secy\\Admin\tCell\nTwo"}),
]


def test_every_row_rule_reported_and_good_rows_imported(client, admin, factory, settings, db):
    rows = [row(**({"email": f"bad{i}@mohfw.gov.in", "ext": f"B-{i}"} | over)) for i, (over, _) in enumerate(BAD)]
    rows += [row(**({"email": f"good{i}@mohfw.gov.in", "ext": f"G-{i}"} | over)) for i, (over, _) in enumerate(GOOD)]
    done = import_file(client, factory, settings, csv_bytes(rows))
    assert done["status"] == "done"
    assert (done["total"], done["created"], done["failed"]) == (len(rows), len(GOOD), len(BAD))
    result = result_csv(client, done["id"])
    assert result[0][-2:] == ["Status", "Error Details"]
    for (over, message), line in zip(BAD, result[1 : len(BAD) + 1], strict=True):
        assert line[-2] == "Failed", over
        assert message in line[-1], (over, line[-1])
    for i, (over, stored) in enumerate(GOOD):
        assert result[1 + len(BAD) + i][-2:] == ["Created", ""], over
        email = stored.get("email") or over.get("email", f"good{i}@mohfw.gov.in").strip().lower()
        person = db.scalar(select(Person).where(Person.email == email))
        assert person is not None, over
        for key, value in stored.items():
            assert getattr(person, key) == value, (over, key)


def test_one_bad_row_lists_every_problem_in_it(client, admin, factory, settings):
    bad = row(email="x@", mobile="12", group="Z", pin="1", emp="a b")
    done = import_file(client, factory, settings, csv_bytes([row(), bad]))
    assert (done["created"], done["failed"]) == (1, 1)
    details = result_csv(client, done["id"])[2][-1]
    for words in ("Email 'x@'", "Mobile Number '12'", "Group 'Z'", "Office Pin Code '1'", "Employee ID 'a b'"):
        assert words in details
