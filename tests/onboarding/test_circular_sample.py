"""The circular's own bulk-upload sample, exactly as MDOs were sent it: 2 of 3 rows imported, row 3 refused.

Through the onboarding page (the form an MDO admin submits) and through `saptah import-users`, as comma- and
tab-separated text, and as the copy pasted from the circular's web page where each address is a mailto link.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from saptah.directory.models import Person
from tests.factories import csrf
from tests.onboarding.helpers import result_csv, run_jobs

SAMPLE_CSV = """Full Name,Email Id,Mobile Number,Group,Tags,External Reference ID,External Reference System
New User,new_user01@yopmail.com,8688586858,Contractual Staff,"southwest,s2",USER123,USERABC
New User,new_user03@yopmail.com,8688885858,Group B,"s1,s2",,USERABC
New User,newuser_08@yopmail.com,8688585858,,,USER123,USERABC
"""
SAMPLE_TSV = """Full Name\tEmail Id\tMobile Number\tGroup\tTags\tExternal Reference ID\tExternal Reference System
New User\tnew_user01@yopmail.com\t8688586858\tContractual Staff\tsouthwest,s2\tUSER123\tUSERABC
New User\tnew_user03@yopmail.com\t8688885858\tGroup B\ts1,s2\t\tUSERABC
New User\tnewuser_08@yopmail.com\t8688585858\t\t\tUSER123\tUSERABC
"""


def _linked(text: str) -> str:
    """The sample as copied from the circular's web page: every address an HTML mailto link."""
    for address in ("new_user01@yopmail.com", "new_user03@yopmail.com", "newuser_08@yopmail.com"):
        text = text.replace(address, f'<a href=""mailto:{address}"">{address}</a>')
    return text.replace('<a href=""', '"<a href=""').replace("</a>", '</a>"')


def _linked_tsv(text: str) -> str:
    for address in ("new_user01@yopmail.com", "new_user03@yopmail.com", "newuser_08@yopmail.com"):
        text = text.replace(address, f"<a href='mailto:{address}'>{address}</a>")
    return text


SAMPLES = {"csv": SAMPLE_CSV, "tsv": SAMPLE_TSV, "csv-links": _linked(SAMPLE_CSV), "tsv-links": _linked_tsv(SAMPLE_TSV)}


def _check_outcome(db, rows: list[list[str]]) -> None:
    assert [r[-2] for r in rows[1:]] == ["Created", "Created", "Failed"]
    problem = rows[3][-1]
    assert "Group is empty." in problem
    assert "External System ID USER123 already appears in row 2 of this file." in problem
    first = db.scalar(select(Person).where(Person.email == "new_user01@yopmail.com"))
    second = db.scalar(select(Person).where(Person.email == "new_user03@yopmail.com"))
    assert first is not None and second is not None
    assert (first.group, first.tags, first.external_system_id) == ("Contractual Staff", "southwest|s2", "USER123")
    assert (second.group, second.tags, second.external_system_name) == ("Group B", "s1|s2", "USERABC")
    assert db.scalar(select(Person).where(Person.email == "newuser_08@yopmail.com")) is None


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_circular_sample_through_the_upload_page(client, admin, factory, settings, db, kind):
    data = SAMPLES[kind].encode("utf-8")
    sent = client.post(
        "/onboarding",
        data={"csrf_token": csrf(client), "org": "MOHFW", "mode": "create", "action": "import"},
        files={"file": (f"sample.{kind[:3]}", data, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    run_jobs(factory, settings)
    page = client.get(sent.headers["location"])
    assert page.status_code == 200
    upload_id = int(sent.headers["location"].rsplit("/", 1)[1])
    done = client.get(f"/api/v1/onboarding/uploads/{upload_id}").json()
    assert (done["total"], done["created"], done["failed"]) == (3, 2, 1)
    _check_outcome(db, result_csv(client, upload_id))


@pytest.mark.parametrize("kind", ["csv", "tsv-links"])
def test_circular_sample_through_the_command_line(tmp_path, db, monkeypatch, kind):
    from typer.testing import CliRunner

    from saptah import cli

    source = tmp_path / f"sample.{kind[:3]}"
    source.write_text(SAMPLES[kind], encoding="utf-8")
    report = tmp_path / "result.csv"
    monkeypatch.setenv("SAPTAH_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("SAPTAH_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setattr(cli, "factory_for", lambda settings: lambda: db)
    monkeypatch.setattr(db, "close", lambda: None)
    cli._register_domain_commands()
    out = CliRunner().invoke(cli.app, ["import-users", str(source), "--org", "MOHFW", "--report", str(report)])
    assert out.exit_code == 0, out.output
    assert "Import finished" in out.output
    rows = list(csv.reader(io.StringIO(report.read_text("utf-8-sig"))))
    _check_outcome(db, rows)
