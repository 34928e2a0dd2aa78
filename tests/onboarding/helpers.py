"""Helpers for onboarding tests: build staff lists, upload them, run the queued jobs."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from saptah.jobs import service as jobs

IGOT = [
    "Full Name*",
    "Email*",
    "Mobile Number*",
    "Group*",
    "Designation*",
    "Gender",
    "Category",
    "DOB",
    "Mother Tongue",
    "Employee ID",
    "Office Pin Code",
    "External System ID",
    "External System Name",
    "Tags",
]
FIELDS = [
    "name",
    "email",
    "mobile",
    "group",
    "designation",
    "gender",
    "category",
    "dob",
    "tongue",
    "emp",
    "pin",
    "ext",
    "extname",
    "tags",
]


def row(**over: str) -> list[str]:
    """A valid iGOT row with some cells replaced (keys from FIELDS)."""
    base = {
        "name": "Asha Rao",
        "email": "asha.rao@mohfw.gov.in",
        "mobile": "9876543210",
        "group": "Group B",
        "designation": "Section Officer",
        "gender": "Female",
        "category": "General",
        "dob": "12-03-1980",
        "tongue": "Kannada",
        "emp": "EMP001",
        "pin": "110011",
        "ext": "HR-1001",
        "extname": "eHRMS",
        "tags": "Nursing|Public Health",
    }
    base.update(over)
    return [base[f] for f in FIELDS]


def csv_bytes(
    rows: list[list[str]], header: list[str] | None = None, *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    """A CSV file as Excel would write it."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header or IGOT)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(
    rows: list[list[Any]], header: list[str] | None = None, *, sheet: str = "Staff", first: str | None = None
) -> bytes:
    """An XLSX workbook with the list on `sheet` (optionally after another sheet `first`)."""
    wb = Workbook()
    ws = wb.active
    if first:
        ws.title = first
        ws.append(["not the staff list"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(header or IGOT)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(
    client: Any, data: bytes, *, org: str = "MOHFW", mode: str = "create", name: str = "staff.csv", **params: str
) -> Any:
    """POST a file to the API."""
    return client.post(
        "/api/v1/onboarding/uploads",
        params={"org": org, "mode": mode, **params},
        files={"file": (name, data, "application/octet-stream")},
    )


def run_jobs(factory: Any, settings: Any) -> int:
    """Run queued jobs until none is left; returns how many ran."""
    n = 0
    while jobs.run_one(factory, settings):
        n += 1
    return n


def import_file(client: Any, factory: Any, settings: Any, data: bytes, **kw: Any) -> dict[str, Any]:
    """Upload, run the job(s), and return the finished upload as the API shows it."""
    resp = upload(client, data, **kw)
    assert resp.status_code == 202, resp.text
    run_jobs(factory, settings)
    done = client.get(f"/api/v1/onboarding/uploads/{resp.json()['id']}")
    assert done.status_code == 200
    return dict(done.json())


def result_csv(client: Any, upload_id: int) -> list[list[str]]:
    """The result file's rows (header first)."""
    resp = client.get(f"/onboarding/{upload_id}/result.csv")
    assert resp.status_code == 200, resp.text
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
