"""Imported attendance: meeting-tool reports and offline sheets, with a per-row result file."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import Workbook, load_workbook

from saptah.core.db import utcnow
from saptah.core.timeutil import fmt_ist
from saptah.directory.models import Role
from saptah.events import attendance_repository
from tests.events.helpers import event, organiser, principal
from tests.factories import csrf, sign_in


def upload(client, event_id, name, content, kind):
    files = {"file": (name, content, "text/csv")}
    return client.post(f"/events/{event_id}/import", data={"csrf_token": csrf(client), "kind": kind}, files=files)


def test_meeting_report_merges_reconnects_and_reports_unknown_people(client, db, make):
    _, org = organiser(db, make)
    ev = event(db, org, start=utcnow() - timedelta(hours=3), minutes=60)
    a = make.person("DOHFW", full_name="Kavita Rao")
    b = make.person("MHA")
    start = ev.starts_at
    t = lambda m: fmt_ist(start + timedelta(minutes=m), "%Y-%m-%d %H:%M:%S")  # noqa: E731
    text = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
    text += f"Kavita Rao,{a.email},{t(0)},{t(20)},20\n"
    text += f"Kavita Rao,{a.email},{t(15)},{t(40)},25\n"  # reconnect overlapping the first session
    text += f"Stranger,ghost@nowhere.in,{t(0)},{t(50)},50\n"
    text += f"B,{b.email},{t(10)},{t(5)},0\n"
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="imp@dopt.gov.in")
    sign_in(client, "imp@dopt.gov.in")
    r = upload(client, ev.id, "zoom.csv", text.encode(), "report")
    assert r.status_code == 200 and "rows imported" in r.text
    assert attendance_repository.get_attendance(db, ev.id, a.id).minutes == 40
    assert attendance_repository.get_attendance(db, ev.id, b.id) is None
    result_link = r.url.path + "/result.csv"
    rows = list(csv.reader(io.StringIO(client.get(result_link).content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Status", "Error Details"]
    assert [row[-2] for row in rows[1:]] == ["Imported", "Imported", "Error", "Error"]
    assert rows[3][-1] == "No one with e-mail ghost@nowhere.in is registered."
    assert rows[4][-1] == "Leave time is before join time."


def test_mdo_uploads_a_samuhik_charcha_sheet_and_attendees_are_credited(client, db, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN, email="sheet@mohfw.gov.in")
    ev = event(
        db, principal(db, admin), kind="samuhik_charcha", mode="in_person", venue="Nirman Bhawan", stream_url=None,
        start=utcnow() - timedelta(days=1), minutes=90, title_en="Samuhik Charcha",
    )  # fmt: skip
    a = make.person("DOHFW", employee_id="DOH1001")
    b = make.person("DHR")
    outsider = make.person("MHA")
    wb = Workbook()
    ws = wb.active
    ws.append(["Employee ID", "E-mail", "Minutes"])
    ws.append(["DOH1001", None, 90])
    ws.append([None, b.email, 45])
    ws.append([None, outsider.email, 60])
    ws.append(["NOPE999", None, 30])
    ws.append([None, b.email, "lots"])
    buf = io.BytesIO()
    wb.save(buf)
    sign_in(client, "sheet@mohfw.gov.in")
    r = upload(client, ev.id, "charcha.xlsx", buf.getvalue(), "sheet")
    assert r.status_code == 200
    assert "<strong>2</strong> rows imported, <strong>3</strong> rows with errors" in r.text
    att_a = attendance_repository.get_attendance(db, ev.id, a.id)
    att_b = attendance_repository.get_attendance(db, ev.id, b.id)
    assert (att_a.minutes, att_a.attended, att_b.minutes, att_b.attended) == (90, True, 45, True)
    assert att_a.published_minutes == 90  # sent to the campaign engine
    result = load_workbook(io.BytesIO(client.get(r.url.path + "/result.xlsx").content))
    errors = [row[-1] for row in result.active.iter_rows(min_row=2, values_only=True)]
    assert errors[2] == f"{outsider.email} is not in an organisation you administer."
    assert errors[3] == "No one with employee ID NOPE999 is registered."
    assert errors[4] == "'lots' is not a number of minutes"
    # importing the same sheet again converges: nothing is double counted
    upload(client, ev.id, "charcha.xlsx", buf.getvalue(), "sheet")
    db.expire_all()
    assert attendance_repository.get_attendance(db, ev.id, a.id).minutes == 90


def test_import_refuses_unusable_files_whole(client, db, make):
    make.person("MOHFW", role=Role.MDO_ADMIN, email="bad@mohfw.gov.in")
    adm = principal(db, make.person("MOHFW", role=Role.MDO_ADMIN))
    ev = event(
        db, adm, kind="samuhik_charcha", mode="in_person", venue="Hall", stream_url=None,
        start=utcnow() - timedelta(days=1),
    )  # fmt: skip
    sign_in(client, "bad@mohfw.gov.in")
    r = upload(client, ev.id, "x.csv", b"Name,Favourite colour\nA,blue\n", "sheet")
    assert r.status_code == 400 and "E-mail or an Employee ID column" in r.text
    r = upload(client, ev.id, "x.pdf", b"%PDF", "sheet")
    assert r.status_code == 400 and "Upload a .csv or .xlsx file." in r.text
    r = upload(client, ev.id, "x.csv", b"E-mail,Minutes\n", "sheet")
    assert r.status_code == 400 and "no rows" in r.text
    r = upload(client, ev.id, "x.csv", b"E-mail,Minutes\na@b.in,5\n", "report")
    assert r.status_code == 400 and "held in person" in r.text


def test_someone_else_cannot_upload_for_an_event(client, db, make):
    adm = principal(db, make.person("MOHFW", role=Role.MDO_ADMIN))
    ev = event(
        db, adm, kind="offline_workshop", mode="in_person", venue="Hall", stream_url=None,
        start=utcnow() - timedelta(days=1),
    )  # fmt: skip
    make.person("MHA", role=Role.MDO_ADMIN, email="other@mha.gov.in")
    sign_in(client, "other@mha.gov.in")
    r = upload(client, ev.id, "x.csv", b"E-mail,Minutes\na@b.in,5\n", "sheet")
    assert r.status_code == 403 and "organisers" in r.text
