"""Who may onboard where, the pages (form, preview, progress, history, downloads), templates, and the CLI."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from saptah.directory.models import Person, Role
from tests.factories import csrf, sign_in
from tests.onboarding.helpers import csv_bytes, import_file, row, run_jobs, upload


def test_mha_admin_cannot_import_into_mohfw_or_see_its_uploads(client, make, factory, settings, db):
    mohfw_admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    mha_admin = make.person("MHA", role=Role.MDO_ADMIN)
    sign_in(client, mohfw_admin.email)
    done = import_file(client, factory, settings, csv_bytes([row()]))
    client.cookies.clear()
    sign_in(client, mha_admin.email)
    resp = upload(client, csv_bytes([row(email="sneak@mohfw.gov.in", ext="Z-1")]), org="MOHFW")
    assert resp.status_code == 403
    assert "You do not administer" in resp.json()["error"]["message"]
    assert db.scalar(select(Person).where(Person.email == "sneak@mohfw.gov.in")) is None
    assert client.get(f"/api/v1/onboarding/uploads/{done['id']}").status_code == 404
    assert client.get(f"/onboarding/{done['id']}/result.csv").status_code == 404
    assert [u["id"] for u in client.get("/api/v1/onboarding/uploads").json()] == []
    page = client.get("/onboarding")
    assert 'value="MHA"' in page.text and 'value="MOHFW"' not in page.text


def test_learners_and_strangers_are_kept_out(client, make):
    assert client.get("/api/v1/onboarding/uploads").status_code == 401
    assert upload(client, csv_bytes([row()])).status_code == 401
    learner = make.person("DOHFW")
    sign_in(client, learner.email)
    assert client.get("/onboarding").status_code == 403
    assert upload(client, csv_bytes([row()])).status_code == 403
    assert "Onboarding" not in client.get("/").text


def test_page_upload_preview_import_history_and_downloads(client, admin, factory, settings, db):
    home = client.get("/")
    assert 'href="/onboarding"' in home.text
    form = client.get("/onboarding")
    assert form.status_code == 200 and "Ministry of Health" in form.text
    data = csv_bytes([row(name="राधा कृष्णन"), row(email="broken", ext="W-2")])
    token = csrf(client)
    resp = client.post(
        "/onboarding",
        data={"csrf_token": token, "org": "MOHFW", "mode": "create", "action": "preview"},
        files={"file": ("staff.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page_url = resp.headers["location"]
    assert "queued" in client.get(page_url).text
    run_jobs(factory, settings)
    page = client.get(page_url)
    assert "Will be created" in page.text and "राधा कृष्णन" in page.text
    assert "Email &#39;broken&#39; is not a valid e-mail address." in page.text
    assert db.scalar(select(Person).where(Person.full_name == "राधा कृष्णन")) is None
    upload_id = int(page_url.rsplit("/", 1)[1])
    resp = client.post(f"/onboarding/{upload_id}/import", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303
    run_jobs(factory, settings)
    final = client.get(resp.headers["location"])
    assert re.search(r'id="created">1<', final.text) and re.search(r'id="failed">1<', final.text)
    assert db.scalar(select(Person).where(Person.full_name == "राधा कृष्णन")) is not None
    history = client.get("/onboarding").text
    assert "staff.csv" in history and "preview" in history and "create only" in history
    result = client.get(f"/onboarding/{resp.headers['location'].rsplit('/', 1)[1]}/result.csv")
    lines = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert lines[1][-2:] == ["Created", ""] and lines[2][-2] == "Failed"
    assert "attachment" in result.headers["content-disposition"]


def test_page_refuses_a_form_without_csrf_and_shows_bad_columns_on_the_form(client, admin, settings):
    data = csv_bytes([row()])
    resp = client.post(
        "/onboarding", data={"org": "MOHFW", "mode": "create"}, files={"file": ("s.csv", data, "text/csv")}
    )
    assert resp.status_code == 403
    assert not any((settings.upload_dir / "onboarding").glob("*.upload"))
    resp = client.post(
        "/onboarding",
        data={"csrf_token": csrf(client), "org": "MOHFW", "mode": "create", "action": "preview"},
        files={"file": ("s.csv", b"Name,Phone\nA,1\n", "text/csv")},
    )
    assert resp.status_code == 400
    assert "Missing column(s): Email, Mobile Number, Group." in resp.text
    assert 'data-testid="upload-form"' in resp.text


def test_blank_templates_in_both_formats(client, admin):
    resp = client.get("/onboarding/template/igot.csv")
    assert resp.status_code == 200
    assert resp.content.decode("utf-8-sig").strip().startswith("Full Name*,Email*,Mobile Number*,Group*,Designation*")
    resp = client.get("/onboarding/template/circular.xlsx")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[1]] == [
        "Full Name",
        "Email Id",
        "Mobile Number",
        "Group",
        "Tags",
        "External Reference ID",
        "External Reference System",
    ]
    assert client.get("/api/v1/onboarding/template.xlsx?kind=igot").status_code == 200


def test_cli_import_users_with_report_and_rerun(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from saptah import cli
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.core.migrate import upgrade
    from saptah.directory.service import load_reference_orgs

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    with unit_of_work(make_sessionmaker(make_engine(url))) as session:
        load_reference_orgs(session)
    monkeypatch.setenv("SAPTAH_DATABASE_URL", url)
    monkeypatch.setenv("SAPTAH_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("SAPTAH_MAIL_DIR", str(tmp_path / "mail"))
    staff = tmp_path / "staff.csv"
    staff.write_bytes(csv_bytes([row(), row(email="bad", ext="Y-2")]))
    cli._register_domain_commands()
    runner = CliRunner()
    dry = runner.invoke(cli.app, ["import-users", str(staff), "--org", "MOHFW", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Preview (nothing was changed)" in dry.output
    out = tmp_path / "report.xlsx"
    res = runner.invoke(cli.app, ["import-users", str(staff), "--org", "MOHFW", "--report", str(out)])
    assert res.exit_code == 0, res.output
    assert "Import finished" in res.output and "Result file written" in res.output
    ws = load_workbook(out).active
    assert [ws.cell(row=r, column=15).value for r in (2, 3)] == ["Created", "Failed"]
    again = runner.invoke(cli.app, ["import-users", str(staff), "--org", "MOHFW", "--mode", "upsert"])
    assert again.exit_code == 0 and "│    2 │       0 │       0 │         1 │      1 │" in again.output
    bad = runner.invoke(cli.app, ["import-users", str(staff), "--org", "NOPE"])
    assert bad.exit_code == 1 and "No organisation has code NOPE" in bad.output
