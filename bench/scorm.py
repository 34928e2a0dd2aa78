"""SCORM: how long a package takes to check and store, and how fast the run-time's commits are, on SQLite and
PostgreSQL. Prints the upload time of a package of many files and the p50/p95 of a commit (CMI data checked,
session time credited, attempt stored, statements written to the LRS on the changes that make them).

Usage: .venv/bin/python bench/scorm.py [--files 300] [--learners 40] [--commits 10] [--pg URL]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import time
import zipfile
from datetime import timedelta

from common import throwaway_databases
from sqlalchemy.orm import Session, sessionmaker

from saptah.catalog import scorm as catalog_scorm
from saptah.catalog.tasks import load_competencies
from saptah.catalog.time_on_task import TimeRules
from saptah.core.db import make_engine, unit_of_work, utcnow
from saptah.core.migrate import upgrade
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.directory.service import load_principal, load_reference_orgs
from saptah.lrs import scorm
from saptah.lrs.scorm_cmi import hhmmss
from saptah.wiring import wire

MANIFEST = """<?xml version="1.0"?>
<manifest identifier="bench" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
 xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
 <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
 <organizations default="o"><organization identifier="o"><title>Bench</title>
 <item identifier="i1" identifierref="r1"><title>Lesson</title><adlcp:masteryscore>60</adlcp:masteryscore></item>
 </organization></organizations>
 <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
</manifest>"""


def package(files: int) -> bytes:
    """A SCORM 1.2 package with `files` assets of 32 KB each (about half of them compressible text)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", MANIFEST)
        z.writestr("index.html", "<!doctype html><title>x</title><p>lesson</p>")
        for n in range(files):
            body = (f"/* asset {n} */ var a{n} = 1;\n" * 1200)[:32768] if n % 2 else random.Random(n).randbytes(32768)
            z.writestr(f"assets/{n // 50}/file{n}.{'js' if n % 2 else 'bin'}", body)
    return out.getvalue()


def setup(url: str, learners: int) -> tuple[sessionmaker[Session], int, list[int]]:
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url))
    with unit_of_work(factory) as s:
        load_reference_orgs(s)
        load_competencies(s)
        provider_org = directory.org_by_code(s, "CP_KB")
        provider = directory.create_person(s, full_name="Bench Provider", email="p@bench.gov.in", org=provider_org)
        directory.grant_role(s, actor=None, person=provider, role=Role.CONTENT_PROVIDER, org=provider_org)
        home = directory.org_by_code(s, "MOHFW")
        people = [
            directory.create_person(s, full_name=f"Learner {n}", email=f"l{n}@bench.gov.in", org=home).id
            for n in range(learners)
        ]
        return factory, provider.id, people


def run(name: str, url: str, args: argparse.Namespace) -> None:
    factory, provider_id, people = setup(url, args.learners)
    data = package(args.files)
    form = catalog_scorm.CourseForm(code="BENCH-SCORM", duration_minutes=5, competency_codes=("BEH-SELF",))
    start = time.perf_counter()
    with unit_of_work(factory) as s:
        principal = load_principal(s, provider_id)
        course = catalog_scorm.upload_course(
            s, principal=principal, data=data, form=form, base_url="http://bench", max_bytes=500 * 1024 * 1024
        )
        course.status = "live"
        package_row = catalog_scorm.packages_of(s, course.id)[0]
        package_id = package_row.id
    upload = time.perf_counter() - start
    print(f"{name}: upload of a {len(data) / 1e6:.1f} MB package ({args.files + 2} files) checked and stored "
          f"in {upload:.2f} s")  # fmt: skip
    rules = TimeRules(module_share=0.5)
    timings: list[float] = []
    statements = 0
    for person in people:
        launched = utcnow() - timedelta(minutes=30)
        with unit_of_work(factory) as s:
            row = catalog_scorm.package(s, package_id)
            attempt_id = scorm.launch(s, base_url="http://bench", person_id=person, person_name="L",
                                      package_row=row, sco_id="i1", now=launched).attempt.id  # fmt: skip
        for k in range(1, args.commits + 1):
            last = k == args.commits
            cmi = {"core": {"lesson_status": "passed" if last else "incomplete", "lesson_location": f"p{k}",
                            "session_time": hhmmss(60 * k), "score": {"raw": "80" if last else ""},
                            "exit": "" if last else "suspend"}, "suspend_data": "x" * 2000}  # fmt: skip
            raw = json.dumps({"cmi": cmi}).encode()
            t0 = time.perf_counter()
            with unit_of_work(factory) as s:
                done = scorm.commit(s, base_url="http://bench", person_id=person, attempt_id=attempt_id, raw=raw,
                                    terminate=last, rules=rules)  # fmt: skip
            timings.append(time.perf_counter() - t0)
            statements += 3 if last else 0
        assert done.complete, "the last commit completes the course"
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{name}: {len(timings)} commits ({len(people)} learners x {args.commits}, the last completing the course "
          f"with {statements // len(people)} statements and the course completion): p50 "
          f"{statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
          f"{len(timings) / sum(timings):.0f} commits/s in one process")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--learners", type=int, default=40)
    ap.add_argument("--commits", type=int, default=10)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    wire()
    with throwaway_databases(args.pg) as dbs:
        for name, url in dbs:
            run(name, url, args)


if __name__ == "__main__":
    main()
