"""Ministry-level honours: organisations by size band, drawn, reviewed, published; certificates; a public page."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from saptah.campaigns import service as campaigns
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.jobs import service as jobs
from saptah.recognition import org_honours, service
from tests.campaigns.helpers import campaign, complete, ist
from tests.factories import csrf, sign_in


def _three_organisations(db, make):
    """A: 4 staff, 1 reached (25 %, 15 min a person); B: 2 staff, 1 reached (50 %, 30 min); C: 5 staff, none
    reached but 3 learned 30 minutes each (0 %, 18 min). Each staff member has an e-mail and a mobile."""
    c = campaign(db, "Org honours", target_minutes=60)
    orgs = {k: make.org(f"TST_HON_{k}", parent="MOHFW", name=f"Honour Office {k}") for k in "ABC"}
    staff = {
        k: [make.person(orgs[k], mobile=f"98{n:08d}") for _ in range(size)]
        for n, (k, size) in enumerate({"A": 4, "B": 2, "C": 5}.items())
    }
    complete(db, staff["A"][0].id, 1, ist(2024, 10, 20), 60)
    complete(db, staff["B"][0].id, 1, ist(2024, 10, 20), 60)
    for p in staff["C"][:3]:
        complete(db, p.id, 2, ist(2024, 10, 21), 30)
    campaigns.refresh_sizes(db, c.id)
    return c, orgs, staff


def _names(sections, band, measure):
    return [e.org_name for s in sections if (s.band, s.measure) == (band, measure) for e in s.entries]


def test_draw_by_share_and_minutes_review_publish_and_certificates(db, make, factory, settings):
    c, orgs, _staff = _three_organisations(db, make)
    me = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    roll = org_honours.draft(db, principal=me, campaign_id=c.id, size=3, signatory_name="Secretary, DoPT")
    sections = org_honours.roll_of(db, me, roll.id)[1]
    assert _names(sections, "XS", "share") == ["Honour Office B", "Honour Office A"]  # C reached no one: not listed
    assert _names(sections, "XS", "minutes") == ["Honour Office B", "Honour Office C", "Honour Office A"]
    with pytest.raises(NotFound):  # a draft is not public
        org_honours.roll_of(db, None, roll.id)

    org_honours.exclude(db, principal=me, roll_id=roll.id, org_id=orgs["B"].id)
    sections = org_honours.roll_of(db, me, roll.id)[1]
    assert _names(sections, "XS", "share") == ["Honour Office A"]
    assert _names(sections, "XS", "minutes") == ["Honour Office C", "Honour Office A"]
    entry = next(e for s in sections for e in s.entries if s.measure == "minutes" and e.position == 1)
    assert entry.rank == 2 and entry.avg_minutes == 18.0  # the rank it holds on the board, B's place left empty
    service.publish_honour_roll(db, principal=me, roll_id=roll.id)
    with pytest.raises(Conflict):
        org_honours.exclude(db, principal=me, roll_id=roll.id, org_id=orgs["A"].id)
    db.commit()
    while jobs.run_one(factory, settings):
        pass
    db.expire_all()
    roll, sections = org_honours.roll_of(db, None, roll.id)  # published: anyone may read it
    codes = [e.certificate_code for s in sections for e in s.entries]
    assert len(codes) == 3 and all(codes)
    with zipfile.ZipFile(io.BytesIO(roll.archive)) as z:
        names = z.namelist()
        text = PdfReader(io.BytesIO(z.read(next(n for n in names if "minutes-01" in n)))).pages[0].extract_text()
    assert len(names) == 3
    assert "Honour Office C" in text and "Rank 2 among organisations of under 500 people" in text
    assert "Secretary, DoPT" in text
    checked = service.verify(db, entry.certificate_code or "")
    assert checked.valid and checked.name == "Honour Office C" and "average minutes" in checked.title


def test_only_national_organisers_draw_and_inputs_are_checked(db, make):
    c, orgs, _staff = _three_organisations(db, make)
    admin = load_principal(db, make.person(orgs["A"], role=Role.MDO_ADMIN).id)
    organiser = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    with pytest.raises(Forbidden):
        org_honours.draft(db, principal=admin, campaign_id=c.id, size=5)
    with pytest.raises(InvalidInput, match="top 3, 5 or 10"):
        org_honours.draft(db, principal=organiser, campaign_id=c.id, size=4)
    empty = campaign(db, "Nobody learned", target_minutes=60)
    with pytest.raises(InvalidInput, match="none to honour"):
        org_honours.draft(db, principal=organiser, campaign_id=empty.id, size=5)
    roll = org_honours.draft(db, principal=organiser, campaign_id=c.id, size=5)
    with pytest.raises(Forbidden):
        org_honours.exclude(db, principal=admin, roll_id=roll.id, org_id=orgs["A"].id)
    with pytest.raises(NotFound):
        org_honours.exclude(db, principal=organiser, roll_id=roll.id, org_id=make.org("MOHUA").id)


def test_pages_public_roll_without_contacts_and_certificates_scoped(client, db, make, factory, settings):
    c, orgs, staff = _three_organisations(db, make)
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    admin_a = make.person(orgs["A"], role=Role.MDO_ADMIN)
    admin_other = make.person("MOHUA", role=Role.MDO_ADMIN)
    db.commit()
    sign_in(client, organiser.email)
    page = client.get(f"/campaigns/{c.id}/honour-rolls")
    assert page.status_code == 200 and 'data-testid="draft-org-roll"' in page.text
    drawn = client.post(
        f"/campaigns/{c.id}/honour-rolls/organisations",
        data={"csrf_token": csrf(client), "size": "5"},
        follow_redirects=False,
    )
    assert drawn.status_code == 303
    roll_path = drawn.headers["location"]
    roll_id = int(roll_path.rsplit("/", 1)[1])
    review = client.get(roll_path).text
    assert "Honour Office B" in review and "Leave out" in review
    left = client.post(
        f"/honour-rolls/{roll_id}/exclude-organisation", data={"csrf_token": csrf(client), "org_id": orgs["C"].id}
    )
    assert left.status_code == 200 and "Honour Office C" not in left.text
    client.cookies.clear()
    assert client.get(f"/honours/{roll_id}").status_code == 404  # not public before it is published
    sign_in(client, organiser.email)
    client.post(f"/honour-rolls/{roll_id}/publish", data={"csrf_token": csrf(client)})
    db.commit()
    while jobs.run_one(factory, settings):
        pass

    client.cookies.clear()  # the public page: no sign-in
    public = client.get(f"/honours/{roll_id}")
    assert public.status_code == 200 and "Honour Office B" in public.text and "Honour Office A" in public.text
    everyone = [p for people in staff.values() for p in people]
    assert not any(p.email in public.text or (p.mobile and p.mobile in public.text) for p in everyone)
    assert "@" not in public.text.split("<main", 1)[1]
    assert "/organisation-certificates/" not in public.text  # downloads are for the organisation's admins
    assert f'href="/honours/{roll_id}"' in client.get("/honours").text
    listed = client.get("/api/v1/honours").json()
    assert [r["id"] for r in listed] == [roll_id]
    body = client.get(f"/api/v1/honours/{roll_id}").json()
    assert {e["organisation"] for e in body["entries"]} == {"Honour Office A", "Honour Office B"}
    assert all(set(e) & {"email", "mobile"} == set() for e in body["entries"])
    code_a = next(e["certificate_code"] for e in body["entries"] if e["organisation"] == "Honour Office A")
    assert client.get(f"/verify/{code_a}").status_code == 200

    sign_in(client, admin_a.email)
    mine = client.get(f"/honours/{roll_id}").text
    assert f"/organisation-certificates/{code_a}.pdf" in mine
    pdf = client.get(f"/organisation-certificates/{code_a}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Honour Office A" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    code_b = next(e["certificate_code"] for e in body["entries"] if e["organisation"] == "Honour Office B")
    assert client.get(f"/organisation-certificates/{code_b}.pdf").status_code == 404  # another office's
    client.cookies.clear()
    sign_in(client, admin_other.email)
    assert client.get(f"/organisation-certificates/{code_a}.pdf").status_code == 404


def test_api_draw_review_publish_by_role(client, db, make):
    c, orgs, _staff = _three_organisations(db, make)
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    admin = make.person(orgs["A"], role=Role.MDO_ADMIN)
    db.commit()
    sign_in(client, admin.email)
    headers = {"X-CSRF-Token": csrf(client)}
    url = f"/api/v1/campaigns/{c.id}/honour-rolls/organisations"
    assert client.post(url, json={"size": 5}, headers=headers).status_code == 403
    client.cookies.clear()
    sign_in(client, organiser.email)
    headers = {"X-CSRF-Token": csrf(client)}
    assert client.post(url, json={"size": 4}, headers=headers).status_code == 400
    unknown = client.post(url, json={"size": 5, "colour": "red"}, headers=headers)
    assert unknown.status_code == 400 and "colour" in unknown.text
    drawn = client.post(url, json={"size": 5}, headers=headers)
    assert drawn.status_code == 201 and drawn.json()["status"] == "draft"
    roll_id = drawn.json()["id"]
    left = client.post(
        f"/api/v1/honour-rolls/{roll_id}/exclude-organisation", json={"org_id": orgs["B"].id}, headers=headers
    ).json()
    assert "Honour Office B" not in {e["organisation"] for e in left["entries"]}
    published = client.post(f"/api/v1/honour-rolls/{roll_id}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client.post(f"/api/v1/honour-rolls/{roll_id}/publish", headers=headers).status_code == 409


def test_cli_draw_leave_out_publish_show(db, make, monkeypatch, factory):
    from saptah import cli

    c, _orgs, _staff = _three_organisations(db, make)
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    db.commit()
    monkeypatch.setattr(cli, "factory_for", lambda settings: factory)
    cli._register_domain_commands()
    runner = CliRunner()
    drawn = runner.invoke(cli.app, ["honours", "draw", "--campaign", str(c.id), "--size", "3", "--as", organiser.email])
    assert drawn.exit_code == 0, drawn.output
    assert "Honour Office B" in drawn.output and "(draft)" in drawn.output
    roll_id = int(drawn.output.split("Honour roll ", 1)[1].split(" ", 1)[0])
    left = runner.invoke(cli.app, ["honours", "leave-out", str(roll_id), "--org", "TST_HON_B", "--as", organiser.email])
    assert left.exit_code == 0 and "Honour Office B" not in left.output
    refused = runner.invoke(cli.app, ["honours", "publish", str(roll_id), "--as", "nobody@example.gov.in"])
    assert refused.exit_code == 1 and "national organiser" in refused.output
    assert runner.invoke(cli.app, ["honours", "show", str(roll_id)]).exit_code == 1  # a draft is not public
    published = runner.invoke(cli.app, ["honours", "publish", str(roll_id), "--as", organiser.email])
    assert published.exit_code == 0 and f"/honours/{roll_id}" in published.output
    shown = runner.invoke(cli.app, ["honours", "show", str(roll_id)])
    assert shown.exit_code == 0 and "(published)" in shown.output and "Honour Office A" in shown.output
