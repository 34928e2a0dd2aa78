"""Catalogue search on the full-size catalogue: prints p50/p95 of a search page (count + rows) on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/catalog_search.py [--courses 2400] [--providers 200] [--rounds 300] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from common import throwaway_databases
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from saptah.catalog import generator
from saptah.catalog import repository as repo
from saptah.catalog.repository import CourseFilter
from saptah.catalog.schemas import LANGUAGES
from saptah.catalog.tasks import load_reference_catalogue
from saptah.core.db import make_engine, unit_of_work
from saptah.core.migrate import upgrade
from saptah.directory.service import load_reference_orgs

QUERIES = ["procurement", "cyber", "yoga", "manag", "data analytics", "leadership skills", "public health", "office"]


def build(url: str, courses: int, providers: int) -> sessionmaker[Session]:
    """The reference organisations and catalogue plus `courses` generated courses."""
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url))
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
        load_reference_catalogue(s, base_url="http://bench")
        generator.generate(s, random.Random(2024), courses=courses, providers=providers, base_url="http://bench")
    return factory


def filters(s: Session, rng: random.Random) -> list[CourseFilter]:
    """A mix a learner would type: words alone, words with filters, filters alone."""
    comps = [c.id for c in repo.competencies(s)]
    provs = [r[0] for r in s.execute(text("SELECT DISTINCT provider_org_id FROM courses")).all()]
    out = []
    for i in range(60):
        q = rng.choice(QUERIES)
        kind = i % 5
        out.append(
            CourseFilter(
                q=q if kind != 4 else None,
                competency_id=rng.choice(comps) if kind in (1, 4) else None,
                provider_org_id=rng.choice(provs) if kind == 2 else None,
                language=rng.choice(list(LANGUAGES)) if kind in (3, 4) else None,
                max_minutes=rng.choice((30, 60, 120)) if kind == 3 else None,
            )
        )
    return out


def measure(factory: sessionmaker[Session], rounds: int) -> dict[str, float]:
    """Latency of one search page (the count and 20 rows), as the /courses page runs it."""
    rng = random.Random(1)
    with factory() as s:
        fs = filters(s, rng)
        for f in fs[:10]:  # warm the caches as a running server would have them
            repo.search_courses(s, f, page=1, size=20)
        times, hits = [], []
        for i in range(rounds):
            f = fs[i % len(fs)]
            t = time.perf_counter()
            total, _rows = repo.search_courses(s, f, page=1 + (i % 3), size=20)
            times.append(time.perf_counter() - t)
            hits.append(total)
        n = s.scalar(text("SELECT count(*) FROM courses"))
    q = statistics.quantiles(times, n=20)
    return {
        "courses": float(n or 0),
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": q[18] * 1000,
        "max_ms": max(times) * 1000,
        "median_hits": statistics.median(hits),
    }


def main() -> None:
    """Run on SQLite and PostgreSQL and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--courses", type=int, default=2400)
    ap.add_argument("--providers", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    a = ap.parse_args()
    with throwaway_databases(a.pg) as databases:
        for label, url in databases:
            factory = build(url, a.courses, a.providers)
            with factory() as s:
                s.execute(text("ANALYZE"))
                s.commit()
            fig = measure(factory, a.rounds)
            print(
                f"{label}: courses={int(fig['courses'])} providers={a.providers} rounds={a.rounds} "
                f"p50={fig['p50_ms']:.2f} ms p95={fig['p95_ms']:.2f} ms max={fig['max_ms']:.2f} ms "
                f"(median matches {fig['median_hits']:.0f})"
            )
            factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
