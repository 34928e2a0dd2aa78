"""One way in: every `saptah` command runs wired, and every command that writes activity gets its credit.

Each command is run as a fresh process finds the code: no subscriber and no job handler registered (the test
process's own wiring is taken away for the call and put back afterwards), against a database of its own on
SQLite and on PostgreSQL. Without the CLI's one wiring step, `events import-attendance` stored attendance,
marked it as sent, and the campaign never heard of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from saptah import cli
from saptah.campaigns import check as checks
from saptah.campaigns import service as campaigns
from saptah.campaigns import sources
from saptah.campaigns.models import CampaignRecord, CreditLedger
from saptah.campaigns.schemas import CampaignCreate
from saptah.core import signals
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from saptah.core.timeutil import ist_day, ist_start
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.events import attendance
from saptah.events import attendance_repository as attendance_repo
from saptah.events import service as events
from saptah.events.schemas import EventIn
from saptah.jobs import service as jobs
from saptah.wiring import wire
from tests.conftest import create_pg_database, prepare_database
from tests.foundation.test_settings_and_docs import _commands

ROOT = Path(__file__).resolve().parents[2]

# Every registered command is in exactly one of these. A command that writes activity has a test below that runs
# it unwired and finds its credit; a new command must be placed here (the enumeration test fails until it is).
WRITES_ACTIVITY = {
    "events import-attendance": "test_import_attendance_is_credited",
    "events finalise": "test_finalise_credits_live_attendance",
    "recompute": "test_recompute_restores_credit_lost_by_an_unwired_import",
    "demo": "test_demo_credits_its_activity_and_passes_check",
    "worker": "test_worker_credits_live_attendance",
    "import-users": "test_import_users_credits_statements_sent_before_onboarding",
    "user create": "test_import_users_credits_statements_sent_before_onboarding",  # same PersonOnboarded path
}
NO_ACTIVITY = {
    "serve",  # the app wires itself in create_app (tests/events and tests/campaigns credit through it)
    "db upgrade",
    "db check",
    "user grant",
    "user revoke",
    "plans remind",
    "import-courses",
    "load-catalogue",
    "generate-catalogue",
    "lrs-client create",
    "lrs-client revoke",
    "report",
    "check",
    "privacy export",  # reads a person's data
    "privacy erase",  # anonymises a person; their credit stays as it was (tests/privacy)
    "passport rebuild",  # rebuilds passports from the stored activity, credits nothing (tests/passport)
    "passport import-needs",  # role needs, no activity (tests/passport)
    "honours draw",  # organisation honour rolls read the board, credit nothing (tests/recognition/test_org_honours.py)
    "honours leave-out",
    "honours publish",
    "honours show",
}


def all_commands() -> list[str]:
    """Every command path the CLI offers, domain commands included."""
    cli._register_domain_commands()
    return _commands(cli.app)


@contextmanager
def unwired() -> Iterator[None]:
    """The process as a new `saptah` command finds it: nothing subscribed, no job handler (restored afterwards)."""
    handlers = {k: list(v) for k, v in signals._handlers.items()}
    registries: list[dict[Any, Any]] = [
        jobs._handlers, jobs._periodic, jobs._frequent, signals._replays, signals._replay_rows, sources._sources,
        sources._sql, checks._extra,
    ]  # fmt: skip
    saved = [dict(r) for r in registries]
    signals._handlers.clear()
    for registry in registries:
        registry.clear()
    try:
        yield
    finally:
        signals._handlers.clear()
        signals._handlers.update(handlers)
        for registry, old in zip(registries, saved, strict=True):
            registry.clear()
            registry.update(old)


def saptah(url: str, tmp: Path, *args: str) -> Any:
    """Run one command unwired, as `saptah ARGS` in a new process would."""
    env = {"SAPTAH_DATABASE_URL": url, "SAPTAH_MAIL_DIR": str(tmp / "mail"), "SAPTAH_UPLOAD_DIR": str(tmp / "up")}
    cli._register_domain_commands()
    with unwired():
        result = CliRunner().invoke(cli.app, list(args), env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
def cli_db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """A database of the command's own (migrated, organisations loaded), on SQLite and PostgreSQL."""
    wire()
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'cli.db'}", None
    else:
        url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    engine = prepare_database(url)
    yield url, make_sessionmaker(engine)
    engine.dispose()
    if drop:
        drop()


def test_every_command_is_classified():
    commands = set(all_commands())
    assert commands - set(WRITES_ACTIVITY) - NO_ACTIVITY == set()
    assert set(WRITES_ACTIVITY) | NO_ACTIVITY == commands
    here = Path(__file__).read_text()
    assert all(f"def {name}(" in here for name in WRITES_ACTIVITY.values())


@pytest.mark.parametrize("command", all_commands())
def test_every_command_is_wired_before_it_runs(command: str):
    """The root callback wires the process before any command (its --help too) runs its body."""
    with unwired():
        result = CliRunner().invoke(cli.app, [*command.split(), "--help"])
        assert result.exit_code == 0, result.output
        assert signals._handlers.get(signals.EventAttendanceRecorded)
        assert signals._handlers.get(signals.CourseCompleted)
        assert campaigns.RECOMPUTE_JOB in jobs._handlers


def test_publishing_an_event_nobody_hears_is_refused(cli_db):
    """An unwired process cannot mark attendance as sent: the publish fails and the transaction rolls back."""
    _, factory = cli_db
    ev, _, learner = _scene(factory, ended=True)
    with unwired(), pytest.raises(signals.Unheard), unit_of_work(factory) as session:
        attendance.set_imported(session, events.get_event(session, ev), person_id=learner, minutes=30, source="sheet")
    with factory() as session:
        assert attendance_repo.get_attendance(session, ev, learner) is None


# --- the scenes -------------------------------------------------------------------------------------------------


def _scene(factory: sessionmaker[Session], *, ended: bool, live_minutes: int = 0) -> tuple[int, str, int]:
    """A campaign covering today, an MoHFW event and a learner; returns (event id, organiser e-mail, learner id)."""
    now = utcnow()
    with unit_of_work(factory) as session:
        today = ist_day(now)
        campaigns.create(
            session,
            actor_id=None,
            data=CampaignCreate(
                name="Wiring week", starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=3),
                competency_only=False,
            ),
        )  # fmt: skip
        mohfw = directory.org_by_code(session, "MOHFW")
        admin = directory.create_person(
            session, full_name="Meera Admin", email="meera.admin@mohfw.gov.in", org=mohfw, password=None
        )
        directory.grant_role(session, actor=None, person=admin, role=Role.MDO_ADMIN, org=mohfw)
        learner = directory.create_person(
            session, full_name="Ravi Kumar", email="ravi.kumar@mohfw.gov.in", org=mohfw, password=None
        )
        principal = directory.load_principal(session, admin.id)
        start = now - timedelta(hours=3) if ended else now - timedelta(minutes=5)
        data = EventIn(
            kind="samuhik_charcha", title_en="Samuhik Charcha: Ayushman Bharat", theme="Health", starts_at=start,
            duration_minutes=60, mode="hybrid", stream_url="https://stream.example.in/abdm", venue="Nirman Bhawan",
        )  # fmt: skip
        event, _ = events.create_event(session, principal, data)
        for n in range(live_minutes):  # a finished live session, one ping a minute, never sent to the campaign
            attendance.ping(
                session, event=event, person_id=learner.id, tab="t", seq=n + 1, seconds=60,
                now=start + timedelta(minutes=n + 1),
            )  # fmt: skip
        return event.id, admin.email, learner.id


def _credited(factory: sessionmaker[Session], person_id: int, source_key: str) -> list[tuple[int, bool]]:
    with factory() as session:
        c = CreditLedger
        stmt = select(c.minutes, c.counted).where(c.person_id == person_id, c.source_key == source_key)
        return [(m, bool(k)) for m, k in session.execute(stmt)]


def test_import_attendance_is_credited(cli_db, tmp_path):
    url, factory = cli_db
    ev, organiser, learner = _scene(factory, ended=True)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Employee ID,E-mail,Minutes\n,ravi.kumar@mohfw.gov.in,45\n")
    args = ["events", "import-attendance", str(ev), str(sheet), "--kind", "sheet", "--as", organiser]
    out = saptah(url, tmp_path, *args)
    assert "1 row(s) imported" in out.output
    assert _credited(factory, learner, f"event:{learner}:{ev}") == [(45, True)]


def test_finalise_credits_live_attendance(cli_db, tmp_path):
    url, factory = cli_db
    ev, _, learner = _scene(factory, ended=True, live_minutes=40)
    assert _credited(factory, learner, f"event:{learner}:{ev}") == []
    saptah(url, tmp_path, "events", "finalise")
    assert _credited(factory, learner, f"event:{learner}:{ev}") == [(40, True)]


def test_recompute_restores_credit_lost_by_an_unwired_import(cli_db, tmp_path):
    """The attendance row says "sent", but the campaign has no record of it (what the unwired CLI left behind):
    recompute rebuilds from the attendance rows themselves."""
    url, factory = cli_db
    ev, _, learner = _scene(factory, ended=True)
    with unit_of_work(factory) as session:
        attendance.set_imported(session, events.get_event(session, ev), person_id=learner, minutes=50, source="sheet")
    with unit_of_work(factory) as session:
        session.execute(delete(CreditLedger))
        session.execute(delete(CampaignRecord).where(CampaignRecord.source_key == f"event:{learner}:{ev}"))
        row = attendance_repo.get_attendance(session, ev, learner)
        assert row is not None and row.published_minutes == 50
        campaign_id = campaigns.list_all(session)[0].id
    saptah(url, tmp_path, "recompute", "--campaign", str(campaign_id))
    assert _credited(factory, learner, f"event:{learner}:{ev}") == [(50, True)]
    with factory() as session:
        total = campaigns.progress(session, campaign_id, learner)
        assert total["minutes"] == 50


def test_worker_credits_live_attendance(cli_db, tmp_path):
    """`saptah worker` in a real new process: its scheduled finalise credits a finished live session."""
    url, factory = cli_db
    ev, _, learner = _scene(factory, ended=True, live_minutes=35)
    env = {**os.environ, "SAPTAH_DATABASE_URL": url, "SAPTAH_MAIL_DIR": str(tmp_path / "mail")}
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from saptah.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        credited: list[tuple[int, bool]] = []
        deadline = time.monotonic() + 120  # a generous bound on a busy machine, not a speed claim
        while not credited and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            credited = _credited(factory, learner, f"event:{learner}:{ev}")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert credited == [(35, True)], err.decode()[-2000:]


def test_import_users_credits_statements_sent_before_onboarding(cli_db, tmp_path):
    """A provider's completion for someone not yet registered is kept; onboarding them from the CLI credits it."""
    from fastapi.testclient import TestClient

    from saptah.config import Settings
    from saptah.web.app import create_app
    from tests.catalog.conftest import Courses
    from tests.lrs.helpers import COMPLETED, issue, statement
    from tests.onboarding.helpers import csv_bytes, row

    url, factory = cli_db
    _scene(factory, ended=True)
    with factory() as session:
        course = Courses(session).make(launch_kind="external", launch_url="https://provider.example.org/c", modules=[])
        auth = issue(session)
        course_id, activity = course.id, course.activity_id
    settings = Settings(env="test", run_worker_in_app=False, database_url=url, mail_dir=tmp_path / "mail")
    with TestClient(create_app(settings, factory=factory)) as client:
        s = statement("asha.rao@mohfw.gov.in", COMPLETED, activity)
        s["result"] = {"completion": True}
        assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200
    staff = tmp_path / "staff.csv"
    staff.write_bytes(csv_bytes([row()]))
    saptah(url, tmp_path, "import-users", str(staff), "--org", "MOHFW")
    with factory() as session:
        person = directory.repo.get_person_by_email(session, "asha.rao@mohfw.gov.in")
        assert person is not None
    assert _credited(factory, person.id, f"course:{person.id}:{course_id}") == [(30, True)]
    saptah(url, tmp_path, "user", "create", "late.joiner@mohfw.gov.in", "--name", "Late Joiner", "--org", "MOHFW")


def test_demo_credits_its_activity_and_passes_check(backend, request, tmp_path):
    """The demo, built by the CLI into an empty database: its attendance and completions are all credited."""
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'demo.db'}", None
    else:
        url, drop = create_pg_database(request.getfixturevalue("pg_admin_url"))
    try:
        saptah(url, tmp_path, "demo", "--no-serve", "--people", "60")
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            from saptah.catalog.models import CourseCompletion
            from saptah.events.models import Attendance

            sources = {f"event:{p}:{e}" for p, e in session.execute(select(Attendance.person_id, Attendance.event_id))}
            sources |= {f"course:{p}:{c}" for p, c in session.execute(select(CourseCompletion.person_id,
                                                                             CourseCompletion.course_id))}  # fmt: skip
            records = set(session.scalars(select(CampaignRecord.source_key)))
            ids = [c.id for c in campaigns.list_all(session)]
            nlw_2024 = campaigns.repo.get_campaign_by_name(session, "National Learning Week 2024")
            assert nlw_2024 is not None
            rows = campaigns.repo.rule_versions(session, nlw_2024.id)
            versions = [(v.version, v.effective_at, v.rules) for v in rows]
        assert sources and sources <= records
        # the 2024 karma cap was raised from 24 October 2024 (IST), not from the moment the demo was built
        # (the first version rules every moment before the second takes effect)
        caps = [(rules["karma_monthly_cap"], at if n > 1 else None) for n, at, rules in sorted(versions)]
        assert caps[:2] == [(4, None), (10, ist_start(date(2024, 10, 24)))]
        assert all(cap == 10 for cap, _ in caps[1:])
        for campaign_id in ids:
            out = saptah(url, tmp_path, "check", "--campaign", str(campaign_id))
            assert "no violation" in out.output
        _dashboard_agrees_with_events(url, engine, ids, tmp_path)
        engine.dispose()
    finally:
        if drop:
            drop()


def _dashboard_agrees_with_events(url: str, engine: Any, campaign_ids: list[int], tmp_path: Path) -> None:
    """The national dashboard's webinar attendance, per campaign, equals the events' own attendee counts."""
    from fastapi.testclient import TestClient

    from saptah.config import Settings
    from saptah.core.timeutil import ist_end, ist_start
    from saptah.directory.tasks import DEMO_PASSWORD
    from saptah.events import repository as events_repo
    from saptah.events.models import Event
    from saptah.web.app import create_app
    from tests.factories import sign_in

    factory = make_sessionmaker(engine)
    settings = Settings(env="test", run_worker_in_app=False, database_url=url, mail_dir=tmp_path / "mail")
    with TestClient(create_app(settings, factory=factory)) as client:
        sign_in(client, "organiser@saptah.demo", DEMO_PASSWORD)
        for campaign_id in campaign_ids:
            dash = client.get("/api/v1/analytics/dashboard", params={"campaign": campaign_id}).json()
            shown = {f["key"]: f["value"] for f in dash["figures"]}["webinar_attendance"]
            start, end = ist_start(date.fromisoformat(dash["start"])), ist_end(date.fromisoformat(dash["end"]))
            with factory() as session:
                held = session.scalars(
                    select(Event.id).where(
                        Event.kind.in_(("central_webinar", "inaugural")), Event.cancelled_at.is_(None),
                        Event.starts_at >= start, Event.starts_at <= min(end, utcnow()),
                    )
                ).all()  # fmt: skip
                own = sum(int(f["attendees"]) for f in events_repo.event_figures(session, list(held)).values())
            assert dash["campaign_id"] == campaign_id and shown == own > 0
