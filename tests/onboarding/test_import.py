"""Modes, duplicates, organisations, formula cells, previews, one upload at a time, crash and re-run, welcome mail."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from saptah.directory.models import Person
from saptah.directory.onboarding import service
from saptah.notify.tasks import send_due
from tests.onboarding.helpers import csv_bytes, import_file, result_csv, row, run_jobs, upload


def _people(db, *emails):
    return {p.email: p for p in db.scalars(select(Person).where(Person.email.in_(emails)))}


def test_create_only_refuses_already_registered_people(client, admin, factory, settings, make):
    make.person("MOHFW", email="taken@mohfw.gov.in")
    done = import_file(
        client,
        factory,
        settings,
        csv_bytes([row(email="taken@mohfw.gov.in"), row(email="new@mohfw.gov.in", ext="X-1")]),
    )
    assert (done["created"], done["failed"]) == (1, 1)
    line = result_csv(client, done["id"])[1]
    assert line[-2] == "Failed"
    assert "already registered" in line[-1]


def test_upsert_updates_by_email_then_by_external_id_and_reports_unchanged(client, admin, factory, settings, make, db):
    org = make.org("MOHFW")
    make.person(
        org,
        email="same@mohfw.gov.in",
        full_name="Same Person",
        mobile="9876543210",
        group="Group B",
        designation="Section Officer",
        gender="Female",
        category="General",
        mother_tongue="Kannada",
        employee_id="EMP001",
        office_pin="110011",
        external_system_id="S-1",
        external_system_name="eHRMS",
        tags="Nursing|Public Health",
        dob=__import__("datetime").date(1980, 3, 12),
    )
    make.person(org, email="move@mohfw.gov.in", designation="Clerk")
    make.person(org, email="old.address@mohfw.gov.in", external_system_id="EXT-77")
    rows = [
        row(name="Same Person", email="same@mohfw.gov.in", ext="S-1"),
        row(name="Moved Up", email="move@mohfw.gov.in", designation="Under Secretary", ext="M-1"),
        row(name="New Address", email="new.address@mohfw.gov.in", ext="EXT-77"),
        row(name="Brand New", email="brand.new@mohfw.gov.in", ext="B-1"),
    ]
    done = import_file(client, factory, settings, csv_bytes(rows), mode="upsert")
    assert (done["created"], done["updated"], done["unchanged"], done["failed"]) == (1, 2, 1, 0)
    assert [r[-2] for r in result_csv(client, done["id"])[1:]] == ["Unchanged", "Updated", "Updated", "Created"]
    db.expire_all()
    people = _people(db, "move@mohfw.gov.in", "new.address@mohfw.gov.in", "old.address@mohfw.gov.in")
    assert people["move@mohfw.gov.in"].designation == "Under Secretary"
    assert people["move@mohfw.gov.in"].full_name == "Moved Up"
    assert people["new.address@mohfw.gov.in"].external_system_id == "EXT-77"
    assert "old.address@mohfw.gov.in" not in people


def test_upsert_cannot_change_someone_of_another_ministry(client, admin, factory, settings, make, db):
    make.person("MHA", email="mha.person@mha.gov.in", full_name="Kept As Is")
    done = import_file(
        client, factory, settings, csv_bytes([row(name="Changed", email="mha.person@mha.gov.in")]), mode="upsert"
    )
    assert done["failed"] == 1
    assert "outside" in result_csv(client, done["id"])[1][-1]
    db.expire_all()
    assert _people(db, "mha.person@mha.gov.in")["mha.person@mha.gov.in"].full_name == "Kept As Is"


def test_row_naming_an_organisation_outside_the_subtree_is_refused(client, admin, factory, settings, db):
    header = [*csv_bytes([]).decode().strip().split(","), "Organisation Code"]
    rows = [
        [*row(email="in.dohfw@mohfw.gov.in", ext="O-1"), "DOHFW"],
        [*row(email="in.mha@mohfw.gov.in", ext="O-2"), "MHA"],
        [*row(email="nowhere@mohfw.gov.in", ext="O-3"), "NOSUCHORG"],
    ]
    done = import_file(client, factory, settings, csv_bytes(rows, header))
    assert (done["created"], done["failed"]) == (1, 2)
    result = result_csv(client, done["id"])
    assert "Organisation MHA (" in result[2][-1] and "is outside" in result[2][-1]
    assert "No organisation has code NOSUCHORG." in result[3][-1]
    person = _people(db, "in.dohfw@mohfw.gov.in")["in.dohfw@mohfw.gov.in"]
    assert person.org_id == service.directory.org_by_code(db, "DOHFW").id


def test_duplicate_rows_and_repeated_emails_in_one_file(client, admin, factory, settings, db):
    rows = [row(), row(), row(name="Someone Else", ext="D-2"), row(email="other@mohfw.gov.in")]
    done = import_file(client, factory, settings, csv_bytes(rows))
    result = result_csv(client, done["id"])
    assert [r[-2] for r in result[1:]] == ["Created", "Failed", "Failed", "Failed"]
    assert result[2][-1] == "This row repeats row 2 exactly."
    assert "E-mail asha.rao@mohfw.gov.in already appears in row 2" in result[3][-1]
    assert "External System ID HR-1001 already appears in row 2" in result[4][-1]
    assert db.scalar(select(func.count()).select_from(Person).where(Person.email == "asha.rao@mohfw.gov.in")) == 1


def test_formula_cells_are_stored_as_text_and_exported_safely(client, admin, factory, settings, db):
    name = '=HYPERLINK("http://evil.example","Click")'
    done = import_file(
        client, factory, settings, csv_bytes([row(name=name, designation="+SUM(1)", extname="@cmd", tags="")])
    )
    assert done["created"] == 1
    person = _people(db, "asha.rao@mohfw.gov.in")["asha.rao@mohfw.gov.in"]
    assert (person.full_name, person.designation, person.external_system_name) == (name, "+SUM(1)", "@cmd")
    line = result_csv(client, done["id"])[1]
    assert line[0] == "'" + name and line[4] == "'+SUM(1)"
    xlsx = client.get(f"/onboarding/{done['id']}/result.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cell = ws.cell(row=2, column=1)
    assert cell.data_type == "s" and cell.value == "'" + name
    assert [c.value for c in ws[1]][-2:] == ["Status", "Error Details"]


def test_a_hindi_admin_downloads_the_result_file_in_hindi_still_formula_safe(client, admin, factory, settings, db):
    admin.preferred_language = "hi"
    db.flush()
    client.get("/lang/hi")
    name = "=1+2"
    data = csv_bytes([row(name=name), row(email="x@", mobile="12", ext="B-1")])
    done = import_file(client, factory, settings, data)
    assert (done["created"], done["failed"]) == (1, 1)
    result = result_csv(client, done["id"])
    # the uploaded columns keep their names (the file can be corrected and uploaded again); the added ones are Hindi
    assert result[0][:2] == ["Full Name*", "Email*"] and result[0][-2:] == ["स्थिति", "त्रुटि विवरण"]
    assert result[1][0] == "'" + name and result[1][-2:] == ["बनाया गया", ""]  # the formula cell stays text
    assert result[2][-2] == "विफल"
    assert "ई-मेल 'x@' मान्य ई-मेल पता नहीं है।" in result[2][-1] and "is not a valid" not in result[2][-1]
    ws = load_workbook(io.BytesIO(client.get(f"/onboarding/{done['id']}/result.xlsx").content)).active
    assert [c.value for c in ws[1]][-2:] == ["स्थिति", "त्रुटि विवरण"] and ws.cell(row=3, column=15).value == "विफल"
    assert ws.cell(row=2, column=1).data_type == "s" and ws.cell(row=2, column=1).value == "'" + name
    # programs reading the API get the stored English file; an English reader gets English
    english = client.get(f"/api/v1/onboarding/uploads/{done['id']}/result.csv").content.decode("utf-8-sig")
    assert english.splitlines()[0].endswith("Status,Error Details") and "Failed" in english


def test_preview_changes_nothing_then_imports(client, admin, factory, settings, db):
    data = csv_bytes([row(), row(email="bad", ext="P-2")])
    preview = import_file(client, factory, settings, data, mode="preview")
    assert preview["preview"] is True
    assert (preview["created"], preview["failed"]) == (1, 1)
    assert _people(db, "asha.rao@mohfw.gov.in") == {}
    rows = client.get(f"/api/v1/onboarding/uploads/{preview['id']}/rows").json()["items"]
    assert [(r["number"], r["email"], r["status"]) for r in rows] == [
        (2, "asha.rao@mohfw.gov.in", "Will be created"),
        (3, "bad", "Failed"),
    ]
    resp = client.post(f"/api/v1/onboarding/uploads/{preview['id']}/import")
    assert resp.status_code == 202
    run_jobs(factory, settings)
    done = client.get(f"/api/v1/onboarding/uploads/{resp.json()['id']}").json()
    assert (done["status"], done["preview"], done["created"], done["failed"]) == ("done", False, 1, 1)
    assert "asha.rao@mohfw.gov.in" in _people(db, "asha.rao@mohfw.gov.in")


def test_one_running_upload_per_organisation(client, admin, factory, settings):
    first = upload(client, csv_bytes([row()]))
    assert first.status_code == 202
    second = upload(client, csv_bytes([row(email="b@mohfw.gov.in", ext="Q-2")]))
    assert second.status_code == 409
    assert "already queued or running" in second.json()["error"]["message"]
    run_jobs(factory, settings)
    assert upload(client, csv_bytes([row(email="c@mohfw.gov.in", ext="Q-3")])).status_code == 202


def test_crash_mid_import_loses_nothing_and_rerun_finishes_without_duplicates(
    client, admin, factory, settings, db, monkeypatch
):
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    rows = [row(email=f"p{i}@mohfw.gov.in", ext=f"C-{i}") for i in range(7)]
    data = csv_bytes(rows)
    real = service._commit_chunk
    calls = {"n": 0}

    def crash_on_third(session, plan, chunk_no, batch):
        calls["n"] += 1
        if chunk_no == 2:
            raise RuntimeError("power cut")
        return real(session, plan, chunk_no, batch)

    monkeypatch.setattr(service, "_commit_chunk", crash_on_third)
    first = upload(client, data).json()
    run_jobs(factory, settings)
    state = client.get(f"/api/v1/onboarding/uploads/{first['id']}").json()
    assert state["status"] == "failed"
    assert state["created"] == 4  # two chunks were committed before the crash
    emails = [f"p{i}@mohfw.gov.in" for i in range(7)]
    assert len(_people(db, *emails)) == 4

    monkeypatch.setattr(service, "_commit_chunk", real)
    again = upload(client, data).json()
    assert again["id"] == first["id"] and again["resumed"] is True
    run_jobs(factory, settings)
    done = client.get(f"/api/v1/onboarding/uploads/{first['id']}").json()
    assert (done["status"], done["total"], done["created"], done["failed"]) == ("done", 7, 7, 0)
    assert db.scalar(select(func.count()).select_from(Person).where(Person.email.in_(emails))) == 7
    assert [r[-2] for r in result_csv(client, first["id"])[1:]] == ["Created"] * 7


def test_new_staff_receive_the_welcome_email_over_smtp(client, admin, factory, settings, smtp, db):
    done = import_file(client, factory, settings, csv_bytes([row(email="welcome.me@mohfw.gov.in", name="सीमा देवी")]))
    assert done["created"] == 1 and done["welcomed"] == 1
    assert send_due(db, settings) >= 1
    mails = smtp.to("welcome.me@mohfw.gov.in")
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Welcome to Saptah: set your password"
    body = mails[0].get_content()
    assert "सीमा देवी" in body
    assert f"{settings.base_url}/set-password/" in body
    token = body.split("/set-password/")[1].split()[0]
    assert client.get(f"/set-password/{token}").status_code == 200


def test_the_welcome_link_is_made_when_the_email_leaves(client, admin, factory, settings, smtp, db):
    """Welcomes are queued without their link (a million queue in seconds); each link is made as its e-mail is
    sent, valid for 7 days from then, and a person who set a password meanwhile is not sent one, with the reason
    kept on the message."""
    from datetime import timedelta

    from saptah.auth.models import PasswordToken
    from saptah.core.db import utcnow
    from saptah.core.security import hash_password
    from saptah.notify.models import OutboxMessage

    emails = ["late.reader@mohfw.gov.in", "early.bird@mohfw.gov.in"]
    rows = [row(email=emails[0], ext="L-1"), row(email=emails[1], ext="L-2")]
    done = import_file(client, factory, settings, csv_bytes(rows))
    assert (done["created"], done["welcomed"]) == (2, 2)
    people = _people(db, *emails)
    queued = db.scalars(select(OutboxMessage).where(OutboxMessage.to_addr.in_(emails))).all()
    assert sorted(m.dedupe_key for m in queued) == sorted(f"welcome:{p.id}" for p in people.values())
    assert [m.body for m in queued] == ["", ""]
    ids = [p.id for p in people.values()]
    assert db.scalar(select(func.count()).select_from(PasswordToken).where(PasswordToken.person_id.in_(ids))) == 0
    people[emails[1]].password_hash = hash_password("a-password-set-elsewhere-2024")
    db.commit()

    before = utcnow()
    assert send_due(db, settings) == 1
    db.commit()
    assert len(smtp.to(emails[0])) == 1 and smtp.to(emails[1]) == []
    skipped = db.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == emails[1]))
    assert skipped.status == "skipped" and "set a password" in skipped.last_error
    token = db.scalar(select(PasswordToken).where(PasswordToken.person_id == people[emails[0]].id))
    assert token.expires_at >= before + timedelta(days=7)
    link = smtp.to(emails[0])[0].get_content().split("/set-password/")[1].split()[0]
    assert client.get(f"/set-password/{link}").status_code == 200


@pytest.mark.parametrize("mode", ["create", "upsert"])
def test_rerunning_a_finished_file_creates_no_duplicates(client, admin, factory, settings, db, mode):
    data = csv_bytes([row(), row(email="two@mohfw.gov.in", ext="R-2")])
    import_file(client, factory, settings, data)
    again = import_file(client, factory, settings, data, mode=mode)
    expected = (0, 2) if mode == "create" else (0, 0)
    assert (again["created"], again["failed"]) == expected
    if mode == "upsert":
        assert again["unchanged"] == 2
    assert len(_people(db, "asha.rao@mohfw.gov.in", "two@mohfw.gov.in")) == 2


def test_outbox_throttles_welcome_mail_of_a_large_upload(client, admin, factory, settings, smtp, db):
    settings.mail_per_minute = 3
    rows = [row(email=f"staff{i}@mohfw.gov.in", ext=f"T-{i}") for i in range(8)]
    done = import_file(client, factory, settings, csv_bytes(rows))
    assert done["created"] == 8 and done["welcomed"] == 8
    assert send_due(db, settings) == 3
    assert send_due(db, settings) == 0  # the rest wait for the next minute
    assert len(smtp.messages) == 3


def test_an_upload_that_changes_designations_moves_people_on_the_competency_gaps_dashboard(
    client, admin, factory, settings, make, db
):
    from saptah.catalog.tasks import load_competencies
    from saptah.directory.service import load_principal
    from saptah.passport import repository as passport_repo
    from saptah.passport import service as passport
    from saptah.passport.schemas import NeedIn

    load_competencies(db)
    who = load_principal(db, admin.id)
    passport.save_need(db, principal=who, org_id=admin.org_id,
                       data=NeedIn(designation="Under Secretary", competency="FUN-AI", level=1))  # fmt: skip
    make.person("MOHFW", email="clerk@mohfw.gov.in", designation="Clerk")
    db.commit()

    def staff() -> list[tuple[str, int]]:
        rows = passport.gap_dashboard(db, principal=who, org_id=admin.org_id, campaign_id=None).rows
        return [(r.designation, r.staff) for r in rows]

    assert staff() == []
    rows = [
        row(name="Promoted", email="clerk@mohfw.gov.in", designation="Under Secretary", ext="C-1"),
        row(name="Joined", email="joined@mohfw.gov.in", designation="under secretary", ext="J-1"),
    ]
    done = import_file(client, factory, settings, csv_bytes(rows), mode="upsert")
    assert (done["created"], done["updated"]) == (1, 1)
    db.expire_all()
    assert staff() == [("Under Secretary", 2)]
    live = passport_repo.all_totals(db)
    passport.rebuild_totals(db)
    assert passport_repo.all_totals(db) == live


def test_a_translated_result_file_keeps_every_problem_formula_safe(tmp_path):
    """A problem whose text begins like a formula (stored with a leading ') stays text once translated."""
    import csv

    from saptah.directory.onboarding.results import _translated_csv

    english = tmp_path / "result-1.csv"
    with english.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["Full Name*", "Status", "Error Details"], ["'=1+2", "Failed", "'=HYPERLINK(1)"]])
    hindi = _translated_csv(english, "hi")
    assert hindi.name == "result-1.hi.csv"
    rows = list(csv.reader(hindi.open(encoding="utf-8-sig", newline="")))
    assert rows[1] == ["'=1+2", "विफल", "'=HYPERLINK(1)"]
