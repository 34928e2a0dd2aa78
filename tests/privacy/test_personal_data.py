"""Personal data (DPDP Act 2023): a person downloads all their data; national organisers erase a person."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from saptah import cli
from saptah.audit.models import AuditEntry
from saptah.auth import service as auth
from saptah.campaigns import ledger
from saptah.catalog import service as catalog
from saptah.core.db import Base
from saptah.directory.models import Person, Role
from saptah.privacy import repository as privacy_repo
from saptah.recognition import service as recognition
from tests.campaigns import helpers as campaigns
from tests.catalog.conftest import Courses
from tests.factories import PASSWORD, csrf, sign_in
from tests.lrs import helpers as xapi


def _bearer(db, person) -> dict[str, str]:
    raw, _ = auth.create_api_token(db, person_id=person.id, name="test", scopes={"read", "write"})
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


def _learner_with_history(client, db, make, name: str = "Meera Pillai-Unique"):
    """A learner with campaign credit, a certificate, an API token and an xAPI statement of their own."""
    learner = make.person("MOHFW", full_name=name, mobile="9876543210", employee_id="EMP-4711")
    c = campaigns.campaign(db, name=f"Privacy week {learner.id}")
    course = Courses(db).make(code=f"PRIV-{learner.id}", title_en="Privacy basics", duration_minutes=90)
    # a real completion: recompute rebuilds credit from the catalogue's completions
    catalog.complete_course(
        db, person_id=learner.id, course_id=course.id, at=campaigns.ist(2024, 10, 20), source="bulk"
    )
    cert = recognition.issue_certificate(
        db, person_id=learner.id, kind="course", subject_id=course.id, title="Privacy basics", duration_minutes=90
    )
    auth.create_api_token(db, person_id=learner.id, name="my script", scopes={"read"})
    db.commit()
    sid = xapi.new_id()
    body = xapi.statement(email=learner.email, id=sid)
    body["actor"]["name"] = name
    provider = xapi.issue(db)
    r = client.post("/xapi/statements", json=body, headers=provider)
    assert r.status_code == 200, r.text
    return learner, c, cert, sid, provider


def test_a_person_downloads_everything_held_about_them_from_the_page_and_the_api(client, db, make):
    learner, _campaign, cert, sid, _ = _learner_with_history(client, db, make)
    sign_in(client, learner.email)
    page = client.get(f"/people/{learner.id}")
    assert "/me/personal-data.json" in page.text
    r = client.get("/me/personal-data.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["person"]["email"] == learner.email and data["person"]["employee_id"] == "EMP-4711"
    assert "password_hash" not in data["person"]
    tables = data["tables"]
    assert [t["code"] for t in tables["certificates"]] == [cert.code]
    assert tables["campaign_person_totals"][0]["total_minutes"] == 90
    assert [s["statement_id"] for s in tables["lrs_statements"]] == [sid]
    assert tables["lrs_statements"][0]["body"]["actor"]["mbox"] == f"mailto:{learner.email}"
    assert tables["api_tokens"][0]["name"] == "my script" and "token_hash" not in tables["api_tokens"][0]
    assert tables["user_sessions"] and all("token_hash" not in s for s in tables["user_sessions"])

    api = client.get("/api/v1/me/personal-data", headers=_bearer(db, learner))
    assert api.status_code == 200 and api.json()["person"]["id"] == learner.id
    db.expire_all()
    downloads = db.query(AuditEntry).filter_by(act="personal_data.download", actor_id=learner.id).all()
    assert sorted(e.channel for e in downloads) == ["api", "web"]


def test_every_table_that_refers_to_a_person_is_in_the_download():
    covered = {t.name for t, _ in privacy_repo.person_tables()}
    for table in Base.metadata.sorted_tables:
        personal = {"person_id", "email", "to_addr", "agent_ifi", "actor_ifi"} & {c.name for c in table.columns}
        if personal and table.name != "people":
            assert table.name in covered, f"{table.name} holds personal data but is not in the download"


def test_an_organiser_erases_a_person_and_totals_stay_the_same(client, db, make, backend):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    learner, campaign, cert, sid, provider = _learner_with_history(client, db, make, name="Zubin Erasable-Name")
    before = campaigns.totals(db, campaign.id, learner.id)
    minutes_before = before.total_minutes
    old_email = learner.email
    learner_client = client.__class__(client.app, base_url="http://testserver")
    sign_in(learner_client, learner.email)
    assert learner_client.get(f"/people/{learner.id}").status_code == 200

    r = client.post(
        f"/api/v1/people/{learner.id}/erase", json={"reason": "DPDP request #42"}, headers=_bearer(db, organiser)
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "erased"

    db.expire_all()
    person = db.get(Person, learner.id)
    assert person.full_name == "Erased person" and person.email != old_email
    assert (person.mobile, person.employee_id, person.password_hash) == (None, None, None)
    # learning stays counted, and a recompute from the stored records gives the same
    assert campaigns.totals(db, campaign.id, learner.id).total_minutes == minutes_before
    ledger.recompute(db, campaign.id)
    assert campaigns.totals(db, campaign.id, learner.id).total_minutes == minutes_before

    # the erased person cannot sign in, and their open session is over
    assert "Zubin" not in learner_client.get(f"/people/{learner.id}", follow_redirects=False).text
    fresh = client.__class__(client.app, base_url="http://testserver")
    sign_in(fresh, old_email, PASSWORD)
    assert fresh.get("/", follow_redirects=False).status_code in (302, 303, 401)

    # public pages no longer name them
    sign_in(fresh, organiser.email)
    board = fresh.get(f"/campaigns/{campaign.id}/leaderboard", params={"board": "n"})
    assert board.status_code == 200 and "Zubin" not in board.text
    verify = fresh.get(f"/verify/{cert.code}")
    assert verify.status_code == 200 and "Zubin" not in verify.text
    # their xAPI statement keeps its place but no longer identifies them
    got = client.get("/xapi/statements", params={"statementId": sid}, headers=provider)
    assert got.status_code == 200, got.text
    assert got.json()["actor"]["mbox"].endswith("@erased.invalid")
    assert "Zubin" not in got.text and old_email not in got.text
    # the act is in the audit log, which itself holds no name
    entry = db.query(AuditEntry).filter_by(act="personal_data.erase", target_person_id=learner.id).one()
    assert (entry.actor_id, entry.channel) == (organiser.id, "api")
    log = fresh.get("/api/v1/audit", params={"act": "personal_data.erase"}).json()
    assert log["entries"][0]["target_person"] == "Erased person"
    # erasing twice is a clear conflict
    again = client.post(
        f"/api/v1/people/{learner.id}/erase", json={"reason": "DPDP request #42"}, headers=_bearer(db, organiser)
    )
    assert again.status_code == 409


def test_only_national_organisers_erase(client, db, make):
    learner = make.person("MOHFW")
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    peer = make.person("MOHFW")
    for who in (leader, admin, peer, learner):
        r = client.post(f"/api/v1/people/{learner.id}/erase", json={"reason": "DPDP req 1"}, headers=_bearer(db, who))
        assert r.status_code == 403, (who.email, r.status_code)
    sign_in(client, leader.email)
    page = client.get(f"/people/{learner.id}")
    assert page.status_code == 200 and "/erase" not in page.text
    r = client.post(f"/people/{learner.id}/erase", data={"reason": "DPDP req 1", "csrf_token": csrf(client)})
    assert r.status_code == 403
    db.expire_all()
    assert db.get(Person, learner.id).status == "active"


def test_an_organiser_erases_from_the_person_page(client, db, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    learner = make.person("MHA", full_name="Page Erasable Person")
    sign_in(client, organiser.email)
    assert f'action="/people/{learner.id}/erase"' in client.get(f"/people/{learner.id}").text
    r = client.post(
        f"/people/{learner.id}/erase",
        data={"reason": "DPDP form 7", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = client.get(f"/people/{learner.id}")
    assert "Page Erasable Person" not in shown.text and "Erased person" in shown.text
    entry = db.query(AuditEntry).filter_by(act="personal_data.erase", target_person_id=learner.id).one()
    assert entry.channel == "web"


def test_erase_and_export_at_the_command_line(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAPTAH_DATABASE_URL", url)
    monkeypatch.setenv("SAPTAH_MAIL_DIR", str(tmp_path / "mail"))
    runner = CliRunner()
    cli._register_domain_commands()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
    from saptah.directory.service import load_reference_orgs

    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
    args = [
        "user",
        "create",
        "cli.erase@example.gov.in",
        "--name",
        "Cli Erase",
        "--org",
        "MOHFW",
        "--password",
        PASSWORD,
    ]
    assert runner.invoke(cli.app, args).exit_code == 0
    out = tmp_path / "data.json"
    r = runner.invoke(cli.app, ["privacy", "export", "cli.erase@example.gov.in", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text("utf-8"))["person"]["full_name"] == "Cli Erase"
    r = runner.invoke(cli.app, ["privacy", "erase", "cli.erase@example.gov.in", "--reason", "DPDP letter 9"])
    assert r.exit_code == 0, r.output
    with factory() as s:
        assert s.query(Person).filter_by(email="cli.erase@example.gov.in").count() == 0
        acts = [(e.act, e.channel) for e in s.query(AuditEntry).order_by(AuditEntry.id)]
        assert ("export.personal_data", "cli") in acts and ("personal_data.erase", "cli") in acts
    r = runner.invoke(cli.app, ["privacy", "erase", "cli.erase@example.gov.in", "--reason", "DPDP letter 9"])
    assert r.exit_code == 1 and "No one is registered" in r.output


def test_an_honour_rolls_packed_certificates_are_packed_again_without_the_erased_name(db, make, factory, settings):
    import io
    import zipfile

    from pypdf import PdfReader

    from saptah.directory.service import load_principal
    from saptah.jobs import service as jobs
    from saptah.privacy import service as privacy

    c = campaigns.campaign(db, name="Honour erasure week")
    people = [make.person("DOHFW", full_name=f"Honoured Erasable {i}") for i in range(5)]
    for i, p in enumerate(people):
        campaigns.complete(db, p.id, 1, campaigns.ist(2024, 10, 20), 200 - 10 * i)
    organiser = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    roll = recognition.draft_honour_roll(db, principal=organiser, campaign_id=c.id, board="n", size=5)
    recognition.publish_honour_roll(db, principal=organiser, roll_id=roll.id)
    db.commit()
    while jobs.run_one(factory, settings):
        pass

    def texts() -> str:
        db.expire_all()
        packed = recognition.honour_roll(db, organiser, roll.id)[0].archive
        assert packed is not None
        with zipfile.ZipFile(io.BytesIO(packed)) as z:
            return " ".join(PdfReader(io.BytesIO(z.read(n))).pages[0].extract_text() for n in z.namelist())

    assert "Honoured Erasable 0" in texts()
    privacy.erase(db, principal=organiser, person_id=people[0].id, reason="DPDP request 77")
    db.commit()
    db.expire_all()
    assert recognition.honour_roll(db, organiser, roll.id)[0].archive is None  # not downloadable with the name
    while jobs.run_one(factory, settings):
        pass
    packed = texts()
    assert "Honoured Erasable 0" not in packed and "Honoured Erasable 1" in packed


def test_no_e_mail_is_queued_to_an_erased_person(db, make):
    from saptah.directory import service as directory
    from saptah.notify import service as notify
    from saptah.notify.models import OutboxMessage

    person = make.person("MOHFW")
    event = directory.erase_person(db, person=person)
    notify.enqueue(db, to=event.erased_email, subject="Reminder", body="Dear Erased person", kind="x", dedupe_key="k1")
    db.flush()
    assert db.query(OutboxMessage).filter_by(to_addr=event.erased_email).count() == 0


def test_passports_needs_and_discussion_posts_are_in_the_download_and_handled_on_erasure(db, make, settings):
    from saptah.directory.service import load_principal
    from saptah.discussions import service as discussions
    from saptah.discussions.schemas import CommunityIn
    from saptah.passport import service as passport
    from saptah.passport.schemas import NeedIn
    from saptah.privacy import service as privacy
    from tests.passport.conftest import Kit, when

    kit = Kit(db)
    admin = make.person("MOHFW", role=Role.MDO_ADMIN, group="Group B")
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    who = load_principal(db, admin.id)
    need = passport.save_need(db, principal=who, org_id=admin.org_id,
                              data=NeedIn(group="Group B", competency="FUN-AI", level=1))  # fmt: skip
    kit.complete(admin, kit.course("FUN-AI"), when(3))
    space = discussions.open_community(db, who, CommunityIn(title_en="AI cell"))
    discussions.start_thread(db, who, space, title="Prompting for notings", body="Try **this** first",
                             upload_dir=settings.upload_dir, base_url="http://testserver")  # fmt: skip
    db.commit()
    tables = privacy.personal_data(db, admin.id)["tables"]
    assert [(e["kind"], e["title"]) for e in tables["passport_evidence"]] == [("course", "Passport course 1")]
    assert [lv["level"] for lv in tables["passport_levels"]] == [1]
    assert [n["id"] for n in tables["role_needs"]] == [need.id]  # the needs they set
    assert [t["title"] for t in tables["discussion_threads"]] == ["Prompting for notings"]
    assert [p["body"] for p in tables["discussion_posts"]] == ["Try **this** first"]
    staff = {r.code: r.staff for r in passport.gap_dashboard(db, principal=who, org_id=admin.org_id,
                                                             campaign_id=None).rows}  # fmt: skip
    assert staff == {"FUN-AI": 1}

    privacy.erase(db, principal=load_principal(db, organiser.id), person_id=admin.id, reason="DPDP request #7")
    db.commit()
    after = privacy.personal_data(db, admin.id)["tables"]
    # the passport is personal: it goes, and they no longer count as staff of the ministry's needs
    assert "passport_evidence" not in after and "passport_levels" not in after
    viewer = load_principal(db, make.person("MOHFW", role=Role.MDO_ADMIN).id)
    rows = passport.gap_dashboard(db, principal=viewer, org_id=admin.org_id, campaign_id=None).rows
    assert [(r.code, r.staff) for r in rows] == [("FUN-AI", 1)]  # the new admin (Group B) only, holding nothing
    assert rows[0].holding == 0
    # posts stay in their threads (others replied to them) under the erased name; the need stays the ministry's
    assert [p["body"] for p in after["discussion_posts"]] == ["Try **this** first"]
    assert db.get(Person, admin.id).full_name == "Erased person"
    assert passport.org_needs(db, passport.admin_org(db, viewer, admin.org_id))[0].id == need.id
