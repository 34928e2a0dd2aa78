"""Honour roll: draw the top of a board, review, publish; certificates in a job, one ZIP archive."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader

from saptah.core.errors import Conflict, Forbidden, InvalidInput, PayloadTooLarge
from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.jobs import service as jobs
from saptah.recognition import service
from tests.campaigns.helpers import campaign, complete, ist
from tests.factories import csrf, sign_in


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (80, 20), (150, 60), (230, 20)], fill="navy", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _people_with_scores(db, make, c, n):
    people = [make.person("DOHFW", full_name=f"Honoured {i}") for i in range(n)]
    for i, p in enumerate(people):
        complete(db, p.id, 1, ist(2024, 10, 20), 300 - 10 * i)
    return people


def test_draw_review_publish_and_archive(db, make, factory, settings):
    c = campaign(db, "Honour campaign")
    people = _people_with_scores(db, make, c, 7)
    organiser = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    me = load_principal(db, organiser.id)
    roll = service.draft_honour_roll(
        db, principal=me, campaign_id=c.id, board="n", size=5, signatory_name="Secretary, DoPT", signature=PNG
    )
    assert [e.person_id for e in service.honour_roll(db, me, roll.id)[1]] == [p.id for p in people[:5]]
    service.exclude_from_roll(db, principal=me, roll_id=roll.id, person_id=people[1].id)
    entries = service.honour_roll(db, me, roll.id)[1]
    assert [e.person_id for e in entries] == [people[0].id, *[p.id for p in people[2:6]]]
    service.publish_honour_roll(db, principal=me, roll_id=roll.id)
    with pytest.raises(Conflict):
        service.publish_honour_roll(db, principal=me, roll_id=roll.id)
    db.commit()
    while jobs.run_one(factory, settings):  # the background jobs: the campaign's recompute, then the certificates
        pass
    db.expire_all()
    roll = service.honour_roll(db, me, roll.id)[0]
    with zipfile.ZipFile(io.BytesIO(roll.archive)) as z:
        names = z.namelist()
        text = PdfReader(io.BytesIO(z.read(names[0]))).pages[0].extract_text()
    assert len(names) == 5
    assert "Honoured 0" in text and "Secretary, DoPT" in text and "Rank 1" in text
    certs = [x for x in service.certificates_of(db, people[0].id) if x.kind == "honour"]
    assert len(certs) == 1 and certs[0].code in names[0]
    assert service.verify(db, certs[0].code).valid


def test_only_national_organisers_draw_and_inputs_are_checked(db, make):
    c = campaign(db, "Honour rules")
    _people_with_scores(db, make, c, 2)
    admin = load_principal(db, make.person("MOHFW", role=Role.MDO_ADMIN).id)
    organiser = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    with pytest.raises(Forbidden):
        service.draft_honour_roll(db, principal=admin, campaign_id=c.id, board="n", size=5)
    with pytest.raises(InvalidInput, match="top 5 or the top 10"):
        service.draft_honour_roll(db, principal=organiser, campaign_id=c.id, board="n", size=7)
    with pytest.raises(PayloadTooLarge):
        service.draft_honour_roll(
            db, principal=organiser, campaign_id=c.id, board="n", size=5, signature=PNG + b"0" * 600_000
        )
    with pytest.raises(InvalidInput, match="could not be read"):
        service.draft_honour_roll(db, principal=organiser, campaign_id=c.id, board="n", size=5, signature=PNG[:40])
    with pytest.raises(InvalidInput, match="PNG or JPEG"):
        service.draft_honour_roll(db, principal=organiser, campaign_id=c.id, board="n", size=5, signature=b"GIF89a")
    empty = campaign(db, "Honour empty")
    with pytest.raises(InvalidInput, match="nobody to honour"):
        service.draft_honour_roll(db, principal=organiser, campaign_id=empty.id, board="n", size=5)


def test_pages_draft_is_hidden_until_published(client, db, make):
    c = campaign(db, "Honour pages")
    people = _people_with_scores(db, make, c, 3)
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org.honour@example.gov.in")
    sign_in(client, "org.honour@example.gov.in")
    r = client.post(
        f"/campaigns/{c.id}/honour-rolls",
        data={"board": "n", "size": "5", "csrf_token": csrf(client), "signatory_name": "Secretary"},
        files={"signature": ("sig.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    roll_url = r.headers["location"]
    client.cookies.clear()
    sign_in(client, people[0].email)
    assert client.get(roll_url).status_code == 404  # a draft is not public
    client.cookies.clear()
    sign_in(client, "org.honour@example.gov.in")
    assert (
        client.post(f"{roll_url}/publish", data={"csrf_token": csrf(client)}, follow_redirects=False).status_code == 303
    )
    assert client.get(f"{roll_url}/certificates.zip").status_code == 409  # still generating
    client.cookies.clear()
    sign_in(client, people[0].email)
    page = client.get(roll_url).text
    assert "Honoured 0" in page and "published" in page
    assert client.get(f"/api/v1{roll_url}").json()["entries"][0]["name"] == "Honoured 0"


def test_the_board_is_picked_from_a_list_not_typed_as_a_code(client, db, make):
    c = campaign(db, "Board picker")
    _people_with_scores(db, make, c, 2)
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="org.board@example.gov.in")
    sign_in(client, "org.board@example.gov.in")
    page = client.get(f"/campaigns/{c.id}/honour-rolls").text
    picker = page.split('data-testid="board-picker"')[1].split("</select>")[0]
    mohfw = make.org("MOHFW")
    assert '<option value="n">National</option>' in picker
    assert f'<option value="t{mohfw.id}">' in picker and "whole ministry/state" in picker
    assert f'<option value="o{mohfw.id}">' in picker and "(MOHFW)" in picker
    assert 'name="board" value=' not in page  # no free-text code box left
    r = client.post(
        f"/campaigns/{c.id}/honour-rolls",
        data={"board": f"t{mohfw.id}", "size": "5", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "(whole ministry/state)" in client.get(r.headers["location"]).text


def test_an_honour_certificate_is_printed_in_the_holders_language(db, make, factory, settings):
    c = campaign(db, "Sammaan campaign")
    people = _people_with_scores(db, make, c, 3)
    people[0].preferred_language = "hi"
    db.flush()
    me = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    roll = service.draft_honour_roll(db, principal=me, campaign_id=c.id, board="n", size=5, signatory_name="श्री मोहन")
    service.publish_honour_roll(db, principal=me, roll_id=roll.id)
    db.commit()
    while jobs.run_one(factory, settings):
        pass
    db.expire_all()
    roll = service.honour_roll(db, me, roll.id)[0]
    with zipfile.ZipFile(io.BytesIO(roll.archive)) as z:
        hindi, english = (PdfReader(io.BytesIO(z.read(n))).pages[0].extract_text() for n in sorted(z.namelist())[:2])
    hindi = " ".join(hindi.split())  # (the font fallback between scripts can add a space)
    for part in (
        "सम्मान सूची",
        "Sammaan campaign के राष्ट्रीय लीडरबोर्ड पर स्थान 1",
        "Rank 1 on the National board",
        "श्री मोहन",
    ):
        assert part in hindi, (part, hindi)
    assert "Honour Roll" not in hindi and "This is to honour" not in hindi
    assert "Honour Roll" in english and "Rank 2 on the National board of Sammaan campaign" in english
    assert "सम्मान" not in english
    [cert] = [x for x in service.certificates_of(db, people[0].id) if x.kind == "honour"]
    assert cert.title_hi == "Sammaan campaign के राष्ट्रीय लीडरबोर्ड पर स्थान 1"
