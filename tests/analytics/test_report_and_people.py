"""The campaign report PDF, an MDO's people lists and reminders, the learner's week."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from tests.analytics.conftest import World
from tests.factories import csrf, sign_in

from saptah.analytics import report, service
from saptah.jobs import service as jobs
from saptah.notify.models import OutboxMessage

API = "/api/v1/analytics"


def run_jobs(factory, settings) -> None:
    while jobs.run_one(factory, settings):
        pass


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_report_pdf_figures_match_the_dashboard(client, db, factory, settings, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    dash = client.get(f"{API}/dashboard", params={"campaign": world.campaign.id}).json()
    made = client.post(
        "/dashboard/report", data={"campaign": world.campaign.id, "csrf_token": csrf(client)}, follow_redirects=False
    )
    assert made.status_code == 303
    report_url = made.headers["location"]
    waiting = client.get(report_url)
    assert "being written" in waiting.text
    rid = int(report_url.rsplit("/", 1)[1])
    assert client.get(f"/dashboard/reports/{rid}.pdf").status_code == 409
    run_jobs(factory, settings)
    ready = client.get(report_url)
    assert "The report is ready" in ready.text
    pdf = client.get(f"/dashboard/reports/{rid}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "NLW analytics test" in text and "Key figures" in text
    assert "Figure 1: " in text and "The figures are in the table below." in text  # charts carry captions
    for f in dash["figures"]:
        line = next((ln for ln in text.splitlines() if ln.startswith(f["label"])), None)
        assert line is not None, f["label"]
        assert f["display"] in line, (f["label"], f["display"], line)
    assert "Annex: by ministry and state" in text and "Ministry of Health" in text
    assert client.get(f"{API}/reports/{rid}").json()["download"] == f"{API}/reports/{rid}/pdf"


def test_a_hindi_reader_gets_the_campaign_report_in_hindi(client, db, factory, settings, world: World) -> None:
    organiser = world.people["organiser"]
    organiser.preferred_language = "hi"
    db.commit()
    sign_in(client, organiser.email)
    dash = client.get(f"{API}/dashboard", params={"campaign": world.campaign.id}).json()
    form = {"campaign": world.campaign.id, "csrf_token": csrf(client)}
    rid = int(client.post("/dashboard/report", data=form, follow_redirects=False).headers["location"].rsplit("/", 1)[1])
    run_jobs(factory, settings)
    # pypdf leaves a control character inside some shaped Devanagari clusters ("शि\x12क्षण"): read past it
    text = re.sub(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", "", pdf_text(client.get(f"/dashboard/reports/{rid}.pdf").content))
    # cover, headings, the key figures' table header and labels, captions, the annex: in Hindi
    for hindi in ("अभियान रिपोर्ट", "राष्ट्रीय शिक्षण सप्ताह", "सभी संगठन", "मुख्य आँकड़े", "आँकड़ा मान", "अधिगम घंटे"):
        assert hindi in text, hindi
    assert "19 अक्टू॰ 2024 से 25 अक्टू॰ 2024 तक" in text  # the days in Hindi
    assert "चित्र 1:" in text and "आँकड़े नीचे की तालिका में हैं।" in text  # captions under the charts
    assert "ष्ट: मंत्रालय और राज्य" in text and "Ministry of Health" in text  # the annex; names as stored
    for english in ("Key figures", "Registered", "campaign report", "The figures are in the table", "Annex", "Figure"):
        assert english not in text, english
    reached = next(f for f in dash["figures"] if f["key"] == "reached")
    assert reached["display"] in text
    # large counts grouped the Indian way (1,23,456)
    scope = service.report_scope(db, campaign_id=world.campaign.id, org_id=None)
    board = service.dashboard(db, scope)
    board.tables["breakdown"].rows[0][2] = 123456
    big = pdf_text(bytes(report.render(board, [], lang="hi").output()))
    assert "1,23,456" in big and "123456" not in big


def test_reports_are_scoped(client, db, factory, settings, world: World) -> None:
    sign_in(client, world.people["organiser"].email)
    national = client.post(f"{API}/reports", json={"campaign": world.campaign.id})
    assert national.status_code == 202
    again = client.post(f"{API}/reports", json={"campaign": world.campaign.id})
    assert again.status_code == 409  # one report of a scope at a time
    run_jobs(factory, settings)
    rid = national.json()["id"]
    client.cookies.clear()
    sign_in(client, world.people["admin_mohfw"].email)
    assert client.get(f"{API}/reports/{rid}").status_code == 404  # a national report is not theirs
    own = client.post(f"{API}/reports", json={"campaign": world.campaign.id})
    assert own.status_code == 202
    run_jobs(factory, settings)
    text = pdf_text(client.get(f"{API}/reports/{own.json()['id']}/pdf").content)
    assert "Ministry of Health" in text and "Ministry of Home Affairs" not in text


def test_mdo_people_lists_and_reminders(client, db, factory, settings, world: World) -> None:
    sign_in(client, world.people["admin_mohfw"].email)
    page = client.get("/dashboard/mdo", params={"campaign": world.campaign.id})
    assert page.status_code == 200
    assert "Deepak Idle" in page.text and "Chitra Das" in page.text
    assert "Compliance with mandated plans" in page.text
    not_started = client.get(f"{API}/people/not_started", params={"campaign": world.campaign.id}).json()
    names = {r[0] for r in not_started["rows"]}
    assert "Deepak Idle" in names and "Asha Rao" not in names and "Esha Khan" not in names
    close = client.get(f"{API}/people/close", params={"campaign": world.campaign.id}).json()
    assert [r[0] for r in close["rows"]] == ["Chitra Das"] and close["rows"][0][5] == 210
    assert client.get(f"{API}/people/everyone", params={"campaign": world.campaign.id}).status_code == 400
    export = client.get("/dashboard/mdo/export/not_started.csv", params={"campaign": world.campaign.id})
    assert "Deepak Idle" in export.content.decode("utf-8-sig")
    org = re.search(r'name="org" value="(\d+)"', page.text).group(1)
    form = {"campaign": world.campaign.id, "org": org, "kind": "not_started", "csrf_token": csrf(client)}
    assert client.post("/dashboard/remind", data={**form, "csrf_token": "forged"}).status_code == 403
    on_list = not_started["total"] if "total" in not_started else len(not_started["rows"])
    counts = re.search(r'data-testid="remind-counts-not_started">(\d+) will be reminded · (\d+) already', page.text)
    assert counts is not None and (int(counts.group(1)), int(counts.group(2))) == (on_list, 0)
    sent = client.post("/dashboard/remind", data=form, follow_redirects=False)
    assert "notice" not in sent.headers["location"]  # the message travels in the session, not the address
    assert f"Reminding {on_list} people on" in client.get(sent.headers["location"]).text
    run_jobs(factory, settings)
    after = client.get("/dashboard/mdo", params={"campaign": world.campaign.id}).text
    assert f'data-testid="remind-counts-not_started">0 will be reminded · {on_list} already reminded today' in after
    idle = world.people["idle"].email
    msgs = db.query(OutboxMessage).filter(OutboxMessage.to_addr == idle).all()
    assert len(msgs) == 1 and "start your learning" in msgs[0].subject
    assert db.query(OutboxMessage).filter(OutboxMessage.to_addr == world.people["a1"].email).count() == 0
    again = client.post("/dashboard/remind", data=form, follow_redirects=True)
    assert f"No one was reminded: all {on_list} people on" in again.text and "already reminded today" in again.text
    assert not jobs.run_one(factory, settings)  # nothing was queued for a second press the same day
    assert db.query(OutboxMessage).filter(OutboxMessage.to_addr == idle).count() == 1  # once a day


def test_learner_week(client, world: World) -> None:
    sign_in(client, world.people["a1"].email)
    page = client.get("/my/week")
    assert page.status_code == 200
    assert "<svg" in page.text and 'data-table="my_days"' in page.text
    week = client.get(f"{API}/my-week").json()
    by_day = {d["day"]: d["minutes"] for d in week["days"]}
    assert by_day["2024-10-19"] == 90 and by_day["2024-10-20"] == 150
    assert {c["minutes"] for c in week["completed"]} == {90, 150}
    titles = [r["title"] for r in week["recommended"]]
    assert "Cyber hygiene" in titles and "Mission Karmayogi basics" not in titles
    nav = client.get("/").text
    assert 'href="/my/week"' in nav and 'href="/dashboard"' not in nav


def test_an_mdo_admin_reading_hindi_sees_the_lists_tables_and_reminders_in_hindi(client, db, world: World) -> None:
    admin = world.people["admin_mohfw"]
    admin.preferred_language = "hi"
    db.commit()
    sign_in(client, admin.email)
    page = client.get("/dashboard/mdo", params={"campaign": world.campaign.id}).text
    for hindi in ("अभी तक आरंभ नहीं किया", "लक्ष्य के निकट", "अनिवार्य योजनाओं का अनुपालन", "क्रेडिट किए गए मिनट"):
        assert hindi in page
    assert "Not started yet" not in page and "Compliance with mandated plans" not in page
    org = re.search(r'name="org" value="(\d+)"', page).group(1)
    form = {"campaign": world.campaign.id, "org": org, "kind": "not_started", "csrf_token": csrf(client)}
    sent = client.post("/dashboard/remind", data=form, follow_redirects=True).text
    assert "“अभी तक आरंभ नहीं किया” सूची के" in sent and "Reminding" not in sent


def test_campaign_reminders_reach_smtp_in_each_persons_language(client, db, factory, settings, smtp, world) -> None:
    from saptah.notify.tasks import send_due

    idle = world.people["idle"]
    idle.preferred_language = "hi"
    db.commit()
    sign_in(client, world.people["admin_mohfw"].email)
    page = client.get("/dashboard/mdo", params={"campaign": world.campaign.id}).text
    org = re.search(r'name="org" value="(\d+)"', page).group(1)
    form = {"campaign": world.campaign.id, "org": org, "kind": "not_started", "csrf_token": csrf(client)}
    client.post("/dashboard/remind", data=form)
    run_jobs(factory, settings)
    send_due(db, settings)
    [mail] = smtp.to(idle.email)
    assert mail["Subject"] == f"{world.campaign.name}: इस सप्ताह अपना शिक्षण शुरू करें"
    body = mail.get_content()
    assert body.startswith(f"प्रिय {idle.full_name},") and "आपने अभी शुरुआत नहीं की है" in body and "/my/week" in body
    english = [m for m in smtp.messages if "start your learning this week" in str(m["Subject"])]
    assert english and all("Dear " in m.get_content() for m in english)  # the others' profiles say English
