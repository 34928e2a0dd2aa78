"""A full-size synthetic catalogue (about 2,400 courses in 16 languages from 200 providers) for scale tests."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from saptah.catalog.models import Category, Competency, Course, CourseCompetency
from saptah.catalog.schemas import GROUPS, LANGUAGES
from saptah.directory import service as directory
from saptah.directory.models import Organisation, OrgType

TOPICS = [
    "Public Procurement",
    "Noting and Drafting",
    "Financial Rules",
    "Right to Information",
    "Cyber Security",
    "Data Analytics",
    "Project Management",
    "Leadership",
    "Citizen Services",
    "Disaster Preparedness",
    "Public Health",
    "Digital Payments",
    "Climate Action",
    "Ethics in Governance",
    "Negotiation",
    "Team Building",
    "Time Management",
    "Grievance Redressal",
    "e-Office",
    "Spreadsheet Skills",
    "Artificial Intelligence",
    "Gender Sensitisation",
    "Yoga for Well-being",
    "Mental Health",
    "Public Speaking",
    "Policy Analysis",
    "Contract Management",
    "Rural Development",
    "Urban Governance",
    "Agricultural Extension",
]
LEVELS = ["Foundations of", "Introduction to", "Advanced", "Practical", "Essentials of", "Masterclass:", "Applied"]
AUDIENCES = ["for Section Officers", "for Field Staff", "for Managers", "in Ministries", "for New Recruits", ""]
WORDS = [
    "rules",
    "process",
    "citizen",
    "service",
    "delivery",
    "transparency",
    "accountability",
    "budget",
    "audit",
    "file",
    "record",
    "data",
    "report",
    "team",
    "goal",
    "plan",
    "review",
    "risk",
    "safety",
    "health",
    "training",
    "skill",
    "digital",
    "portal",
    "scheme",
    "outcome",
    "quality",
]
PROVIDER_PREFIX = "CP_GEN_"


def ensure_providers(session: Session, count: int) -> list[Organisation]:
    """The reference providers plus generated ones, `count` in all."""
    existing = [o for o in directory.repo.subtree(session, None) if o.type == OrgType.CONTENT_PROVIDER.value]
    parent = directory.repo.get_org_by_code(session, "PROVIDERS")
    n = 1
    while len(existing) < count:
        code = f"{PROVIDER_PREFIX}{n:03d}"
        n += 1
        if directory.repo.get_org_by_code(session, code):
            continue
        org = Organisation(code=code, name_en=f"Learning Partner {n - 1:03d}", type=OrgType.CONTENT_PROVIDER.value)
        existing.append(directory.repo.add_org(session, org, parent))
    return existing[:count]


def generate(
    session: Session,
    rng: random.Random,
    *,
    courses: int = 2400,
    providers: int = 200,
    base_url: str = "http://127.0.0.1:8000",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add generated live courses (codes GEN-00001...) until `courses` exist with that prefix; returns how many."""
    orgs = ensure_providers(session, providers)
    comp_ids = list(session.scalars(select(Competency.id)))
    if not comp_ids:
        raise RuntimeError("load the competency dictionary first")
    have = set(session.scalars(select(Course.code).where(Course.code.like("GEN-%"))))
    langs, cats = list(LANGUAGES), [c.value for c in Category]
    batch: list[dict[str, object]] = []
    links: list[tuple[str, list[int]]] = []
    added = 0
    for i in range(1, courses + 1):
        code = f"GEN-{i:05d}"
        if code in have:
            continue
        batch.append(_row(rng, code, orgs, langs, cats, base_url))
        links.append((code, rng.sample(comp_ids, k=rng.choice((0, 1, 1, 2, 2, 3)))))
        if len(batch) == 500:
            added += _flush(session, batch, links, progress)
            batch, links = [], []
    if batch:
        added += _flush(session, batch, links, progress)
    return added


def _row(
    rng: random.Random, code: str, orgs: list[Organisation], langs: list[str], cats: list[str], base_url: str
) -> dict[str, object]:
    topic = rng.choice(TOPICS)
    title = " ".join(x for x in (rng.choice(LEVELS), topic, rng.choice(AUDIENCES)) if x)
    lang = ["en", *rng.sample(langs[1:], k=rng.choice((0, 1, 1, 2, 3)))]
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
    return {
        "code": code,
        "title_en": f"{title} ({code[4:]})",
        "description": f"{topic}: {words}.",
        "provider_org_id": rng.choice(orgs).id,
        "duration_minutes": rng.choice((15, 20, 30, 45, 60, 75, 90, 120, 180, 240)),
        "category": rng.choices(cats, weights=(70, 8, 8, 4, 5, 5))[0],
        "languages": "|".join(lang),
        "sector": topic,
        "target_groups": "|".join(rng.sample(GROUPS, k=rng.randint(1, 4))),
        "status": "live" if rng.random() < 0.95 else "retired",
        "launch_kind": "external",
        "launch_url": f"https://provider.example/courses/{code}",
        "activity_id": f"{base_url.rstrip('/')}/courses/{code}",
    }


def _flush(
    session: Session,
    batch: list[dict[str, object]],
    links: list[tuple[str, list[int]]],
    progress: Callable[[int], None] | None,
) -> int:
    session.execute(insert(Course), batch)
    ids = dict(session.execute(select(Course.code, Course.id).where(Course.code.in_([c for c, _ in links]))).all())
    rows = [{"course_id": ids[c], "competency_id": k} for c, ks in links for k in ks]
    if rows:
        session.execute(insert(CourseCompetency), rows)
    session.flush()
    if progress:
        progress(len(batch))
    return len(batch)
