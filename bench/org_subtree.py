"""Subtree queries at 10,000 organisations: prints p50/p95 of the scoping queries on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/org_subtree.py [--orgs 10000] [--people 200000] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from common import throwaway_databases
from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

from saptah.core.db import make_engine, unit_of_work, utcnow
from saptah.core.migrate import upgrade
from saptah.directory import repository as repo
from saptah.directory.models import Organisation, Person

FIRST = ("Anita", "Ravi", "Meera", "Sunil", "Kavita", "Arjun", "Priya", "Imran", "Lakshmi", "Harpreet")
LAST = ("Sharma", "Rao", "Iyer", "Khan", "Singh", "Das", "Patel", "Nair", "Gupta", "Reddy", "Bose", "Menon")


def build(url: str, orgs: int, people: int) -> sessionmaker[Session]:
    """A tree of `orgs` organisations (ministries > departments > offices) and `people` staff."""
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url))
    rng = random.Random(7)
    with unit_of_work(factory) as s:
        ids: list[tuple[int, str]] = []
        for i in range(orgs):
            parent = rng.choice(ids[: max(1, min(len(ids), 60 + i // 10))]) if ids and i >= 60 else None
            org = Organisation(code=f"B{i}", name_en=f"Org {i}", type="department")
            pid, ppath = parent if parent else (None, "/")
            org.parent_id = pid
            org.path = ""
            s.add(org)
            s.flush()
            org.path = f"{ppath}{org.id}/"
            ids.append((org.id, org.path))
        now = utcnow()
        rows = [
            {
                "full_name": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]} {n}",
                "email": f"p{n}@b.in",
                "org_id": rng.choice(ids)[0],
                "status": "active",
                "preferred_language": "en",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(people)
        ]
        for k in range(0, people, 10000):
            s.execute(insert(Person), rows[k : k + 10000])
    return factory


def measure(factory: sessionmaker[Session], rounds: int = 200) -> dict[str, float]:
    """Latency of subtree ids, a people page and a people count in a ministry's subtree, and of a national
    organiser's search for one person by a part of the name or of the e-mail."""
    rng = random.Random(11)
    with factory() as s:
        people = s.execute(text("SELECT count(*) FROM people")).scalar_one()
        roots = s.execute(text("SELECT path FROM organisations WHERE depth = 0 OR parent_id IS NULL")).scalars().all()
        out: dict[str, list[float]] = {
            "subtree_ids": [],
            "people_page": [],
            "people_count": [],
            "national_search_name": [],
            "national_search_email": [],
        }
        for i in range(rounds):
            path = roots[i % len(roots)]
            t = time.perf_counter()
            repo.subtree_ids(s, path)
            out["subtree_ids"].append(time.perf_counter() - t)
            t = time.perf_counter()
            repo.search_people(s, paths=[path], q=None, page=1, size=25)
            out["people_page"].append(time.perf_counter() - t)
            t = time.perf_counter()
            repo.count_people(s, [path])
            out["people_count"].append(time.perf_counter() - t)
            n = rng.randrange(people)
            t = time.perf_counter()
            total, _ = repo.search_people(s, paths=None, q=f"{LAST[n % len(LAST)].lower()} {n}", page=1, size=25)
            out["national_search_name"].append(time.perf_counter() - t)
            assert total >= 1
            t = time.perf_counter()
            total, _ = repo.search_people(s, paths=None, q=f"p{n}@", page=1, size=25)
            out["national_search_email"].append(time.perf_counter() - t)
            assert total >= 1
    return {f"{k}_p95_ms": statistics.quantiles(v, n=20)[18] * 1000 for k, v in out.items()}


def main() -> None:
    """Run on SQLite and PostgreSQL and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=10000)
    ap.add_argument("--people", type=int, default=200000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    a = ap.parse_args()
    with throwaway_databases(a.pg) as databases:
        for label, url in databases:
            factory = build(url, a.orgs, a.people)
            if label == "postgresql":
                with factory() as s:
                    s.execute(text("ANALYZE"))
                    s.commit()
            figures = measure(factory)
            print(label, f"orgs={a.orgs} people={a.people}", " ".join(f"{k}={v:.2f}" for k, v in figures.items()))
            factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
