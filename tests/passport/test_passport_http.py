"""The passport over HTTP: a learner's page, PDF and JSON; an MDO's needs (form, upload, API) and gap dashboard;
who may see what."""

from __future__ import annotations

import io

from openpyxl import Workbook
from pypdf import PdfReader

from saptah.directory.models import Role
from saptah.passport import service
from saptah.passport.schemas import NeedIn
from tests.factories import csrf, sign_in
from tests.passport.conftest import when


def _setup(db, make, kit):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN, group="Group A")
    learner = make.person("DOHFW", group="Group B", designation="Section Officer", full_name="अंजलि वर्मा")
    from saptah.directory.service import load_principal

    service.save_need(db, principal=load_principal(db, admin.id), org_id=admin.org_id,
                      data=NeedIn(group="Group B", competency="FUN-CYBER", level=1))  # fmt: skip
    db.commit()
    done = kit.course("BEH-SELF:2", title_en="Stress Management at Work")
    kit.complete(learner, done, when(2))
    closer = kit.course("FUN-CYBER", title_en="Stay Safe Online")
    return admin, learner, closer


def test_a_learner_sees_their_passport_gaps_and_what_closes_them_and_downloads_it(client, db, make, kit):
    _admin, learner, closer = _setup(db, make, kit)
    sign_in(client, learner.email)
    page = client.get("/my/passport")
    assert page.status_code == 200
    assert "Stress Management at Work" in page.text and 'data-code="BEH-SELF"' in page.text
    assert 'data-code="FUN-CYBER"' in page.text and f'href="/courses/{closer.id}"' in page.text
    data = client.get("/api/v1/passport/me").json()
    assert [(h["code"], h["level"]) for h in data["holdings"]] == [("BEH-SELF", 2)]
    assert [g["code"] for g in data["gaps"]] == ["FUN-CYBER"]
    assert data["recommendations"][0]["object_id"] == closer.id
    for lang, word in (("en", "Competency passport"), ("hi", "दक्षता पासपोर्ट")):
        pdf = client.get(f"/my/passport.pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert word in text and "Stress Management at Work" in text
    assert client.get("/my/passport.pdf?lang=fr").status_code == 400
    hindi = client.get("/lang/hi", follow_redirects=True)
    assert hindi.status_code == 200
    assert "मेरा दक्षता पासपोर्ट" in client.get("/my/passport").text


def test_a_learner_may_not_read_or_change_needs_or_gaps(client, db, make, kit):
    admin, learner, _closer = _setup(db, make, kit)
    sign_in(client, learner.email)
    token = csrf(client)
    assert client.get(f"/passport/needs?org={admin.org_id}").status_code == 403
    assert client.get(f"/passport/gaps?org={admin.org_id}").status_code == 403
    assert client.get(f"/api/v1/orgs/{admin.org_id}/competency-gaps").status_code == 403
    post = client.post("/passport/needs", data={"csrf_token": token, "org": admin.org_id, "group": "Group A",
                                                "competency": "FUN-AI", "level": 1})  # fmt: skip
    assert post.status_code == 403


def test_an_admin_edits_uploads_and_reads_needs_and_gaps_another_ministrys_admin_cannot(client, db, make, kit):
    admin, _learner, _closer = _setup(db, make, kit)
    sign_in(client, admin.email)
    token = csrf(client)
    page = client.get("/passport/needs")
    assert page.status_code == 200 and 'data-code="FUN-CYBER"' in page.text
    added = client.post("/passport/needs", data={"csrf_token": token, "org": admin.org_id,
                                                 "designation": "Section Officer", "competency": "BEH-SELF",
                                                 "level": 3}, follow_redirects=True)  # fmt: skip
    assert added.status_code == 200 and "The need is saved." in added.text
    assert client.post("/passport/needs", data={"csrf_token": token, "org": admin.org_id, "competency": "BEH-SELF",
                                                "level": 1}).status_code == 400  # fmt: skip
    assert client.post("/passport/needs", data={"csrf_token": token, "org": admin.org_id, "group": "Group A",
                                                "competency": "NOPE", "level": 1}).status_code == 400  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.append(["Designation", "Group", "Competency", "Level"])
    sheet.append(["", "Group C", "FUN-OFFICE", 2])
    buf = io.BytesIO()
    book.save(buf)
    files = {"file": ("needs.xlsx", buf.getvalue(), "application/octet-stream")}
    up = client.post("/passport/needs/upload", data={"csrf_token": token, "org": admin.org_id}, files=files,
                     follow_redirects=True)  # fmt: skip
    assert up.status_code == 200 and 'data-code="FUN-OFFICE"' in up.text
    bad = {"file": ("needs.csv", b"Designation,Group,Competency,Level\n,Group C,FUN-OFFICE,7\n", "text/csv")}
    refused = client.post("/passport/needs/upload", data={"csrf_token": token, "org": admin.org_id}, files=bad)
    assert refused.status_code == 400 and "Row 2" in refused.text
    needs = client.get(f"/api/v1/orgs/{admin.org_id}/role-needs").json()["needs"]
    assert sorted((n["code"], n["level"]) for n in needs) == [("BEH-SELF", 3), ("FUN-CYBER", 1), ("FUN-OFFICE", 2)]
    made = client.post(f"/api/v1/orgs/{admin.org_id}/role-needs", json={"group": "Group D", "competency": "DOM-LAW",
                                                                         "level": 1})  # fmt: skip
    assert made.status_code == 201
    assert client.post(f"/api/v1/orgs/{admin.org_id}/role-needs", json={"competency": "DOM-LAW", "level": 9,
                                                                         "x": 1}).status_code == 400  # fmt: skip
    assert client.delete(f"/api/v1/role-needs/{made.json()['id']}").status_code == 204
    gaps = client.get(f"/api/v1/orgs/{admin.org_id}/competency-gaps").json()["rows"]
    cyber = next(r for r in gaps if r["code"] == "FUN-CYBER")
    assert cyber["staff"] == 1 and cyber["gaps"] == 1
    dash = client.get("/passport/gaps")
    assert dash.status_code == 200 and 'data-code="FUN-CYBER"' in dash.text

    stranger = make.person("MOE", role=Role.MDO_ADMIN)
    client.cookies.clear()
    sign_in(client, stranger.email)
    token = csrf(client)
    need_id = needs[0]["id"]
    assert client.get(f"/passport/needs?org={admin.org_id}").status_code == 403
    assert client.get(f"/passport/gaps?org={admin.org_id}").status_code == 403
    assert client.get(f"/api/v1/orgs/{admin.org_id}/role-needs").status_code == 403
    assert client.delete(f"/api/v1/role-needs/{need_id}").status_code == 403
    assert client.post(f"/passport/needs/{need_id}/delete", data={"csrf_token": token}).status_code == 403
    own = client.get("/passport/gaps")
    assert own.status_code == 200 and "FUN-CYBER" not in own.text
