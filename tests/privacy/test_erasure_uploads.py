"""An erased person leaves the staff lists kept on disk (uploads, result files, chunk outcomes), and no re-import of
a stored or re-uploaded list registers them again (issue 15: personal data)."""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saptah import cli
from saptah.directory.models import ErasedIdentity, Person, Role
from saptah.directory.onboarding import service
from saptah.directory.onboarding.models import Upload, UploadChunk
from tests.factories import csrf, sign_in
from tests.hardening import test_import_resume as resume
from tests.onboarding.helpers import csv_bytes, import_file, result_csv, row, run_jobs, xlsx_bytes

GONE = dict(name="Vanishing Verma", email="v.verma@mohfw.gov.in", mobile="9123456780", emp="EMPGONE", ext="HR-GONE")
TRACES = ("Vanishing Verma", "v.verma@mohfw.gov.in", "9123456780", "EMPGONE", "HR-GONE")
OTHERS = [
    row(name="Asha Rao", email="asha.rao@mohfw.gov.in", ext="HR-1", emp="EMP1", mobile="9000000001"),
    row(name="Ravi Kumar", email="ravi@mohfw.gov.in", ext="HR-2", emp="EMP2", mobile="9000000002"),
]
STAFF = [OTHERS[0], row(**GONE), OTHERS[1]]
Killed, count, make_stale = resume.Killed, resume.count, resume.make_stale
env = resume.env  # the command line's database, upload folder and staff list (a fixture)


def stored_text(folder: Path) -> str:
    """Everything kept on disk for onboarding, as text (XLSX files unpacked)."""
    out = []
    for path in sorted((folder / "onboarding").iterdir()):
        data = path.read_bytes()
        if data.startswith(b"PK"):
            with zipfile.ZipFile(path) as z:
                out += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            out.append(data.decode("utf-8", "replace"))
    return "\n".join(out)


def chunk_text(db) -> str:
    return "\n".join(zlib.decompress(b).decode() for b in db.scalars(select(UploadChunk.outcomes)))


@pytest.fixture
def organiser(make):
    return make.person("MOHFW", role=Role.NATIONAL_ORGANISER)


def erase_on_the_web(client, person_id: int, organiser) -> None:
    sign_in(client, organiser.email)
    body, headers = {"reason": "DPDP request 2026/17"}, {"X-CSRF-Token": csrf(client)}
    r = client.post(f"/api/v1/people/{person_id}/erase", json=body, headers=headers)
    assert r.status_code == 200, r.text


def test_erasure_scrubs_stored_lists_and_no_reimport_brings_the_person_back(
    client, db, make, factory, settings, organiser
):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    sign_in(client, admin.email)
    data = csv_bytes(STAFF)
    done = import_file(client, factory, settings, data)
    assert (done["status"], done["created"]) == ("done", 3)
    preview = import_file(client, factory, settings, xlsx_bytes(STAFF), mode="preview", name="staff.xlsx")
    assert preview["status"] == "done"
    gone = db.scalars(select(Person).where(Person.email == GONE["email"])).one()
    assert all(t in stored_text(settings.upload_dir) for t in TRACES)
    assert GONE["email"] in chunk_text(db)

    erase_on_the_web(client, gone.id, organiser)
    assert run_jobs(factory, settings) >= 1  # the scrubbing job, queued by the erasure

    kept = stored_text(settings.upload_dir)
    assert not [t for t in TRACES if t in kept]
    assert "Asha Rao" in kept and "ravi@mohfw.gov.in" in kept  # the others' rows are untouched
    db.expire_all()
    assert GONE["email"] not in chunk_text(db)
    tombstones = db.scalars(select(ErasedIdentity.digest)).all()
    assert tombstones and all("@" not in d and len(d) == 64 for d in tombstones)

    sign_in(client, admin.email)
    rows = result_csv(client, done["id"])
    assert [r[0] for r in rows[1:]] == ["Asha Rao", "(erased)", "Ravi Kumar"]
    assert [r[-2] for r in rows[1:]] == ["Created", "Created", "Created"]  # what happened stays recorded
    xlsx = client.get(f"/onboarding/{preview['id']}/result.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    cells = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    assert "(erased)" in cells and not [t for t in TRACES if any(t in c for c in cells)]

    # the same list uploaded again, and the preview imported for real: the erased person is refused
    again = import_file(client, factory, settings, data, mode="upsert")
    assert (again["status"], again["failed"], again["unchanged"]) == ("done", 1, 2)
    refused = result_csv(client, again["id"])[2]
    assert "erased at their request" in refused[-1]
    r = client.post(f"/api/v1/onboarding/uploads/{preview['id']}/import", headers={"X-CSRF-Token": csrf(client)})
    assert r.status_code == 202, r.text
    run_jobs(factory, settings)
    from_preview = client.get(f"/api/v1/onboarding/uploads/{r.json()['id']}").json()
    assert (from_preview["status"], from_preview["failed"]) == ("done", 3)  # 1 erased, 2 already registered
    db.expire_all()
    assert db.scalar(select(Person).where(Person.email == GONE["email"])) is None
    assert db.get(Person, gone.id).full_name == "Erased person"


def test_the_command_line_erasure_scrubs_at_once_and_a_resumed_import_does_not_resurrect(env, monkeypatch):
    runner, factory, _path = env
    path = _path.with_name("with-gone.csv")
    path.write_bytes(csv_bytes([row(**GONE), *OTHERS, row(name="Late Lal", email="late@mohfw.gov.in", ext="HR-9")]))
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    real = service._commit_chunk

    def killed_on_second(session, plan, chunk_no, batch):
        if chunk_no == 1:
            raise Killed
        return real(session, plan, chunk_no, batch)

    monkeypatch.setattr(service, "_commit_chunk", killed_on_second)
    with pytest.raises(Killed):
        runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"], catch_exceptions=False)
    monkeypatch.setattr(service, "_commit_chunk", real)
    assert count(factory, Person, Person.email == GONE["email"]) == 1

    r = runner.invoke(cli.app, ["privacy", "erase", GONE["email"], "--reason", "DPDP request 2026/18"])
    assert r.exit_code == 0, r.output
    assert "scrubbed from the staff lists" in r.output
    folder = Path(os.environ["SAPTAH_UPLOAD_DIR"]) / "onboarding"
    kept = "\n".join(p.read_text("utf-8", "replace") for p in folder.iterdir())
    assert GONE["email"] not in kept and GONE["name"] not in kept and "asha.rao@mohfw.gov.in" in kept

    make_stale(factory)  # the killed import is resumed from its stored file
    again = runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"])
    assert again.exit_code == 0, again.output
    assert count(factory, Person, Person.email == GONE["email"]) == 0
    assert count(factory, Person, Person.email.in_(["late@mohfw.gov.in", "ravi@mohfw.gov.in"])) == 2
    with factory() as s:
        first = s.scalars(select(Upload).order_by(Upload.id)).first()
        assert (first.status, first.created) == ("done", 4)  # the erased person's row was created before erasure

    # the original file, uploaded again from the command line: refused, row by row
    fresh = path.with_name("again.csv")
    fresh.write_bytes(csv_bytes([row(**GONE)]))
    r = runner.invoke(cli.app, ["import-users", str(fresh), "--org", "MOHFW"])
    assert count(factory, Person, Person.email == GONE["email"]) == 0
    with factory() as s:
        last = s.scalars(select(Upload).order_by(Upload.id.desc())).first()
        assert (last.created, last.failed) == (0, 1)
        blob = s.scalar(select(UploadChunk.outcomes).where(UploadChunk.upload_id == last.id))
        outcomes = json.loads(zlib.decompress(blob))
        assert "erased at their request" in outcomes["errors"]["0"]
