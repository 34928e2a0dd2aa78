"""Bad and unusual files: encodings, delimiters, templates, XLSX sheets, columns, empty, wrong type, bombs, size."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import select

from saptah.directory.models import Person
from tests.onboarding.helpers import IGOT, csv_bytes, import_file, result_csv, row, upload, xlsx_bytes


def _error(resp):
    return resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "name"),
    [
        ("utf-8", ",", "सुनीता शर्मा"),
        ("utf-8-sig", ",", "सुनीता शर्मा"),
        ("utf-16", ",", "सुनीता शर्मा"),
        ("cp1252", ",", "José Müller"),
        ("utf-8-sig", ";", "Ananya Iyer"),
        ("cp1252", ";", "Zoë D'Souza"),
    ],
)
def test_csv_as_excel_writes_it(client, admin, factory, settings, db, encoding, delimiter, name):
    data = csv_bytes([row(name=name)], delimiter=delimiter, encoding=encoding)
    done = import_file(client, factory, settings, data)
    assert (done["created"], done["failed"]) == (1, 0), result_csv(client, done["id"])
    assert db.scalar(select(Person.full_name).where(Person.email == "asha.rao@mohfw.gov.in")) == name


def test_older_circular_template_and_forgiving_headers(client, admin, factory, settings, db):
    header = [
        " full name ",
        "EMAIL ID",
        "mobile number*",
        "Group",
        "Tags",
        "External Reference ID",
        "External Reference System",
    ]
    data = csv_bytes(
        [["Ravi Teja", "ravi@mohfw.gov.in", "9876543210", "group c", "Nursing", "OLD-1", "SPARROW"]], header
    )
    done = import_file(client, factory, settings, data)
    assert done["created"] == 1
    person = db.scalar(select(Person).where(Person.email == "ravi@mohfw.gov.in"))
    assert (person.group, person.external_system_id, person.external_system_name) == ("Group C", "OLD-1", "SPARROW")


def test_xlsx_first_sheet_and_named_sheet_with_excel_typed_cells(client, admin, factory, settings, db):
    typed = row()
    typed[2] = 9876543210  # Excel keeps phone numbers as numbers
    typed[7] = datetime(1980, 3, 12)  # and dates as dates
    typed[10] = 110011
    done = import_file(client, factory, settings, xlsx_bytes([typed]), name="staff.xlsx")
    assert (done["created"], done["failed"]) == (1, 0), result_csv(client, done["id"])
    person = db.scalar(select(Person).where(Person.email == "asha.rao@mohfw.gov.in"))
    assert (person.mobile, person.office_pin, person.dob.isoformat()) == ("9876543210", "110011", "1980-03-12")
    named = xlsx_bytes([row(email="sheet2@mohfw.gov.in", ext="S-2")], sheet="Staff", first="Instructions")
    done = import_file(client, factory, settings, named, name="staff.xlsx", sheet="Staff")
    assert done["created"] == 1
    missing = upload(client, named, name="staff.xlsx", sheet="Nope")
    assert missing.status_code == 400
    assert "no sheet named 'Nope'" in _error(missing)


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["Name", "Mail", "Phone"], "Missing column(s): Email, Mobile Number, Group."),
        ([*IGOT, "Salary"], "Unknown column(s): Salary."),
        (["Full Name", "Email", "Email Id", "Mobile Number", "Group"], "Column(s) given twice: Email Id."),
    ],
)
def test_wrong_or_missing_columns_list_the_expected_ones(client, admin, header, words):
    resp = upload(client, csv_bytes([["a"] * len(header)], header))
    assert resp.status_code == 400
    assert words in _error(resp)
    assert "Expected columns: iGOT template: Full Name*, Email*, Mobile Number*, Group*, Designation*" in _error(resp)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\r\n\r\n", "blank.csv", "The file is empty."),
        (csv_bytes([]), "header-only.csv", "column headings but no staff rows"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "staff.pdf", "This is a PDF file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "staff.xls", "old Excel .xls file"),
        (bytes(range(256)) * 20, "random.bin", "This is not a CSV or XLSX file."),
        (b"PK\x03\x04garbage-not-a-zip", "broken.xlsx", "This XLSX file is damaged"),
    ],
)
def test_files_that_are_not_a_staff_list(client, admin, data, name, words):
    resp = upload(client, data, name=name)
    assert resp.status_code == 400
    assert words in _error(resp)


def test_zip_that_is_not_a_workbook_and_a_zip_bomb_are_refused(client, admin):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    resp = upload(client, buf.getvalue(), name="staff.xlsx")
    assert resp.status_code == 400 and "not an Excel workbook" in _error(resp)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (64 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    resp = upload(client, bomb.getvalue(), name="staff.xlsx")
    assert resp.status_code == 400
    assert "unpacks to far more data" in _error(resp)


def test_file_over_the_limit_is_refused_with_413_before_it_is_read(client, admin, settings):
    settings.max_upload_mb = 1
    big = csv_bytes([row(email=f"p{i}@mohfw.gov.in", ext=f"E-{i}") for i in range(12000)])
    assert len(big) > 1024 * 1024
    resp = upload(client, big)
    assert resp.status_code == 413
    assert "larger than the limit of 1 MB" in _error(resp)
    assert not any((settings.upload_dir / "onboarding").glob("*.upload"))


def test_streamed_upload_without_length_is_cut_off_at_the_limit(client, admin, settings):
    settings.max_upload_mb = 1
    boundary = "saptahboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    sent = {"bytes": 0}

    def body():
        yield head
        for _ in range(100):  # 6.4 MB offered, in pieces
            sent["bytes"] += 65536
            yield b"x" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    resp = client.post(
        "/api/v1/onboarding/uploads?org=MOHFW",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert resp.status_code == 413
    assert not any((settings.upload_dir / "onboarding").glob("*.upload"))


def test_upload_without_a_file_or_with_a_bad_mode(client, admin, settings):
    resp = client.post("/api/v1/onboarding/uploads?org=MOHFW", files={"other": ("x.csv", b"a", "text/csv")})
    assert resp.status_code == 400 and "Choose a file" in _error(resp)
    resp = upload(client, csv_bytes([row()]), mode="merge")
    assert resp.status_code == 400 and "Mode must be" in _error(resp)
    resp = upload(client, csv_bytes([row()]), org="NOSUCH")
    assert resp.status_code == 404 and "No organisation has code NOSUCH" in _error(resp)
    resp = client.post("/api/v1/onboarding/uploads", files={"file": ("s.csv", csv_bytes([row()]), "text/csv")})
    assert resp.status_code == 400 and "Give the organisation code" in _error(resp)
    assert not any((settings.upload_dir / "onboarding").glob("*.upload"))


def test_total_is_exact_with_blank_lines_quoted_line_breaks_and_old_mac_line_ends(client, admin, factory, settings):
    rows = [row(email=f"p{i}@mohfw.gov.in", ext=f"L-{i}", designation="Under Secy\nAdmin") for i in range(3)]
    data = csv_bytes(rows).replace(b"\r\n", b"\n")
    blank_lines = data.replace(b"Tags\n", b"Tags\n\n,,,\n\n", 1) + b"\n\n"  # blank lines and an empty row
    done = import_file(client, factory, settings, blank_lines)
    assert (done["total"], done["created"], done["percent"]) == (3, 3, 100)
    old_mac = csv_bytes([row(email=f"q{i}@mohfw.gov.in", ext=f"M-{i}") for i in range(4)]).replace(b"\r\n", b"\r")
    done = import_file(client, factory, settings, old_mac)
    assert (done["total"], done["created"]) == (4, 4)
