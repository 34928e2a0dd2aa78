"""Discussions' wiring: the menu entry, the digest job, erasure, and the demo's spaces and threads."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import unit_of_work
from saptah.discussions import digest, service

NAV_ENTRY = ("Discussions", "/discussions", ())
DIGEST_JOB = "discussions.digest"


def register() -> None:
    """Add the menu entry, the hourly digest job and the erasure subscriber (idempotent)."""
    from saptah.jobs import service as jobs
    from saptah.web.templating import NAV

    if NAV_ENTRY not in NAV:
        NAV.append(NAV_ENTRY)
    jobs.register(DIGEST_JOB, run_digest, every=timedelta(hours=1))
    signals.subscribe(signals.PersonErased, service.forget_person)


def run_digest(ctx: Any) -> dict[str, Any]:
    """Job (hourly): queue the daily and weekly digests that are due, a batch of people per transaction."""
    queued = 0
    while True:
        with unit_of_work(ctx.factory) as session:
            sent, seen = digest.send_due(session, base_url=ctx.settings.base_url)
        queued += sent
        if seen < digest.BATCH:
            return {"digests": queued}


DEMO_THREADS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    # (space key, author, title, [(author, reply)]) ; authors are demo sign-ins or "staff:N"
    (
        "charcha",
        "admin.mohfw@saptah.demo",
        "Queue-free OPD registration: what worked in your hospital?",
        [
            ("staff:1", "In our CGHS wellness centre, **ABHA-linked scan-and-share** cut the morning queue by half."),
            ("staff:2", "We kept one counter for people without phones; nobody should be left out."),
            (
                "leader.mohfw@saptah.demo",
                "Thank you all. @learner@saptah.demo, please share the note from Friday's review.",
            ),
        ],
    ),
    (
        "charcha",
        "staff:3",
        "शिकायत निवारण: 7 दिनों में समाधान कैसे करें?",
        [("staff:4", "हमने CPGRAMS पर हर शिकायत के लिए एक नोडल अधिकारी तय किया है।")],
    ),
    (
        "community",
        "organiser@saptah.demo",
        "Share one thing you learnt this week",
        [
            ("staff:5", "The *Mission Karmayogi* module on citizen centricity changed how I draft replies."),
            ("staff:6", "Breathing exercises from the yoga course before long meetings. Try them!"),
        ],
    ),
    (
        "course",
        "staff:7",
        "Is there a Hindi version of the assessment?",
        [("provider@saptah.demo", "Yes: choose हिन्दी at the top of the page before you start the assessment.")],
    ),
    (
        "mohfw",
        "admin.mohfw@saptah.demo",
        "iGOT nodal officers: weekly check-in",
        [("staff:8", "Our department reached 78% of staff with four hours.")],
    ),
]


def seed_demo(session: Session, rng: random.Random, *, people: int, progress: Callable[[int], None]) -> None:
    """A public community, a ministry's closed one, a course's space and the Samuhik Charcha's, with threads."""
    from sqlalchemy import select

    from saptah.catalog import service as catalog
    from saptah.catalog.repository import CourseFilter
    from saptah.directory import service as directory
    from saptah.directory.models import Person
    from saptah.discussions.schemas import CommunityIn
    from saptah.events import service as events

    def principal(email: str) -> Any:
        person = directory.repo.get_person_by_email(session, email)
        return directory.load_principal(session, person.id) if person else None

    organiser, admin = principal("organiser@saptah.demo"), principal("admin.mohfw@saptah.demo")
    if organiser is None or admin is None:
        return
    mohfw = directory.org_by_code(session, "MOHFW")
    staff_q = (
        select(Person.email)
        .where(
            ~Person.email.like("%@saptah.demo"),
            Person.org_id.in_(
                select(directory.repo.Organisation.id).where(directory.repo.Organisation.path.startswith(mohfw.path))
            ),
        )
        .order_by(Person.id)
        .limit(12)
    )
    staff = list(session.scalars(staff_q))
    spaces: dict[str, Any] = {}
    spaces["community"] = service.open_community(
        session,
        organiser,
        CommunityIn(
            title_en="Karmayogi Saptah: learning together",
            title_hi="कर्मयोगी सप्ताह: साथ मिलकर सीखें",
            description="Share what you learnt during the week, ask questions, help colleagues.",
            org_code="DOPT",
        ),
    )
    spaces["mohfw"] = service.open_community(
        session,
        admin,
        CommunityIn(
            title_en="MoHFW capacity building cell",
            title_hi="स्वास्थ्य मंत्रालय क्षमता निर्माण प्रकोष्ठ",
            description="For the Ministry of Health and Family Welfare's staff only.",
            closed=True,
        ),
    )
    _total, charchas = events.calendar(session, kind="samuhik_charcha", size=1)
    if charchas:
        spaces["charcha"] = service.event_space(session, admin, charchas[0].id)
    _total, courses = catalog.search(session, CourseFilter(q="Stress"), size=1)
    if courses:
        spaces["course"] = service.course_space(session, organiser, courses[0].id)
    settings = Settings()
    made = 0
    for key, author, title, replies in DEMO_THREADS:
        space = spaces.get(key)
        who = principal(_email(author, staff))
        if space is None or who is None:
            continue
        thread = service.start_thread(
            session, who, space, title=title, body=title, upload_dir=settings.upload_dir, base_url=settings.base_url
        )
        for replier, text in replies:
            by = principal(_email(replier, staff))
            if by is not None:
                service.reply(
                    session, by, thread, body=text, upload_dir=settings.upload_dir, base_url=settings.base_url
                )
            made += 1
    progress(made)


def _email(author: str, staff: list[str]) -> str:
    if author.startswith("staff:"):
        n = int(author.split(":")[1])
        return staff[n % len(staff)] if staff else ""
    return author
