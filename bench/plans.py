"""Learning plans at national scale on PostgreSQL: My learning p50/p95 and a 50,000-person compliance export.

A national plan (the 14-10-2024 pattern: one course plus 'any one of three') covers everyone; a ministry plan (the
05-08-2024 pattern: four courses) covers MoHFW and everything under it. People are bulk-inserted with COPY; about
40 % of them have completed something. Prints the figures.

Usage: .venv/bin/python bench/plans.py [--people 4600000] [--ministry 50000] [--rounds 300] [--pg URL] [--keep]
       .venv/bin/python bench/plans.py --reuse saptah_bench_plans_xxxxxx   (measure a kept database again)
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from saptah.catalog import repository as catalog_repo
from saptah.catalog.tasks import load_reference_catalogue
from saptah.core.db import make_engine, unit_of_work
from saptah.core.exports import to_csv, to_xlsx
from saptah.core.migrate import upgrade
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.plans import service, status
from saptah.plans.schemas import ItemIn, PlanIn
from saptah.plans.views import APAR_HEADER, export_rows

GROUPS = ["Group A", "Group B", "Group C", "Group C", "Group C", "Group D", "Contractual Staff"]
TODAY = date(2024, 10, 28)


def copy_people(factory: sessionmaker[Session], org_ids: list[int], count: int, start: int, rng: random.Random) -> None:
    """COPY `count` people spread over the organisations (fast: no ORM)."""
    now = datetime.now(UTC).isoformat()
    with factory() as s:
        raw = s.connection().connection.driver_connection
        batch = 200_000
        done = 0
        while done < count:
            n = min(batch, count - done)
            buf = io.StringIO()
            for i in range(start + done, start + done + n):
                org = org_ids[i % len(org_ids)] if rng.random() < 0.5 else rng.choice(org_ids)
                joined = date(1990, 1, 1) + timedelta(days=rng.randint(0, 12600))
                buf.write(
                    f"Person {i}\tp{i}@bench.gov.in\t{rng.choice(GROUPS)}\tSection Officer\tE{i}\t{org}\tactive\t"
                    f"{joined}\ten\t{now}\t{now}\n"
                )
            buf.seek(0)
            with (
                raw.cursor() as cur,
                cur.copy(
                    'COPY people (full_name, email, "group", designation, employee_id, org_id, status, joined_on,'
                    " preferred_language, created_at, updated_at) FROM STDIN"
                ) as cp,
            ):
                cp.write(buf.getvalue())
            raw.commit()
            done += n
            print(f"  people: {start + done:,}", flush=True)


def copy_completions(factory: sessionmaker[Session], course_ids: list[int], share: float) -> None:
    """Completions for a share of everyone, spread over the plan courses, in one INSERT ... SELECT."""
    with unit_of_work(factory) as s:
        for n, cid in enumerate(course_ids):
            s.execute(
                text(
                    "INSERT INTO course_completions (person_id, course_id, completed_at, source, assessment_passed,"
                    " recorded_at) SELECT id, :c, :at, 'bulk', false, now() FROM people"
                    " WHERE (id::bigint * 7919 + :n) % 1000 < :cut"
                ),
                {"c": cid, "at": datetime(2024, 10, 20 + n % 8, 6, tzinfo=UTC), "n": n, "cut": int(share * 1000)},
            )


def build(url: str, people: int, ministry: int, rng: random.Random) -> tuple[sessionmaker[Session], dict[str, int]]:
    """Schema, reference data, plans and people."""
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    ids: dict[str, int] = {}
    with unit_of_work(factory) as s:
        directory.load_reference_orgs(s)
        load_reference_catalogue(s, base_url="http://bench")
        gov = directory.org_by_code(s, "DOPT")
        organiser = directory.create_person(s, full_name="Bench Organiser", email="org@bench.gov.in", org=gov)
        directory.grant_role(s, actor=None, person=organiser, role=Role.NATIONAL_ORGANISER, org=None)
        mohfw = directory.org_by_code(s, "MOHFW")
        admin = directory.create_person(s, full_name="Bench Admin", email="adm@bench.gov.in", org=mohfw)
        directory.grant_role(s, actor=None, person=admin, role=Role.MDO_LEADER, org=mohfw)
        ids |= {"organiser": organiser.id, "admin": admin.id}
    with unit_of_work(factory) as s:
        ids["national"] = _plan(
            s,
            ids["organiser"],
            None,
            [["MOHFW-KNOW-MINISTRY"], ["KB-VIKSIT-2047", "IKR-JAN-BHAGIDARI", "TAO-KARMAYOGI-WAY"]],
        )
        ids["ministry"] = _plan(
            s,
            ids["admin"],
            "MOHFW",
            [["KB-VIKSIT-2047"], ["IKR-JAN-BHAGIDARI"], ["TAO-KARMAYOGI-WAY"], ["KB-EMERGING-TECH"]],
        )
        mohfw_ids = directory.repo.subtree_ids(s, directory.org_by_code(s, "MOHFW").path)
        others = [
            o.id for o in directory.repo.subtree(s, None) if o.id not in mohfw_ids and o.type != "content_provider"
        ]
        codes = ["MOHFW-KNOW-MINISTRY", "KB-VIKSIT-2047", "IKR-JAN-BHAGIDARI", "TAO-KARMAYOGI-WAY", "KB-EMERGING-TECH"]
        course_ids = [catalog_repo.course_by_code(s, c).id for c in codes]  # type: ignore[union-attr]
    t = time.perf_counter()
    copy_people(factory, mohfw_ids, ministry, 0, rng)
    copy_people(factory, others, max(0, people - ministry), ministry, rng)
    copy_completions(factory, course_ids, 0.4)
    with factory() as s:
        s.execute(text("ANALYZE"))
        s.commit()
    print(f"built {people:,} people ({ministry:,} in MoHFW) in {time.perf_counter() - t:.0f} s", flush=True)
    return factory, ids


def _plan(s: Session, author_id: int, owner: str | None, items: list[list[str]]) -> int:
    who = directory.load_principal(s, author_id)
    plan = service.create_plan(s, who, PlanIn(title=f"Bench plan {owner or 'national'}", owner_org_code=owner))
    for codes in items:
        service.add_item(s, who, plan, ItemIn(course_codes=codes, choose_k=1, deadline_date=date(2024, 10, 27)))
    service.publish(s, who, plan, today=date(2024, 10, 14))
    return plan.id


def bench_my_learning(
    factory: sessionmaker[Session], people: int, ministry: int, rounds: int, rng: random.Random
) -> None:
    """My learning for random people: ministry staff see both plans, everyone else the national one."""
    with factory() as s:
        lo, hi = s.execute(text("SELECT min(id), max(id) FROM people")).one()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for label, pick in (
        ("MoHFW staff (national + ministry plan, 6 items)", lambda: lo + rng.randrange(ministry)),
        ("anyone (national plan, 2 items)", lambda: rng.randint(lo, hi)),
    ):
        times = []
        for _ in range(rounds):
            pid = pick()
            with factory() as s:
                t = time.perf_counter()
                rows = status.my_learning(s, pid, today=TODAY)
                times.append((time.perf_counter() - t) * 1000)
        q = statistics.quantiles(times, n=20)
        print(
            f"My learning, {label}: p50 {statistics.median(times):.1f} ms, p95 {q[18]:.1f} ms ({len(rows)} rows last)"
        )


def bench_export(factory: sessionmaker[Session], plan_id: int, admin_id: int, rounds: int = 3) -> None:
    """The APAR export of the ministry plan for its MDO leader, built exactly as the export route builds it
    (one streamed query), as CSV and as XLSX; then the per-organisation summary."""
    with factory() as s:
        plan = service.repo.get_plan(s, plan_id)
        assert plan is not None
        paths = directory.admin_paths(directory.load_principal(s, admin_id))
    for fmt, write in (("CSV", partial(to_csv, cells_safe=True)), ("XLSX", to_xlsx)):
        walls, cpus, body = [], [], b""
        for _ in range(rounds):
            load = os.getloadavg()[0]
            with factory() as s:
                plan = service.repo.get_plan(s, plan_id)
                assert plan is not None
                t, cpu = time.perf_counter(), time.process_time()
                body = write(APAR_HEADER, export_rows(s, plan, paths, today=TODAY))
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - cpu)
        if fmt == "CSV":
            rows = body.count(b"\n") - 1
            people = len({line.split(b",")[3] for line in body.split(b"\n")[1:] if line})
            print(f"Compliance export: {rows:,} rows ({people:,} people x 4 items)")
        print(
            f"  {fmt}, {len(body) / 1e6:.1f} MB: wall p50 {statistics.median(walls):.2f} s, max {max(walls):.2f} s; "
            f"app CPU p50 {statistics.median(cpus):.2f} s (load average {load:.1f} on {os.cpu_count()} cores)",
            flush=True,
        )
    with factory() as s:
        plan = service.repo.get_plan(s, plan_id)
        assert plan is not None
        t = time.perf_counter()
        total, _ = status.summary(s, plan, paths, today=TODAY)
        took = time.perf_counter() - t
        print(f"Compliance summary: {total.people:,} people, {total.pct_complete}% complete in {took:.2f} s")


def existing(url: str) -> tuple[sessionmaker[Session], dict[str, int]]:
    """A database an earlier run kept (--keep): its factory and the ids the measurements need."""
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with factory() as s:
        q = "SELECT id FROM people WHERE email = :e"
        ids = {
            "organiser": s.execute(text(q), {"e": "org@bench.gov.in"}).scalar_one(),
            "admin": s.execute(text(q), {"e": "adm@bench.gov.in"}).scalar_one(),
            "ministry": s.execute(text("SELECT id FROM plans WHERE owner_org_id IS NOT NULL")).scalar_one(),
        }
    return factory, ids


def main() -> None:
    """Build, then measure."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=4_600_000)
    ap.add_argument("--ministry", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--keep", action="store_true", help="keep the bench database")
    ap.add_argument("--reuse", metavar="DATABASE", help="measure a database an earlier --keep run built")
    args = ap.parse_args()
    rng = random.Random(2024)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{when}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    base = args.pg.rsplit("/", 1)[0]
    if args.reuse:
        factory, ids = existing(f"{base}/{args.reuse}")
        with factory() as s:
            people = s.execute(text("SELECT count(*) FROM people")).scalar_one()
        print(f"reusing {args.reuse}: {people:,} people", flush=True)
        bench_my_learning(factory, people, args.ministry, args.rounds, rng)
        bench_export(factory, ids["ministry"], ids["admin"])
        return
    name = f"saptah_bench_plans_{uuid.uuid4().hex[:6]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    try:
        factory, ids = build(url, args.people, args.ministry, rng)
        bench_my_learning(factory, args.people, args.ministry, args.rounds, rng)
        bench_export(factory, ids["ministry"], ids["admin"])
    finally:
        if args.keep:
            print(f"kept: --reuse {name}")
        else:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
