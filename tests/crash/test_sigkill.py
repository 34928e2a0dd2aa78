"""SIGKILL in the middle of the long-running work: afterwards nothing is lost or doubled, and a re-run finishes it.

Each test runs a real `saptah` process (tests/crash/driver.py stops it at a known point, its writes flushed but not
committed) and kills it with SIGKILL, then checks the database and runs the same command again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from saptah.campaigns import repository as campaign_repo
from saptah.campaigns.models import CampaignPersonTotal, CreditLedger
from saptah.core.db import unit_of_work
from saptah.directory.models import Person
from saptah.directory.onboarding.models import Upload
from saptah.notify.models import OutboxMessage
from tests.campaigns import helpers as campaigns
from tests.crash.conftest import run_worker_until
from tests.onboarding.helpers import csv_bytes, row

ROWS = 120
CHUNK = 25


def _staff_file(crash_db) -> str:
    rows = [
        row(name=f"Crash Person {i}", email=f"crash.{i}@mohfw.gov.in", emp=f"CR{i:05d}", ext=f"X{i}")
        for i in range(ROWS)
    ]
    path = crash_db.tmp / "staff.csv"
    path.write_bytes(csv_bytes(rows))
    return str(path)


def _people(crash_db) -> int:
    with crash_db.factory() as s:
        return int(s.scalar(select(func.count()).select_from(Person).where(Person.email.like("crash.%"))) or 0)


def test_staff_import_killed_mid_chunk_resumes_without_loss_or_doubles(crash_db):
    staff = _staff_file(crash_db)
    args = ("import-users", staff, "--org", "MOHFW")
    chunk_rows = f"saptah.directory.onboarding.service:CHUNK_ROWS={CHUNK}"
    crash_db.kill_at("saptah.directory.onboarding.service:_commit_chunk:3", *args, sets=(chunk_rows,))
    # two chunks were committed; the third was written but not committed when the process died
    assert _people(crash_db) == 2 * CHUNK
    with crash_db.factory() as s:
        upload = s.scalars(select(Upload)).one()
        assert (upload.chunks_done, upload.created) == (2, 2 * CHUNK)

    crash_db.age_running_jobs()
    done = crash_db.run(*args, sets=(chunk_rows,))  # the same chunks as the first run
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Resuming the unfinished import" in done.stdout
    assert _people(crash_db) == ROWS
    with crash_db.factory() as s:
        upload = s.scalars(select(Upload)).one()
        assert (upload.status, upload.created, upload.failed) == ("done", ROWS, 0)
        welcome = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_addr.like("crash.%")))
        assert welcome == ROWS  # one welcome e-mail each, none twice


def _campaign_with_records(crash_db, people: int = 12) -> tuple[int, dict[int, int], dict[int, int]]:
    """A campaign with stored records, then extended by two days: its id, the minutes before and after."""
    from saptah.campaigns import service
    from saptah.catalog import service as catalog
    from saptah.directory import service as directory
    from tests.catalog.conftest import Courses

    before: dict[int, int] = {}
    after: dict[int, int] = {}
    with unit_of_work(crash_db.factory) as s:
        org = directory.org_by_code(s, "MOHFW")
        c = campaigns.campaign(s, name="Crash week")
        # real courses and completions: recompute rebuilds credit from the catalogue's completions
        short = [Courses(s).make(code=f"CRASH-{n}", duration_minutes=30).id for n in range(3)]
        late = Courses(s).make(code="CRASH-LATE", duration_minutes=45).id
        for i in range(people):
            p = directory.create_person(s, full_name=f"Recompute {i}", email=f"rc.{i}@mohfw.gov.in", org=org)
            for course in range(1 + i % 3):
                at = campaigns.ist(2024, 10, 20 + course)
                catalog.complete_course(s, person_id=p.id, course_id=short[course], at=at, source="bulk")
            before[p.id] = after[p.id] = 30 * (1 + i % 3)
            if i % 2 == 0:  # a day after the window: counts only once the window is extended
                at = campaigns.ist(2024, 10, 26)
                catalog.complete_course(s, person_id=p.id, course_id=late, at=at, source="bulk")
                after[p.id] += 45
        campaign_id = c.id
    with unit_of_work(crash_db.factory) as s:
        service.extend(s, campaign_id=campaign_id, actor_id=None, extended_to=date(2024, 10, 27), reason="Crash test")
    return campaign_id, before, after


def _totals(crash_db, campaign_id: int) -> dict[int, int]:
    with crash_db.factory() as s:
        rows = s.execute(
            select(CampaignPersonTotal.person_id, CampaignPersonTotal.total_minutes).where(
                CampaignPersonTotal.campaign_id == campaign_id
            )
        )
        return {pid: minutes for pid, minutes in rows}


def _ledger(crash_db, campaign_id: int) -> tuple[int, dict[int, int]]:
    """How many ledger rows the campaign has, and each person's credited minutes summed from them."""
    with crash_db.factory() as s:
        rows = s.execute(
            select(CreditLedger.person_id, func.count(), func.sum(CreditLedger.minutes))
            .where(CreditLedger.campaign_id == campaign_id, CreditLedger.counted.is_(True))
            .group_by(CreditLedger.person_id)
        ).all()
        count = s.scalar(select(func.count()).select_from(CreditLedger).where(CreditLedger.campaign_id == campaign_id))
    return int(count or 0), {pid: int(minutes or 0) for pid, _, minutes in rows}


def test_recompute_killed_midway_keeps_the_old_figures_and_a_rerun_rebuilds_them_once(crash_db):
    campaign_id, before, after = _campaign_with_records(crash_db)
    assert _totals(crash_db, campaign_id) == before
    rows_before, minutes = _ledger(crash_db, campaign_id)
    assert minutes == before
    args = ("recompute", "--campaign", str(campaign_id))
    # killed after the ledger was cleared and half the records were credited again under the extended window
    crash_db.kill_at(f"saptah.campaigns.rebuild:Rebuild.add:{len(before)}", *args)
    assert _totals(crash_db, campaign_id) == before
    assert _ledger(crash_db, campaign_id) == (rows_before, before)

    done = crash_db.run(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _totals(crash_db, campaign_id) == after
    rows_after, minutes = _ledger(crash_db, campaign_id)
    assert minutes == after and rows_after > rows_before
    assert crash_db.run(*args).returncode == 0  # and once more: the same figures, nothing doubled
    assert _totals(crash_db, campaign_id) == after
    assert _ledger(crash_db, campaign_id) == (rows_after, after)
    with crash_db.factory() as s:
        assert campaign_repo.get_campaign(s, campaign_id).computed_at is not None


def _published_roll(crash_db, size: int = 5) -> tuple[int, int]:
    """A campaign whose board has eight people, and a published top-5 honour roll: (roll id, job id)."""
    from saptah.directory import service as directory
    from saptah.directory.models import Role
    from saptah.recognition import service as recognition

    with unit_of_work(crash_db.factory) as s:
        org = directory.org_by_code(s, "MOHFW")
        organiser = directory.create_person(s, full_name="Organiser", email="org@dopt.gov.in", org=org)
        directory.grant_role(s, actor=None, person=organiser, role=Role.NATIONAL_ORGANISER, org=None)
        c = campaigns.campaign(s, name="Honour week")
        for i in range(8):
            p = directory.create_person(s, full_name=f"Honour {i}", email=f"hon.{i}@mohfw.gov.in", org=org)
            for course in range(1 + i % 4):  # under the 4-hour target: no campaign certificates in the way
                campaigns.complete(s, p.id, 700 + course, campaigns.ist(2024, 10, 20, 10 + i), minutes=50)
        organiser_id, campaign_id = organiser.id, c.id
    with unit_of_work(crash_db.factory) as s:
        principal = directory.load_principal(s, organiser_id)
        roll = recognition.draft_honour_roll(s, principal=principal, campaign_id=campaign_id, board="n", size=size)
        recognition.publish_honour_roll(s, principal=principal, roll_id=roll.id)
        assert roll.job_id is not None
        return roll.id, roll.job_id


def _honours(crash_db, roll_id: int) -> tuple[list[int], bool, str]:
    """The honour certificates' holders, whether the roll's ZIP is ready, and the job's status."""
    from saptah.jobs.models import Job
    from saptah.recognition.models import Certificate, HonourRoll

    with crash_db.factory() as s:
        holders = s.scalars(
            select(Certificate.person_id).where(Certificate.kind == "honour", Certificate.subject_id == roll_id)
        ).all()
        roll = s.get(HonourRoll, roll_id)
        job = s.get(Job, roll.job_id)
        return sorted(holders), roll.archive_ready_at is not None, job.status


def test_honour_roll_certificates_killed_midway_are_issued_once_by_the_next_worker(crash_db):
    roll_id, _job_id = _published_roll(crash_db)
    # the worker dies after writing the third of five certificates into the roll's one transaction
    crash_db.kill_at("saptah.recognition.honour_pdf:render_honour:3", "worker")
    assert _honours(crash_db, roll_id) == ([], False, "running")

    crash_db.age_running_jobs()  # as it is once the dead worker's heartbeat is stale
    run_worker_until(crash_db, lambda: _honours(crash_db, roll_id)[2] == "done")
    holders, ready, _ = _honours(crash_db, roll_id)
    assert ready and len(holders) == 5 and len(set(holders)) == 5
    with crash_db.factory() as s:
        from saptah.recognition.models import HonourRollEntry

        entries = s.scalars(select(HonourRollEntry).where(HonourRollEntry.roll_id == roll_id)).all()
        assert sorted(e.person_id for e in entries) == holders and all(e.certificate_code for e in entries)
