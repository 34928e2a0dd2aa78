"""Events background work and wiring: menu entries, the home panel, closing attendance, the demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from saptah.core import signals
from saptah.core.db import unit_of_work, utcnow
from saptah.core.timeutil import IST
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.events import attendance, attendance_repository, service
from saptah.events.models import Attendance, Event, Registration
from saptah.web.i18n import N_

NAV_ENTRIES = [
    (N_("Events"), "/events", ()),
    (N_("My events"), "/events/mine", ()),
    (N_("Event reports"), "/events/reports", ("mdo_admin", "mdo_leader", "national_organiser")),
]

INAUGURAL_VENUE = "Dr. Ambedkar International Centre, 15 Janpath, New Delhi"
INAUGURAL_MINUTES = 240  # half a day, from 10:00 AM
# (day of Oct 2024, hour, minute, title, speaker, theme): the 24 central webinars of the week
WEBINARS = [
    (
        19,
        10,
        0,
        "Inaugural address: Karmayogi Saptah and Viksit Bharat @2047",
        "Dr. Jitendra Singh",
        "Inspirational stories",
    ),
    (19, 15, 0, "Mission Karmayogi: from rules to roles", "S. Radha Chauhan", "Citizen centricity"),
    (20, 11, 0, "Indian Knowledge Systems in public administration", "Prof. Kapil Kapoor", "Indian Knowledge Systems"),
    (20, 15, 0, "PM Gati Shakti: infrastructure planning at scale", "Amrit Lal Meena", "Infrastructure"),
    (21, 11, 0, "The Indian economy: the road to a developed nation", "V. Anantha Nageswaran", "Economy"),
    (21, 15, 0, "Digital Public Infrastructure: Aadhaar, UPI and beyond", "Nandan Nilekani", "Technology"),
    (21, 17, 0, "Artificial intelligence for governance", "Abhishek Singh", "Technology"),
    (22, 11, 0, "Citizen-first service delivery", "V. Srinivas", "Citizen centricity"),
    (22, 15, 0, "Public finance management and outcome budgeting", "Dr. T. V. Somanathan", "Finance"),
    (22, 17, 0, "India in a multipolar world", "Dr. S. Jaishankar", "Geopolitics"),
    (23, 11, 0, "Natural farming and farmer producer organisations", "Dr. Himanshu Pathak", "Agriculture"),
    (23, 15, 0, "One Health: lessons from the pandemic", "Dr. Rajiv Bahl", "Health"),
    (23, 17, 0, "Stories of change from aspirational districts", "Amitabh Kant", "Inspirational stories"),
    (24, 11, 0, "National Education Policy: implementation in mission mode", "Sanjay Kumar", "Education"),
    (24, 15, 0, "Disaster resilience and early warning", "Kamal Kishore", "Climate / Disaster Management"),
    (24, 17, 0, "Mission LiFE: lifestyle for the environment", "Leena Nandan", "Climate / Disaster Management"),
    (25, 11, 0, "India's G20 presidency and after", "Harsh Vardhan Shringla", "International Affairs"),
    (25, 15, 0, "Leadership in the civil services", "Dr. Kiran Bedi", "Leadership"),
    (25, 17, 0, "Cyber security for every official", "Dr. Sanjay Bahl", "Technology"),
    (26, 11, 0, "Yoga and wellbeing at work", "Dr. H. R. Nagendra", "Wellness"),
    (26, 15, 0, "Data-driven decision making", "Dr. Saurabh Garg", "Governance"),
    (26, 17, 0, "Frugal innovation in public services", "Dr. R. A. Mashelkar", "Inspirational stories"),
    (27, 11, 0, "Ethics and integrity in public life", "Praveen Kumar Srivastava", "Governance"),
    (27, 15, 0, "Valedictory: the week in numbers and the road ahead", "Rajesh Kumar Singh", "Inspirational stories"),
]
STREAM = "https://www.youtube.com/watch?v=igot-karmayogi"
# The demo's events in Hindi too (title_hi), as the national webinars were announced in both languages.
HINDI_TITLES = {
    "Mission Karmayogi: from rules to roles": "मिशन कर्मयोगी: नियम से भूमिका तक",
    "Indian Knowledge Systems in public administration": "लोक प्रशासन में भारतीय ज्ञान परंपरा",
    "PM Gati Shakti: infrastructure planning at scale": "पीएम गति शक्ति: बड़े पैमाने पर अवसंरचना योजना",
    "The Indian economy: the road to a developed nation": "भारतीय अर्थव्यवस्था: विकसित राष्ट्र की राह",
    "Digital Public Infrastructure: Aadhaar, UPI and beyond": "डिजिटल सार्वजनिक अवसंरचना: आधार, यूपीआई और आगे",
    "Artificial intelligence for governance": "शासन के लिए कृत्रिम बुद्धिमत्ता",
    "Citizen-first service delivery": "नागरिक-प्रथम सेवा वितरण",
    "Public finance management and outcome budgeting": "लोक वित्त प्रबंधन और परिणाम बजट",
    "India in a multipolar world": "बहुध्रुवीय विश्व में भारत",
    "Natural farming and farmer producer organisations": "प्राकृतिक खेती और किसान उत्पादक संगठन",
    "One Health: lessons from the pandemic": "वन हेल्थ: महामारी से सबक",
    "Stories of change from aspirational districts": "आकांक्षी जिलों से बदलाव की कहानियाँ",
    "National Education Policy: implementation in mission mode": "राष्ट्रीय शिक्षा नीति: मिशन मोड में क्रियान्वयन",
    "Disaster resilience and early warning": "आपदा सहनशीलता और पूर्व चेतावनी",
    "Mission LiFE: lifestyle for the environment": "मिशन लाइफ: पर्यावरण के लिए जीवनशैली",
    "India's G20 presidency and after": "भारत की जी20 अध्यक्षता और उसके बाद",
    "Leadership in the civil services": "सिविल सेवाओं में नेतृत्व",
    "Cyber security for every official": "हर अधिकारी के लिए साइबर सुरक्षा",
    "Yoga and wellbeing at work": "योग और कार्यस्थल पर कल्याण",
    "Data-driven decision making": "डेटा-आधारित निर्णय",
    "Frugal innovation in public services": "लोक सेवाओं में मितव्ययी नवाचार",
    "Ethics and integrity in public life": "सार्वजनिक जीवन में नैतिकता और सत्यनिष्ठा",
    "Valedictory: the week in numbers and the road ahead": "समापन: आँकड़ों में सप्ताह और आगे की राह",
    "Live now: Karmayogi conversations": "अभी लाइव: कर्मयोगी संवाद",
    "Ayushman Bharat Digital Mission for officers": "अधिकारियों के लिए आयुष्मान भारत डिजिटल मिशन",
    "TB Mukt Bharat: programme management": "टीबी मुक्त भारत: कार्यक्रम प्रबंधन",
    "Samuhik Charcha: Citizen-first health services": "सामूहिक चर्चा: नागरिक-प्रथम स्वास्थ्य सेवाएँ",
    "Workshop: e-Office and file management": "कार्यशाला: ई-ऑफ़िस और फ़ाइल प्रबंधन",
    "Mission Karmayogi and citizen-centric governance": "मिशन कर्मयोगी और नागरिक-केंद्रित शासन",
    "Viksit Bharat @2047: role of the civil services": "विकसित भारत @2047: सिविल सेवाओं की भूमिका",
}
# (days ago, title, speaker): central webinars of the running week, already held
THIS_WEEK = [
    (2, "Mission Karmayogi and citizen-centric governance", "Adil Zainulbhai"),
    (1, "Viksit Bharat @2047: role of the civil services", "V. Srinivas"),
]


def register() -> None:
    """Add the events menu entries, the home panel, the attendance-closing job and the live credit sweep."""
    from saptah.jobs import service as jobs
    from saptah.web.templating import HOME_PANELS, NAV

    for entry in NAV_ENTRIES:
        if entry not in NAV:
            NAV.append(entry)
    if home_panel not in HOME_PANELS:
        HOME_PANELS.append(home_panel)
    jobs.register("events.finalise", run_finalise, every=timedelta(minutes=1))
    signals.subscribe(signals.PersonErased, service.forget_nominee)
    signals.replay_from(signals.EventAttendanceRecorded, attendance.sent_between, attendance_repository.sent_rows)
    jobs.register_frequent("events.credit", publish_all_due)  # live credit reaches the campaign within seconds


def home_panel(session: Session, principal: Any, settings: object = None) -> tuple[str, dict[str, Any]] | None:
    """Live and next events on everyone's home page."""
    now = utcnow()
    _, rows = service.calendar(session, day_from=(now - timedelta(days=1)).astimezone(IST).date(), size=12)
    shown = [(e, service.status(e, now)) for e in rows if service.status(e, now) in ("live", "upcoming")][:4]
    return "events_panel.html", {"events": shown}


def run_finalise(ctx: Any) -> dict[str, Any]:
    """Job (every minute): send credit still due, then close attendance of events whose grace period has passed."""
    sent = publish_all_due(ctx.factory)
    with unit_of_work(ctx.factory) as session:
        done = attendance.finalise_due(session)
    return {"events": done, "credited": sent}


def publish_all_due(factory: sessionmaker[Session], *, max_batches: int = 50) -> int:
    """Send every due attendance total to the campaign engine, a batch per transaction; returns how many."""
    sent = 0
    for _ in range(max_batches):
        with unit_of_work(factory) as session:
            n = attendance.publish_due(session)
        sent += n
        if n < attendance.PUBLISH_BATCH:
            break
    return sent


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """The 24 central webinars of NLW 2024, one live now, MDO events and a Samuhik Charcha, with attendance."""
    dopt = directory.org_by_code(session, "DOPT")
    organiser = _person(session, "organiser@saptah.demo")
    made: list[Event] = []
    for day, hour, minute, title, speaker, theme in WEBINARS:
        start = datetime(2024, 10, day, hour, minute, tzinfo=IST)
        made.append(_event(session, "central_webinar", title, theme, speaker, dopt.id, organiser, start, 60))
    made[0].kind = "inaugural"  # 10:00 AM at Dr. Ambedkar International Centre, half a day (the DoPT letter)
    made[0].duration_minutes, made[0].mode, made[0].venue = INAUGURAL_MINUTES, "hybrid", INAUGURAL_VENUE
    made[0].nomination_quota = service.INAUGURAL_QUOTA
    made[0].nomination_levels = list(service.LEVELS)
    now = utcnow().replace(second=0, microsecond=0)
    live = _event(session, "central_webinar", "Live now: Karmayogi conversations", "Governance",
                  "Dr. R. Balasubramaniam", dopt.id, organiser, now - timedelta(minutes=20), 120)  # fmt: skip
    mohfw = directory.org_by_code(session, "MOHFW")
    admin = _person(session, "admin.mohfw@saptah.demo")
    _event(session, "mdo_webinar", "Ayushman Bharat Digital Mission for officers", "Health", "Dr. Basant Garg",
           mohfw.id, admin, datetime(2024, 10, 22, 12, 0, tzinfo=IST), 90)  # fmt: skip
    _event(session, "mdo_webinar", "TB Mukt Bharat: programme management", "Health", "Dr. Urvashi Singh",
           mohfw.id, admin, now + timedelta(days=2), 60)  # fmt: skip
    charcha = _event(session, "samuhik_charcha", "Samuhik Charcha: Citizen-first health services", "Citizen centricity",
                     "", mohfw.id, admin, now - timedelta(days=1), 90, mode="hybrid")  # fmt: skip
    charcha.summary = "Officers discussed queue-free OPD registration, grievance redressal and ABHA adoption."
    _event(session, "offline_workshop", "Workshop: e-Office and file management", "Technology", "NIC trainers",
           mohfw.id, admin, now + timedelta(days=3), 180, mode="in_person")  # fmt: skip
    week = [  # this week's central webinars, ended, for the running campaign
        _event(
            session, "central_webinar", title, "Governance", speaker, dopt.id, organiser, now - timedelta(days=days), 60
        )
        for days, title, speaker in THIS_WEEK
    ]
    session.flush()
    _seed_attendance(session, rng, made[-3:], people)
    _seed_attendance(session, rng, [*week, charcha], people)
    learner = _person(session, "learner@saptah.demo")
    if learner is not None:
        _attend(session, week[-1], learner, 45)
    progress(len(made) + 5 + len(week))
    assert live.id


def _person(session: Session, email: str) -> int | None:
    person = people.get_person_by_email(session, email)
    return person.id if person else None


THEME_COMPETENCIES = {  # the demo tags each event with the competencies its theme builds
    "Indian Knowledge Systems": ["DOM-YOGA", "BEH-SELF"],
    "Infrastructure": ["FUN-PROJECT", "FUN-PROCURE"],
    "Inspirational stories": ["BEH-LEAD", "BEH-EMPATHY"],
    "Economy": ["FUN-FINANCE", "FUN-POLICY"],
    "Technology": ["FUN-DIGITAL", "FUN-AI"],
    "Citizen centricity": ["BEH-CITIZEN", "BEH-EMPATHY"],
    "Finance": ["FUN-FINANCE"],
    "Geopolitics": ["FUN-POLICY"],
    "Agriculture": ["FUN-POLICY", "FUN-DATA"],
    "Health": ["DOM-HEALTH"],
    "Education": ["BEH-COMM"],
    "Climate / Disaster Management": ["DOM-ENV", "DOM-DISASTER"],
    "International Affairs": ["FUN-POLICY", "BEH-COMM"],
    "Governance": ["DOM-GOV", "BEH-INTEGRITY"],
    "Leadership": ["BEH-LEAD", "BEH-DECIDE"],
    "Wellness": ["BEH-SELF", "DOM-YOGA"],
}


def _event(
    session: Session, kind: str, title: str, theme: str, speaker: str, org_id: int, by: int | None,
    start: datetime, minutes: int, *, mode: str = "online",
) -> Event:  # fmt: skip
    event = Event(
        kind=kind, title_en=title, title_hi=HINDI_TITLES.get(title), theme=theme, speakers=speaker or None,
        organiser_org_id=org_id, created_by=by,
        starts_at=start, duration_minutes=minutes, mode=mode, stream_url=STREAM if mode != "in_person" else None,
        venue="Nirman Bhawan, New Delhi" if mode != "online" else None, language="English",
        competencies=THEME_COMPETENCIES.get(theme, ["DOM-GOV"]), access="open", nomination_levels=[],
    )  # fmt: skip
    session.add(event)
    session.flush()
    return event


def _seed_attendance(session: Session, rng: random.Random, events: list[Event], count: int) -> None:
    """Some demo staff attended the week's last webinars (recorded like a finished live session)."""
    ids = [pid for (pid,) in session.execute(people_ids_query(min(count, 400)))]
    for event in events:
        for pid in rng.sample(ids, k=min(len(ids), 60)):
            _attend(session, event, pid, rng.randint(5, event.duration_minutes))


def _attend(session: Session, event: Event, pid: int, minutes: int) -> None:
    """A finished live session of `minutes`, registered, counted and sent to the campaign engine."""
    row = Attendance(event_id=event.id, person_id=pid, org_id=_org_of(session, pid), tabs={}, pings=minutes)
    row.closed_seconds = minutes * 60
    row.last_minute = minutes
    session.add(row)
    session.add(Registration(event_id=event.id, person_id=pid, source="self"))
    session.flush()
    attendance._update_totals(event, row)
    attendance.publish(session, event, row)
    attendance.count_viewers(session, event, range(minutes), pid)


def people_ids_query(limit: int) -> Any:
    """Ids of the first demo staff."""
    from sqlalchemy import select

    from saptah.directory.models import Person

    return select(Person.id).where(Person.email.not_like("%@saptah.demo")).order_by(Person.id).limit(limit)


def _org_of(session: Session, person_id: int) -> int:
    person = people.get_person(session, person_id)
    assert person is not None
    return person.org_id
