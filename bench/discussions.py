"""Discussions: prints p50/p95 of a search, a space's thread list and a 40-post thread as a reader sees it
(visibility, votes, attachments, mentions, Markdown rendered safely), on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/discussions.py [--posts 50000] [--rounds 200] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from common import throwaway_databases
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from saptah.core.db import make_engine, unit_of_work, utcnow
from saptah.core.migrate import upgrade
from saptah.directory import service as directory
from saptah.directory.models import Organisation, Person, Role
from saptah.directory.service import load_principal, load_reference_orgs
from saptah.discussions import service
from saptah.discussions.models import Post, Space, Thread
from saptah.wiring import wire

WORDS = [
    "grievance",
    "redressal",
    "OPD",
    "queue",
    "token",
    "ABHA",
    "e-office",
    "file",
    "noting",
    "training",
    "yoga",
    "leadership",
    "procurement",
    "GeM",
    "शिकायत",
    "निवारण",
    "समाधान",
    "प्रशिक्षण",
    "सप्ताह",
    "कर्मयोगी",
]
BODY = "**{a}** and {b}: see [the circular](https://dopt.gov.in/c/{n}) and\n\n- {c}\n- {d}\n\n> {e}"


def build(url: str, posts: int) -> tuple[sessionmaker[Session], int, int, int]:
    """Spaces (public and closed communities), threads of 40 posts, and the reader: returns factory, reader id,
    the biggest space and a thread."""
    upgrade(url)
    wire()
    factory = sessionmaker(bind=make_engine(url))
    rng = random.Random(2024)
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
        orgs = list(s.scalars(select(Organisation).where(Organisation.depth <= 2).limit(40)))
        people = [
            directory.create_person(s, org=rng.choice(orgs), full_name=f"Officer {i}", email=f"o{i}@bench.gov.in")
            for i in range(200)
        ]
        directory.grant_role(s, actor=None, person=people[0], role=Role.NATIONAL_ORGANISER, org=None)
        s.flush()
        spaces = []
        for i in range(20):
            org = orgs[i % len(orgs)]
            sp = Space(
                kind="community", title_en=f"Community {i}", org_id=org.id, audience_path=org.path if i % 2 else None
            )
            s.add(sp)
            spaces.append(sp)
        s.flush()
        now = utcnow()
        threads = posts // 40
        rows: list[dict[str, object]] = []
        for t in range(threads):
            space = spaces[t % len(spaces)]
            th = Thread(
                space_id=space.id,
                author_id=rng.choice(people).id,
                title=f"Thread {t} {rng.choice(WORDS)}",
                created_at=now - timedelta(minutes=threads - t),
                reply_count=39,
            )
            th.last_activity_at = th.created_at
            s.add(th)
            s.flush()
            for k in range(40):
                body = BODY.format(
                    a=rng.choice(WORDS),
                    b=rng.choice(WORDS),
                    c=rng.choice(WORDS),
                    d=rng.choice(WORDS),
                    e=rng.choice(WORDS),
                    n=k,
                )
                if (th.id * 40 + k) % 1000 == 0:  # a rare word: 1 post in 1,000
                    body += " सतर्कता vigilance"
                rows.append(
                    {
                        "thread_id": th.id,
                        "space_id": space.id,
                        "author_id": rng.choice(people).id,
                        "opening": k == 0,
                        "body": body,
                        "search_text": (th.title + "\n" + body).casefold(),
                        "created_at": th.created_at + timedelta(seconds=k),
                        "upvotes": 0,
                        "open_reports": 0,
                    }
                )
            if len(rows) >= 5000:
                s.execute(insert(Post), rows)
                rows.clear()
            space.thread_count += 1
        if rows:
            s.execute(insert(Post), rows)
        reader = s.scalar(select(Person.id).where(Person.id != people[0].id).order_by(Person.id).limit(1))
        thread_id = s.scalar(select(Thread.id).order_by(Thread.id.desc()).limit(1))
        assert reader is not None and thread_id is not None
        return factory, reader, spaces[0].id, thread_id


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """p50 and p95 in ms."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[18] * 1000


def measure(
    factory: sessionmaker[Session], reader: int, space_id: int, thread_id: int, rounds: int
) -> tuple[dict[str, tuple[float, float]], int]:
    """The reader's search and thread list, and a national organiser's view of a 40-post thread."""
    with factory() as s:
        s.execute(text("ANALYZE"))
        s.commit()
        who = load_principal(s, reader)
        space = service.visible_space(s, who, space_id)
        thread = service.repo.get_thread(s, thread_id)
        assert thread is not None
        tspace = service.repo.get_space(s, thread.space_id)
        assert tspace is not None
        boss = load_principal(s, int(s.scalar(select(Person.id).order_by(Person.id).limit(1)) or 0))
        figures = {
            "search one word": timed(lambda: service.search(s, who, "grievance"), rounds),
            "search two words (Hindi)": timed(lambda: service.search(s, who, "शिकायत समाधान"), rounds),
            "search a rare Hindi word": timed(lambda: service.search(s, who, "सतर्कता"), rounds),
            "space thread list": timed(lambda: service.threads_of(s, who, space), rounds),
            "thread of 40 posts, rendered": timed(lambda: service.thread_posts(s, boss, thread, tspace), rounds // 4),
        }
        total = int(s.scalar(text("SELECT count(*) FROM discussion_posts")) or 0)
    return figures, total


def main() -> None:
    """Run on SQLite and PostgreSQL and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    a = ap.parse_args()
    with throwaway_databases(a.pg) as databases:
        for label, url in databases:
            factory, reader, space_id, thread_id = build(url, a.posts)
            figures, total = measure(factory, reader, space_id, thread_id, a.rounds)
            for name, (p50, p95) in figures.items():
                print(f"{label}: posts={total} {name}: p50={p50:.2f} ms p95={p95:.2f} ms")
            factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
