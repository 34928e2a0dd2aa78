"""`saptah passport import-needs` and `saptah passport rebuild` on a real database file."""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner

from saptah import cli
from saptah.catalog import importer
from saptah.catalog import service as catalog
from saptah.catalog.tasks import load_competencies
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
from saptah.core.migrate import upgrade
from saptah.directory import service as directory
from saptah.passport import repository as repo
from saptah.passport import service
from saptah.passport.models import PassportEvidence
from saptah.wiring import wire


def test_needs_are_imported_all_or_nothing_and_passports_rebuilt_from_the_completions(tmp_path, monkeypatch):
    wire()  # the engine fixture wires the test process; this test uses no fixture that does
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as s:
        directory.load_reference_orgs(s)
        load_competencies(s)
        row = {"code": "CLI-1", "title_en": "Cyber hygiene", "duration_minutes": 30, "provider": "CP_KB",
               "status": "live", "launch_kind": "external", "launch_url": "https://p.example/c",
               "competencies": "FUN-CYBER:2"}  # fmt: skip
        assert importer.import_courses(s, rows=[row], actor=None, base_url="http://x").ok
        person = directory.create_person(s, org=directory.org_by_code(s, "MOHFW"), full_name="Asha Rao",
                                         email="asha@example.gov.in", password=None, group="Group B")  # fmt: skip
        course = catalog.course_by_code(s, "CLI-1")
        catalog.complete_course(s, person_id=person.id, course_id=course.id, at=datetime(2024, 10, 21, tzinfo=UTC),
                                source="bulk")  # fmt: skip
        pid = person.id
    monkeypatch.setenv("SAPTAH_DATABASE_URL", url)
    cli._register_domain_commands()
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text("Designation,Group,Competency,Level\n,Group B,FUN-CYBER,2\n,Group B,NOPE,1\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["passport", "import-needs", str(bad), "--org", "MOHFW"])
    assert result.exit_code == 1 and "Row 3" in result.output
    good = tmp_path / "good.csv"
    good.write_text("Designation,Group,Competency,Level\n,Group B,FUN-CYBER,3\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["passport", "import-needs", str(good), "--org", "MOHFW"])
    assert result.exit_code == 0 and "Stored 1 needs" in result.output
    with unit_of_work(factory) as s:
        [need] = service.org_needs(s, directory.org_by_code(s, "MOHFW"))
        assert (need.group, need.code, need.level) == ("Group B", "FUN-CYBER", 3)
        live = repo.all_levels(s)
        s.query(PassportEvidence).delete()  # a lost write: the rebuild restores it from the completion
        repo.rebuild_levels(s, [pid])
    result = runner.invoke(cli.app, ["passport", "rebuild"])
    assert result.exit_code == 0 and "1 evidence rows" in result.output
    with unit_of_work(factory) as s:
        assert repo.all_levels(s) == live and [lvl for _p, _c, lvl, _at in live] == [1, 2]
        person = directory.repo.get_person(s, pid)
        assert [(g.code, g.needed, g.held) for g in service.gaps_of(s, person)] == [("FUN-CYBER", 3, 2)]
