"""The audit log: acts from the web, the API and the CLI are recorded; readers see only their subtree."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from saptah import cli
from saptah.audit.models import AuditEntry
from saptah.auth import service as auth
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from saptah.directory.models import Role
from tests.campaigns import helpers as campaigns
from tests.factories import csrf, sign_in


def _bearer(db, person) -> dict[str, str]:
    raw, _ = auth.create_api_token(db, person_id=person.id, name="test", scopes={"read", "write"})
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


def _entries(db, act: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.query(AuditEntry).filter_by(act=act).order_by(AuditEntry.id))


def test_a_grant_from_the_person_page_is_recorded_with_who_where_and_what(client, db, make):
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    clerk = make.person("MOHFW")
    sign_in(client, leader.email)
    r = client.post(
        f"/people/{clerk.id}/roles",
        data={"role": "mdo_admin", "org_code": "MOHFW", "action": "grant", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    [entry] = [e for e in _entries(db, "role.grant") if e.target_person_id == clerk.id]
    assert (entry.actor_id, entry.channel, entry.address) == (leader.id, "web", "testclient")
    assert entry.org_path is not None and '"role": "mdo_admin"' in (entry.details or "")

    page = client.get("/audit")
    assert page.status_code == 200
    assert "role.grant" in page.text and leader.email in page.text and clerk.full_name in page.text


def test_an_extension_through_the_api_is_recorded_as_api(client, db, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    campaign = campaigns.campaign(db, name="Audit API week")
    db.commit()
    r = client.post(
        f"/api/v1/campaigns/{campaign.id}/extend",
        json={"extended_to": "2024-10-27", "reason": "Festival week"},
        headers=_bearer(db, organiser),
    )
    assert r.status_code == 200, r.text
    [entry] = _entries(db, "campaign.extend")
    assert (entry.actor_id, entry.channel, entry.org_path) == (organiser.id, "api", None)
    assert "Festival week" in (entry.details or "")
    listed = client.get("/api/v1/audit", params={"act": "campaign.extend"}, headers=_bearer(db, organiser)).json()
    assert listed["total"] == 1 and listed["entries"][0]["channel"] == "api"


def test_a_grant_at_the_command_line_is_recorded_as_cli(tmp_path, monkeypatch):
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
    assert (
        runner.invoke(cli.app, ["user", "create", "a@example.gov.in", "--name", "A", "--org", "MOHFW"]).exit_code == 0
    )
    r = runner.invoke(cli.app, ["user", "grant", "a@example.gov.in", "mdo_admin", "--org", "MOHFW"])
    assert r.exit_code == 0, r.output
    with factory() as s:
        [entry] = s.query(AuditEntry).filter_by(act="role.grant").all()
        assert entry.channel == "cli" and entry.actor_id is None
        assert entry.actor_label and "@" in entry.actor_label and entry.address


def test_leaders_read_only_their_subtree_and_learners_not_at_all(client, db, make):
    mohfw_leader = make.person("MOHFW", role=Role.MDO_LEADER)
    mha_leader = make.person("MHA", role=Role.MDO_LEADER)
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    learner = make.person("MOHFW")
    mohfw_clerk, mha_clerk = make.person("MOHFW"), make.person("MHA")
    from saptah.directory import service as directory

    for clerk, org in ((mohfw_clerk, "MOHFW"), (mha_clerk, "MHA")):
        directory.grant_role(db, actor=None, person=clerk, role=Role.MDO_ADMIN, org=directory.org_by_code(db, org))
    db.commit()

    def targets(person) -> set[int]:
        body = client.get("/api/v1/audit", params={"act": "role.grant", "limit": 500}, headers=_bearer(db, person))
        assert body.status_code == 200, body.text
        return {e["target_person"] and e["target"] for e in body.json()["entries"]}

    assert f"person {mohfw_clerk.id}" in targets(mohfw_leader)
    assert f"person {mha_clerk.id}" not in targets(mohfw_leader)
    assert f"person {mha_clerk.id}" in targets(mha_leader)
    assert {f"person {mohfw_clerk.id}", f"person {mha_clerk.id}"} <= targets(organiser)

    sign_in(client, mha_leader.email)
    page = client.get("/audit", params={"act": "role.grant"})
    assert page.status_code == 200 and mha_clerk.full_name in page.text and mohfw_clerk.full_name not in page.text
    assert mohfw_clerk.full_name not in client.get("/audit/export.csv").content.decode("utf-8-sig")

    assert client.get("/api/v1/audit", headers=_bearer(db, learner)).status_code == 403
    sign_in(client, learner.email)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_the_export_is_formula_safe_filtered_and_itself_recorded(client, db, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    campaign = campaigns.campaign(db, name="Audit export week")
    db.commit()
    sign_in(client, organiser.email)
    r = client.post(
        f"/api/v1/campaigns/{campaign.id}/extend",
        json={"extended_to": "2024-10-28", "reason": '=HYPERLINK("http://evil")'},
        headers=_bearer(db, organiser),
    )
    assert r.status_code == 200
    today = ist_day(utcnow()).isoformat()  # the log's dates are IST days (after 18:30 UTC it is tomorrow in IST)
    body = client.get("/audit/export.csv", params={"act": "campaign.extend", "since": today, "until": today})
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][1] == "campaign.extend"
    assert all(not cell.startswith("=") for cell in rows[1])
    xlsx = client.get("/audit/export.xlsx", params={"act": "campaign.extend"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    exported = [e for e in _entries(db, "export.personal_data") if e.target == "audit log"]
    assert [e.channel for e in exported] == ["web", "web"]
    # a day with no acts exports only the header
    empty = client.get("/audit/export.csv", params={"since": "2001-01-01", "until": "2001-01-02"})
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))) == 1


def test_the_page_filters_by_actor_and_act(client, db, make):
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER, full_name="Audit Reader Organiser")
    other = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    target = make.person("MOHFW")
    from saptah.directory import service as directory

    for actor in (organiser, other):
        principal = directory.load_principal(db, actor.id)
        directory.grant_role(
            db, actor=principal, person=target, role=Role.MDO_ADMIN, org=directory.org_by_code(db, "MOHFW")
        )
    db.commit()
    sign_in(client, organiser.email)
    page = client.get("/audit", params={"actor": other.email, "act": "role.grant", "since": "", "until": ""})
    assert page.status_code == 200
    assert other.email in page.text and "Audit Reader Organiser &lt;" not in page.text
    none = client.get("/audit", params={"act": "plan.publish", "actor": other.email})
    assert "No act matches." in none.text


def test_the_log_refuses_update_and_delete(db, make, backend):
    make.person("MOHFW", role=Role.MDO_ADMIN)  # the factory's grant is recorded
    entry_id = db.query(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1).scalar()
    for statement in ("UPDATE audit_log SET act = 'x' WHERE id = :id", "DELETE FROM audit_log WHERE id = :id"):
        savepoint = db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement), {"id": entry_id})
        savepoint.rollback()
    assert db.get(AuditEntry, entry_id) is not None


def test_an_export_of_a_people_list_is_recorded_and_its_leader_sees_it(client, db, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    other_leader = make.person("MHA", role=Role.MDO_LEADER)
    make.person("MOHFW")
    c = campaigns.campaign(db, name="Audit people-list week")
    db.commit()
    r = client.get(
        "/api/v1/analytics/tables/not_started.csv",
        params={"campaign": c.id, "start": "2024-10-19", "end": "2024-10-25"},
        headers=_bearer(db, admin),
    )
    assert r.status_code == 200, r.text
    [entry] = [e for e in _entries(db, "export.personal_data") if e.actor_id == admin.id]
    assert (entry.channel, entry.target) == ("api", "people list not_started")
    seen = client.get("/api/v1/audit", params={"act": "export.personal_data"}, headers=_bearer(db, leader)).json()
    assert [e["actor_id"] for e in seen["entries"]] == [admin.id]
    unseen = client.get("/api/v1/audit", params={"act": "export.personal_data"}, headers=_bearer(db, other_leader))
    assert unseen.json()["total"] == 0


def test_the_menu_offers_the_log_to_leaders_and_organisers_only(client, make):
    leader = make.person("MOHFW", role=Role.MDO_LEADER)
    learner = make.person("MOHFW")
    sign_in(client, leader.email)
    assert 'href="/audit"' in client.get("/").text
    client.cookies.clear()
    sign_in(client, learner.email)
    assert 'href="/audit"' not in client.get("/").text


def test_a_staff_import_and_its_result_download_are_recorded(client, db, make, factory, settings):
    from tests.onboarding.helpers import csv_bytes, import_file, row

    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    client.headers.update(_bearer(db, admin))
    done = import_file(client, factory, settings, csv_bytes([row(email="audited.import@mohfw.gov.in")]))
    assert done["created"] == 1
    [entry] = [e for e in _entries(db, "staff.import") if e.actor_id == admin.id]
    assert (entry.channel, entry.target) == ("api", f"upload {done['id']}")
    assert client.get(f"/api/v1/onboarding/uploads/{done['id']}/result.csv").status_code == 200
    exported = [e for e in _entries(db, "export.personal_data") if e.actor_id == admin.id]
    assert [e.target for e in exported] == [f"upload {done['id']} result"]
