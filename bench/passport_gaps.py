"""The competency passport on the national-shaped dataset: the MDO gaps dashboard, a learner's gaps and
recommendations, and a full rebuild of every passport from the sources.

    createdb -h 127.0.0.1 -U postgres saptah_passport_small
    SAPTAH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/saptah_passport_small \\
        .venv/bin/saptah demo --scale national --people 46000 --no-serve
    .venv/bin/python bench/passport_gaps.py --url postgresql+psycopg://postgres@127.0.0.1:5432/saptah_passport_small

Prints p50/p95 (ms, each call its own transaction, as a request) of the gaps dashboard for the demo ministry
(MoHFW, whose needs the build stores) and for the largest ministry (given the same needs by this bench, once), a
national organiser's whole-country view, a learner's passport page data (holdings, gaps, recommendations),
whether the dashboard's running totals equal a recount from the source, and the time of `saptah passport rebuild`
(both rolled back, so the database stays as built).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from common import timed
from sqlalchemy import func, select, text

from saptah.core.db import make_engine, make_sessionmaker, unit_of_work


def main() -> None:
    """Measure and print."""
    from saptah.directory import service as directory
    from saptah.directory.models import Organisation, Person, Role
    from saptah.directory.schemas import Principal, Scope
    from saptah.passport import ingest, service
    from saptah.passport import repository as repo
    from saptah.passport.demo import seed_needs
    from saptah.passport.models import PassportEvidence, PassportLevel, RoleNeed
    from saptah.wiring import wire

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    wire()
    factory = make_sessionmaker(make_engine(args.url))
    with unit_of_work(factory) as s:
        people = s.scalar(select(func.count()).select_from(Person)) or 0
        evidence = s.scalar(select(func.count()).select_from(PassportEvidence)) or 0
        levels = s.scalar(select(func.count()).select_from(PassportLevel)) or 0
        tops = s.execute(select(Organisation.id, Organisation.code, Organisation.path).where(Organisation.depth == 1))
        size = dict(
            s.execute(
                text(
                    "SELECT t.id, count(p.id) FROM organisations t JOIN organisations o ON o.path LIKE t.path || '%' "
                    "JOIN people p ON p.org_id = o.id WHERE t.depth = 1 GROUP BY t.id"
                )
            ).all()
        )
        tops = list(tops)
        largest = max(tops, key=lambda t: size.get(t.id, 0))
        if not s.scalar(select(func.count()).select_from(RoleNeed).where(RoleNeed.org_id == largest.id)):
            seed_needs(s, largest.code)
        mohfw = directory.org_by_code(s, "MOHFW")
        learner = s.scalar(
            select(Person.id)
            .join(Organisation, Organisation.id == Person.org_id)
            .where(Organisation.path.startswith(mohfw.path), Person.group == "Group B")
            .order_by(Person.id)
            .limit(1)
        )
        root = s.scalar(select(Organisation.id).where(Organisation.code == "GOI"))
    print(
        f"dataset: {people:,} people, {evidence:,} evidence rows, {levels:,} level rows; "
        f"MoHFW {size.get(mohfw.id, 0):,} people; largest ministry {largest.code} {size.get(largest.id, 0):,} people"
    )
    national = Principal(0, root or mohfw.id, "/", "bench organiser", (Scope(Role.NATIONAL_ORGANISER, None, None),))
    rows: list[tuple[str, float, float, str]] = []
    for label, org_id, who in (
        ("gaps dashboard, MoHFW (MDO admin)", mohfw.id, Principal(0, mohfw.id, mohfw.path, "admin",
                                                                  (Scope(Role.MDO_ADMIN, mohfw.id, mohfw.path),))),
        (f"gaps dashboard, {largest.code} (MDO admin)", largest.id, Principal(0, largest.id, largest.path, "admin",
                                                                              (Scope(Role.MDO_ADMIN, largest.id,
                                                                                     largest.path),))),
        ("gaps dashboard, whole country (organiser)", root, national),
    ):  # fmt: skip
        p50, p95, dash = timed(
            factory, lambda s, o=org_id, w=who: service.gap_dashboard(s, principal=w, org_id=o, campaign_id=None),
            args.rounds,
        )  # fmt: skip
        staff = sum(r.staff for r in dash.rows)
        closed = sum(r.closed_in_campaign for r in dash.rows)
        rows.append((label, p50, p95, f"{len(dash.rows)} needs, {staff:,} staff-needs, {closed:,} closed in campaign"))

    def learner_page(s: Any) -> Any:
        person = directory.repo.get_person(s, learner)
        gaps = service.gaps_of(s, person)
        return service.passport(s, person), gaps, service.recommendations(s, person, gaps)

    p50, p95, (held, gaps, recs) = timed(factory, learner_page, args.rounds)
    rows.append(("learner passport page data", p50, p95, f"{len(held)} held, {len(gaps)} gaps, {len(recs)} recs"))
    for label, p50, p95, what in rows:
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({what})")
    with factory() as s:  # the totals the build and live ingest kept, against a recount from the source
        live = repo.all_totals(s)
        service.rebuild_totals(s)
        same = repo.all_totals(s) == live
        s.rollback()
    print(
        f"running totals ({len(live[0]):,} need-organisation rows, {len(live[1]):,} day rows) equal a rebuild: {same}"
    )
    t = time.perf_counter()
    with factory() as s:
        result = ingest.rebuild(s)
        s.rollback()
    print(
        f"passport rebuild from the sources: {time.perf_counter() - t:.1f} s for {result['signals']:,} completions "
        f"and attendances, {result['evidence']:,} evidence rows (rolled back)"
    )


if __name__ == "__main__":
    main()
