"""The `saptah` command line: users and roles, with clear errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from saptah import cli
from saptah.directory.models import Person, RoleChange, RoleGrant


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAPTAH_DATABASE_URL", url)
    monkeypatch.setenv("SAPTAH_MAIL_DIR", str(tmp_path / "mail"))
    runner = CliRunner()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.directory.service import load_reference_orgs

    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
    return runner, factory


def test_user_create_grant_revoke(sqlite_env):
    runner, factory = sqlite_env
    r = runner.invoke(
        cli.app, ["user", "create", "Kiran.Bedi@Example.gov.in", "--name", "Kiran Bedi", "--org", "MOHFW"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli.app, ["user", "grant", "kiran.bedi@example.gov.in", "mdo_leader", "--org", "MOHFW"])
    assert r.exit_code == 0, r.output
    with factory() as s:
        person = s.query(Person).filter_by(email="kiran.bedi@example.gov.in").one()
        assert s.query(RoleGrant).filter_by(person_id=person.id, role="mdo_leader", revoked_at=None).count() == 1
    r = runner.invoke(cli.app, ["user", "revoke", "kiran.bedi@example.gov.in", "mdo_leader", "--org", "MOHFW"])
    assert r.exit_code == 0, r.output
    with factory() as s:
        assert [c.action for c in s.query(RoleChange).order_by(RoleChange.id)] == ["grant", "revoke"]


def test_cli_errors_are_one_clear_line(sqlite_env):
    runner, _ = sqlite_env
    r = runner.invoke(cli.app, ["user", "create", "a@example.gov.in", "--name", "A", "--org", "NOPE"])
    assert r.exit_code == 1
    assert "No organisation has code NOPE" in r.output
    r = runner.invoke(cli.app, ["user", "grant", "ghost@example.gov.in", "mdo_admin", "--org", "MOHFW"])
    assert r.exit_code == 1
    assert "No one is registered" in r.output
    runner.invoke(cli.app, ["user", "create", "b@example.gov.in", "--name", "B", "--org", "MHA"])
    r = runner.invoke(cli.app, ["user", "grant", "b@example.gov.in", "emperor", "--org", "MHA"])
    assert r.exit_code == 1
    assert "Role must be one of" in r.output
