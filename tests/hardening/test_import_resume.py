"""`saptah import-users` resumes after its process died, for the import and the welcome e-mails, and ends well
when a worker (such as `saptah serve`'s) took its job (issue 15, defect 7)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from saptah import cli
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from saptah.core.migrate import upgrade
from saptah.directory.models import Person
from saptah.directory.onboarding import files, service
from saptah.directory.onboarding.models import Upload
from saptah.jobs import service as jobs
from saptah.jobs.models import Job
from saptah.notify.models import OutboxMessage
from tests.conftest import create_pg_database
from tests.onboarding.helpers import csv_bytes, row

EMAILS = [f"resume{i}@mohfw.gov.in" for i in range(7)]


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the process (no handler marks the job failed)."""


@pytest.fixture
def env(backend, request, tmp_path, monkeypatch) -> Iterator[tuple[CliRunner, object, object]]:
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'cli.db'}", None
    else:
        url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    for name, value in {
        "SAPTAH_DATABASE_URL": url,
        "SAPTAH_MAIL_DIR": str(tmp_path / "mail"),
        "SAPTAH_UPLOAD_DIR": str(tmp_path / "up"),
    }.items():
        monkeypatch.setenv(name, value)
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    from saptah.directory.service import load_reference_orgs
    from saptah.wiring import wire

    wire()
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([row(email=e, ext=f"R-{i}") for i, e in enumerate(EMAILS)]))
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    if not any(c.name == "import-users" for c in cli.app.registered_commands):
        cli._register_domain_commands()
    yield CliRunner(), factory, path
    engine.dispose()
    if drop:
        drop()


def import_users(runner, path):
    return runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"])


def make_stale(factory) -> None:
    """The dead process's job stops beating; after STALE_AFTER anyone may take it over."""
    with unit_of_work(factory) as s:
        s.execute(update(Job).values(heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=5)))


def count(factory, model, *where) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)))


def test_a_killed_import_is_resumed_by_running_the_command_again(env, monkeypatch):
    runner, factory, path = env
    real = service._commit_chunk

    def killed_on_third(session, plan, chunk_no, batch):
        if chunk_no == 2:
            raise Killed
        return real(session, plan, chunk_no, batch)

    monkeypatch.setattr(service, "_commit_chunk", killed_on_third)
    with pytest.raises(Killed):
        runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"], catch_exceptions=False)
    assert count(factory, Person, Person.email.in_(EMAILS)) == 4
    monkeypatch.setattr(service, "_commit_chunk", real)
    make_stale(factory)
    again = import_users(runner, path)
    assert again.exit_code == 0, again.output
    assert "Resuming the unfinished import" in again.output and "Another job" not in again.output
    assert count(factory, Person, Person.email.in_(EMAILS)) == 7
    with factory() as s:
        upload = s.scalars(select(Upload)).one()
        assert (upload.status, upload.created, upload.failed, upload.welcomed) == ("done", 7, 0, 7)
    assert count(factory, OutboxMessage) == 7


@pytest.mark.parametrize("new_size", [1, 3, 10_000])
def test_a_killed_import_is_resumed_by_a_release_with_another_chunk_size(env, monkeypatch, new_size):
    runner, factory, path = env
    real = service._commit_chunk

    def killed_on_third(session, plan, chunk_no, batch):
        if chunk_no == 2:
            raise Killed
        return real(session, plan, chunk_no, batch)

    monkeypatch.setattr(service, "_commit_chunk", killed_on_third)
    with pytest.raises(Killed):
        runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"], catch_exceptions=False)
    monkeypatch.setattr(service, "_commit_chunk", real)
    monkeypatch.setattr(service, "CHUNK_ROWS", new_size)  # a deploy between the crash and the re-run
    make_stale(factory)
    again = import_users(runner, path)
    assert again.exit_code == 0, again.output
    assert count(factory, Person, Person.email.in_(EMAILS)) == 7
    with factory() as s:
        upload = s.scalars(select(Upload)).one()
        assert (upload.status, upload.total, upload.created, upload.failed, upload.welcomed) == ("done", 7, 7, 0, 7)
        result = (files.storage_dir(Path(os.environ["SAPTAH_UPLOAD_DIR"])) / upload.result_name).read_text("utf-8-sig")
    lines = result.splitlines()[1:]
    assert [line.split(",")[-2] for line in lines] == ["Created"] * 7
    assert [e for e in EMAILS if e in result] == EMAILS and all(e in lines[i] for i, e in enumerate(EMAILS))
    assert count(factory, OutboxMessage) == 7


def test_killed_welcome_emails_are_resumed_too(env, monkeypatch):
    """Each chunk's people and their welcomes are one transaction: a kill while welcoming the second chunk leaves
    the first chunk's people, each welcomed, and nobody of the second; the re-run welcomes everyone once."""
    runner, factory, path = env
    real = service.welcome_batch
    sent = {"batches": 0}

    def killed_after_first_chunk(session, emails, **kwargs):
        if sent["batches"] == 1:
            raise Killed
        sent["batches"] += 1
        return real(session, emails, **kwargs)

    monkeypatch.setattr(service, "welcome_batch", killed_after_first_chunk)
    with pytest.raises(Killed):
        runner.invoke(cli.app, ["import-users", str(path), "--org", "MOHFW"], catch_exceptions=False)
    assert count(factory, OutboxMessage) == 2
    assert count(factory, Person, Person.email.in_(EMAILS)) == 2  # nobody created without a welcome
    monkeypatch.setattr(service, "welcome_batch", real)
    make_stale(factory)
    again = import_users(runner, path)
    assert again.exit_code == 0, again.output
    assert count(factory, Person, Person.email.in_(EMAILS)) == 7
    assert count(factory, OutboxMessage) == 7  # each new person welcomed once
    assert count(factory, Upload) == 1


def test_a_job_the_servers_worker_took_ends_the_command_well(env, monkeypatch):
    runner, factory, path = env
    from saptah.config import Settings

    real_bar = cli.progress_bar
    settings = Settings()

    def worker_first():  # the server's worker claims the queued job before the command does
        while jobs.run_one(factory, settings):
            pass
        return real_bar()

    monkeypatch.setattr(cli, "progress_bar", worker_first)
    r = import_users(runner, path)
    assert r.exit_code == 0, r.output
    assert "already finished" not in r.output
    assert "run by another Saptah process" in r.output and "Import finished" in r.output
    assert count(factory, Person, Person.email.in_(EMAILS)) == 7
