"""`saptah check` through the CLI: silent on a consistent campaign, and it names every kind of corruption."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from saptah import cli
from saptah.campaigns import service as campaigns
from saptah.campaigns.models import (
    CampaignOrgDayTotal,
    CampaignPersonTotal,
    CampaignRecord,
    CampaignScoreCount,
    CreditLedger,
)
from saptah.core.db import unit_of_work, utcnow
from saptah.events import attendance
from saptah.events import service as events
from saptah.recognition.models import KarmaEntry
from tests.foundation.test_cli_wiring import _scene, cli_db, unwired

__all__ = ["cli_db"]
pytestmark = pytest.mark.real_sources


def run_check(url, tmp_path, campaign_id):
    """`saptah check --campaign ID` as a new process would run it: (exit code, output)."""
    cli._register_domain_commands()
    env = {"SAPTAH_DATABASE_URL": url, "SAPTAH_MAIL_DIR": str(tmp_path / "mail")}
    with unwired():
        result = CliRunner().invoke(cli.app, ["check", "--campaign", str(campaign_id)], env=env, terminal_width=400)
    return result.exit_code, result.output.replace("\n", " ")


def consistent_campaign(factory):
    """A campaign with a real course completion, imported attendance and the karma they earn."""
    from tests.catalog.conftest import Courses

    ev, _, learner = _scene(factory, ended=True)
    with factory() as session:
        course = Courses(session).make(title_en="Know Your Ministry", duration_minutes=90)
        course_id = course.id
    with unit_of_work(factory) as session:
        from saptah.catalog import service as catalog
        from saptah.directory import service as directory

        mohfw = directory.org_by_code(session, "MOHFW")
        reader = directory.create_person(session, full_name="Asha Rao", email="asha@mohfw.gov.in", org=mohfw)
        catalog.complete_course(
            session, person_id=reader.id, course_id=course_id, at=utcnow() - timedelta(hours=2), source="bulk"
        )
        attendance.set_imported(session, events.get_event(session, ev), person_id=learner, minutes=50, source="sheet")
        campaign_id = campaigns.list_all(session)[0].id
        return campaign_id, ev, learner, reader.id, course_id


def test_a_consistent_campaign_has_no_violation_and_each_corruption_is_named(cli_db, tmp_path):
    url, factory = cli_db
    campaign_id, ev, learner, reader, course_id = consistent_campaign(factory)
    code, out = run_check(url, tmp_path, campaign_id)
    assert code == 0, out
    assert f"Campaign {campaign_id}: no violation" in out

    course_key, event_key = f"course:{reader}:{course_id}", f"event:{learner}:{ev}"
    future = utcnow() + timedelta(days=1)
    with unit_of_work(factory) as session:
        r, led, tot = CampaignRecord, CreditLedger, CampaignPersonTotal
        session.execute(update(r).where(r.source_key == course_key).values(minutes=200))  # record differs
        ghost = session.scalar(select(r).where(r.source_key == event_key))
        session.execute(update(r).where(r.source_key == event_key).values(source_key=f"event:{learner}:9999"))
        assert ghost is not None  # now a record of an event that does not exist, and the real one is missing
        session.execute(update(led).where(led.source_key == course_key).values(minutes=1))  # ledger differs
        session.execute(update(led).where(led.source_key == event_key).values(minutes=5))  # the event's credit
        session.execute(update(led).where(led.source_key.like("karma:%")).values(earned_at=future))  # out of time
        session.execute(update(tot).where(tot.person_id == reader).values(total_minutes=999))  # totals differ
        session.execute(update(CampaignOrgDayTotal).values(minutes=CampaignOrgDayTotal.minutes + 7))
        session.add(CampaignScoreCount(campaign_id=campaign_id, board="n", score=12345, shard=3, people=1))
        session.execute(
            update(KarmaEntry).where(KarmaEntry.reason == "course_completed").values(points=7)  # off its scale
        )
    code, out = run_check(url, tmp_path, campaign_id)
    assert code == 1
    for kind in (
        "record missing",
        "record differs",
        "no source",
        "ledger differs",
        "totals differ",
        "organisation day differs",
        "board differs",
        "credit out of time",
        "event attendance differs",
        "karma follows its rules",
    ):
        assert f"✗ {kind}:" in out, (kind, out)
    assert f"{event_key} (Samuhik Charcha: Ayushman Bharat) is in its source but the campaign never received it" in out
    assert f"event:{learner}:9999 (Samuhik Charcha: Ayushman Bharat) has no source" in out
    assert f"{course_key} (Know Your Ministry) is stored with minutes 200 (source: 90)" in out
    assert "in the future" in out
    assert "course completed course:" in out and "earned 7 karma points; the rule gives 5" in out


def test_recompute_repairs_what_check_reports(cli_db, tmp_path):
    """The records of a past ingest bug (a missing record, a changed one, one for an event that does not exist)
    are repaired by one recompute; check then finds nothing."""
    url, factory = cli_db
    campaign_id, ev, learner, reader, course_id = consistent_campaign(factory)
    with unit_of_work(factory) as session:
        r = CampaignRecord
        session.execute(update(r).where(r.source_key == f"course:{reader}:{course_id}").values(label="Course #1"))
        session.execute(
            update(r).where(r.source_key == f"event:{learner}:{ev}").values(source_key=f"event:{learner}:9999")
        )
    assert run_check(url, tmp_path, campaign_id)[0] == 1
    env = {"SAPTAH_DATABASE_URL": url, "SAPTAH_MAIL_DIR": str(tmp_path / "mail")}
    with unwired():
        out = CliRunner().invoke(cli.app, ["recompute", "--campaign", str(campaign_id)], env=env, terminal_width=400)
    assert out.exit_code == 0, out.output
    assert "3 stored records made to agree with their sources" in " ".join(out.output.split())
    code, text = run_check(url, tmp_path, campaign_id)
    assert code == 0, text
    with factory() as session:
        lines = campaigns.progress(session, campaign_id, learner)["lines"]
        assert sorted((line.label, line.minutes, line.karma) for line in lines) == [
            ("Attended: Samuhik Charcha: Ayushman Bharat", 0, 10),
            ("Samuhik Charcha: Ayushman Bharat", 50, 0),
        ]


def test_each_source_query_gives_the_records_its_domain_replays(cli_db):
    """Recompute compares sources and records in SQL: each source's query form must give exactly the records its
    Python form gives (a course without a title included), or a repair would write the wrong record."""
    from dataclasses import astuple

    from saptah.campaigns import sources
    from saptah.campaigns.models import Campaign
    from saptah.catalog.models import Course

    _url, factory = cli_db
    campaign_id, _ev, _learner, _reader, course_id = consistent_campaign(factory)
    with unit_of_work(factory) as session:
        session.execute(update(Course).where(Course.id == course_id).values(title_en=""))
    with factory() as session:
        start, end = campaigns.rule_book(session, session.get(Campaign, campaign_id)).span
        for prefix, source in sorted(sources._sources.items()):
            python = sorted(astuple(rec) for rec in source(session, start, end))
            query = sources._sql[prefix][1](start, end)
            sql = sorted(tuple(row) for row in session.execute(query))
            assert sql == python, prefix
            assert python, prefix  # the scene has a record of every kind
        labels = [rec.label for rec in sources._sources["course"](session, start, end)]
        assert labels == [f"Course #{course_id}"]
