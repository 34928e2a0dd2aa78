"""Certificates: issued once, a PDF with the name (Hindi too), code and QR link; public verification; revoke."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from saptah.core.errors import InvalidInput, NotFound
from saptah.directory.models import Role
from saptah.recognition import service
from tests.factories import csrf, sign_in

AT = datetime(2024, 10, 24, 9, 0, tzinfo=UTC)


def issue(db, person, subject_id=1, kind="course", title="Stress Management"):
    return service.issue_certificate(
        db,
        person_id=person.id,
        kind=kind,
        subject_id=subject_id,
        title=title,
        issuer="Department of Personnel & Training",
        duration_minutes=25,
        achieved_at=AT,
    )


def test_issued_once_per_person_kind_and_subject_with_an_unguessable_code(db, make):
    person = make.person()
    first = issue(db, person)
    assert issue(db, person).id == first.id
    event = issue(db, person, kind="event")
    assert event.id != first.id
    codes = {issue(db, person, subject_id=n).code for n in range(2, 40)}
    assert len(codes) == 38 and all(re.fullmatch(r"[A-Z2-9]{12}", c) for c in codes)
    with pytest.raises(InvalidInput):
        issue(db, person, kind="lottery")


def test_pdf_carries_name_course_provider_duration_date_code_and_the_verify_link(db, make):
    person = make.person(full_name="अंजलि वर्मा")
    cert = issue(db, person)
    pdf = PdfReader(io.BytesIO(service.certificate_pdf(cert, base_url="https://saptah.example")))
    text = pdf.pages[0].extract_text()
    for part in ("Stress Management", "Department of Personnel & Training", "25 minutes", "24 October 2024", cert.code):
        assert part in text
    assert "अंजलि" in text  # shaped Devanagari survives into the text layer
    fonts = {str(f["/BaseFont"]) for f in pdf.pages[0]["/Resources"]["/Font"].values()}
    assert any("Devanagari" in f for f in fonts)
    links = {a.get_object()["/A"]["/URI"] for a in pdf.pages[0]["/Annots"]}
    assert links == {f"https://saptah.example/verify/{cert.code}"}  # the QR image and the printed address


def test_verify_page_shows_valid_name_course_date_and_nothing_else(client, db, make):
    person = make.person(full_name="Ravi Shankar", email="ravi.private@example.gov.in", employee_id="EMP778899")
    cert = issue(db, person)
    db.commit()
    r = client.get(f"/verify/{cert.code.lower()}")  # codes read off paper: case does not matter
    assert r.status_code == 200
    assert "valid" in r.text and "Ravi Shankar" in r.text and "Stress Management" in r.text
    assert "24 October 2024" in r.text
    for private in ("ravi.private", "EMP778899", "Ministry of Health"):
        assert private not in r.text


def test_unknown_codes_get_a_plain_not_found(client):
    r = client.get("/verify/NOSUCHCODE22")
    assert r.status_code == 404 and "Not found" in r.text
    assert client.get("/verify/" + "A" * 300).status_code == 404


def test_admin_revokes_with_a_reason_and_the_page_says_revoked(client, db, make):
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    holder = make.person("DOHFW")
    cert = issue(db, holder)
    db.commit()
    sign_in(client, admin.email)
    r = client.post(f"/certificates/{cert.code}/revoke", data={"csrf_token": csrf(client), "reason": "x"})
    assert r.status_code == 400 and "reason" in r.text
    form = {"csrf_token": csrf(client), "reason": "Duplicate record"}
    r = client.post(f"/certificates/{cert.code}/revoke", data=form)
    assert r.status_code == 200 and "Duplicate record" in r.text
    page = client.get(f"/verify/{cert.code}").text
    assert "revoked" in page and "Duplicate record" not in page  # the reason is for admins, not the public


def test_admins_of_other_ministries_and_learners_cannot_revoke(client, db, make):
    outsider = make.person("MHA", role=Role.MDO_ADMIN)
    learner = make.person("MOHFW")
    cert = issue(db, make.person("DOHFW"))
    db.commit()
    sign_in(client, outsider.email)
    r = client.post(f"/certificates/{cert.code}/revoke", data={"csrf_token": csrf(client), "reason": "Not theirs"})
    assert r.status_code == 404
    client.cookies.clear()
    sign_in(client, learner.email)
    r = client.post(f"/certificates/{cert.code}/revoke", data={"csrf_token": csrf(client), "reason": "Not theirs"})
    assert r.status_code == 403
    assert service.verify(db, cert.code).valid


def test_learner_lists_and_downloads_only_their_own_certificates(client, db, make):
    me, other = make.person(), make.person()
    mine, theirs = issue(db, me, title="My course"), issue(db, other, title="Their course")
    db.commit()
    sign_in(client, me.email)
    page = client.get("/my/certificates").text
    assert "My course" in page and "Their course" not in page
    r = client.get(f"/certificates/{mine.code}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert client.get(f"/certificates/{theirs.code}.pdf").status_code == 404


def test_verify_service_raises_not_found(db):
    with pytest.raises(NotFound):
        service.verify(db, "ZZZZZZZZZZZZ")


def test_a_hindi_readers_certificate_has_hindi_labels_and_the_courses_hindi_title(client, db, make):
    person = make.person(full_name="अंजलि वर्मा")
    person.preferred_language = "hi"
    db.flush()
    cert = service.issue_certificate(
        db, person_id=person.id, kind="course", subject_id=7, title="Stress Management", title_hi="तनाव प्रबंधन",
        issuer="Department of Personnel & Training", duration_minutes=25, achieved_at=AT,
    )  # fmt: skip
    sign_in(client, person.email)
    pdf = client.get(f"/certificates/{cert.code}.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for part in ("प्रमाणपत्र", "तनाव प्रबंधन", "Stress Management", "पाठ्यक्रम", "24 अक्टूबर 2024", cert.code):
        assert part in text, part
    assert "This is to certify" not in text
    # the same certificate for an English reader: English labels and title
    person.preferred_language = "en"
    db.flush()
    english = PdfReader(io.BytesIO(client.get(f"/certificates/{cert.code}.pdf").content)).pages[0].extract_text()
    assert "This is to certify that" in english and "तनाव" not in english
