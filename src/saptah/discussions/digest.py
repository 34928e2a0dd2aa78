"""Following spaces and threads, and the e-mail digest (daily or weekly, through the outbox) of what is new."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.discussions import render, service
from saptah.discussions import repository as repo
from saptah.discussions.models import DigestChoice, Follow, Post, Space, Thread
from saptah.notify import service as notify
from saptah.web.i18n import N_, translate

FREQUENCIES = ("daily", "weekly", "off")
PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
PERIOD_WORDS = {"daily": N_("today"), "weekly": N_("this week")}
MAX_ITEMS = 50  # posts listed in one digest (the rest: "and N more")
BATCH = 500  # people per pass of the job


def _target(space_id: int | None, thread_id: int | None) -> str:
    if (space_id is None) == (thread_id is None):
        raise InvalidInput("Follow either a space or a thread.")
    return f"space:{space_id}" if space_id is not None else f"thread:{thread_id}"


def follow(
    session: Session, principal: Principal, *, space_id: int | None = None, thread_id: int | None = None
) -> bool:
    """Follow a space or a thread the person may read; the first follow starts a daily digest. True if new."""
    target = _target(space_id, thread_id)
    if thread_id is not None:
        service.visible_thread(session, principal, thread_id)
    else:
        assert space_id is not None
        service.visible_space(session, principal, space_id)
    if repo.get_follow(session, principal.person_id, target) is not None:
        return False
    with session.begin_nested():
        repo.add(session, Follow(person_id=principal.person_id, space_id=space_id, thread_id=thread_id, target=target))
    if repo.get_digest(session, principal.person_id) is None:
        repo.add(session, DigestChoice(person_id=principal.person_id, frequency="daily", last_sent_at=utcnow()))
    return True


def unfollow(
    session: Session, principal: Principal, *, space_id: int | None = None, thread_id: int | None = None
) -> bool:
    """Stop following; True if the person was following."""
    found = repo.get_follow(session, principal.person_id, _target(space_id, thread_id))
    if found is None:
        return False
    repo.delete_follow(session, found)
    return True


def is_following(
    session: Session, person_id: int, *, space_id: int | None = None, thread_id: int | None = None
) -> bool:
    """Whether the person follows this space or thread."""
    return repo.get_follow(session, person_id, _target(space_id, thread_id)) is not None


def frequency_of(session: Session, person_id: int) -> str:
    """How often the person's digest comes ("daily" until they choose)."""
    choice = repo.get_digest(session, person_id)
    return choice.frequency if choice else "daily"


def set_frequency(session: Session, person_id: int, frequency: str) -> None:
    """Choose daily, weekly or no digest."""
    if frequency not in FREQUENCIES:
        raise InvalidInput("Choose a daily or weekly digest, or none.")
    choice = repo.get_digest(session, person_id)
    if choice is None:
        repo.add(session, DigestChoice(person_id=person_id, frequency=frequency, last_sent_at=utcnow()))
    else:
        choice.frequency = frequency


def following(session: Session, principal: Principal) -> tuple[list[Space], list[Thread]]:
    """The spaces and threads the person follows and may still read."""
    rows = repo.follows_of(session, principal.person_id)
    spaces = repo.spaces_by_ids(session, [f.space_id for f in rows if f.space_id is not None])
    threads = repo.threads_by_ids(session, [f.thread_id for f in rows if f.thread_id is not None])
    readable_spaces = [s for s in spaces.values() if service.may_read(session, principal, s)]
    thread_spaces = repo.spaces_by_ids(session, [t.space_id for t in threads.values()])
    readable_threads = [
        t for t in threads.values() if not t.hidden and service.may_read(session, principal, thread_spaces[t.space_id])
    ]
    return readable_spaces, readable_threads


def send_due(session: Session, *, base_url: str, now: datetime | None = None, limit: int = BATCH) -> tuple[int, int]:
    """Queue the digests that are due: to each person whose daily (weekly) digest was last sent a day (week) ago,
    the new posts in what they follow, if any; returns how many were queued and how many people were due."""
    now = now or utcnow()
    due = repo.digests_due(
        session, daily_before=now - PERIOD["daily"], weekly_before=now - PERIOD["weekly"], limit=limit
    )
    people = directory.repo.people_by_ids(session, [d.person_id for d in due])
    queued = 0
    for choice in due:
        person = people.get(choice.person_id)
        if person is not None and person.status == "active":
            principal = directory.load_principal(session, person.id)
            rows = repo.new_posts_followed(session, principal, choice.last_sent_at, now, MAX_ITEMS + 1)
            if rows:
                lang = person.preferred_language
                subject, body = _mail(rows, choice.frequency, person.full_name, lang, base_url)
                notify.enqueue(
                    session,
                    to=person.email,
                    subject=subject,
                    body=body,
                    kind="discussion_digest",
                    dedupe_key=f"discussion-digest:{person.id}:{now:%Y%m%d%H%M}",
                )
                queued += 1
        choice.last_sent_at = now
    session.flush()
    return queued, len(due)


def _mail(rows: list[tuple[Post, Thread, Space]], frequency: str, name: str, lang: str, base: str) -> tuple[str, str]:
    """The digest: new posts grouped by thread, each with a link."""
    base = base.rstrip("/")
    more = len(rows) > MAX_ITEMS
    by_thread: dict[int, list[Post]] = defaultdict(list)
    threads: dict[int, tuple[Thread, Space]] = {}
    for post, thread, space in rows[:MAX_ITEMS]:
        by_thread[thread.id].append(post)
        threads[thread.id] = (thread, space)
    lines = []
    for thread_id, posts in by_thread.items():
        thread, space = threads[thread_id]
        lines.append(f"{thread.title} ({service.space_title(space, lang)})")
        lines.append(
            translate(
                "{count} new post(s): {link}", lang, count=len(posts), link=f"{base}/discussions/threads/{thread.id}"
            )
        )
        lines.extend(f"  - {render.plain(p.body, 160)}" for p in posts[:3])
        lines.append("")
    if more:
        lines.append(translate("And more: {link}", lang, link=f"{base}/discussions/following"))
    period = translate(PERIOD_WORDS[frequency], lang)
    subject = translate("What is new in your discussions {period}", lang, period=period)
    body = translate(
        "Dear {name},\n\nNew in the discussions you follow:\n\n{items}\nChange how often this comes, or stop it: "
        "{link}\n\n-- Saptah",
        lang,
        name=name,
        items="\n".join(lines),
        link=f"{base}/discussions/following",
    )
    return subject, body
