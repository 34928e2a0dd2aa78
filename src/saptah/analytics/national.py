"""`saptah demo --scale national`: a dataset shaped like NLW 2024, written through a bulk path.

People, courses, completions, enrolments, event attendance and the campaign engine's raw records go in with
PostgreSQL COPY (plain multi-row INSERTs on SQLite); then the campaign engine's credit rules (the same
`evaluate`/`summarise` as live ingest) builds ledger and aggregates, and `rebuild_course_totals` the analytics
aggregates. So the bulk path ends in the same aggregates as the live path would (tests/analytics/test_national.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from saptah.analytics.bulk import copy_rows, fix_sequence, next_id
from saptah.analytics.bulkcredit import credit_campaign
from saptah.analytics.rebuild import rebuild_course_totals
from saptah.campaigns.repository import RECORD_FIELDS
from saptah.core.timeutil import ist_start

# NLW 2024: 32.6 lakh completions over 19-27 Oct, average 3.5 lakh a day, peak 6.2 lakh on day 6 (24 Oct).
NLW_CURVE = (1.9, 2.6, 3.0, 3.4, 4.6, 6.2, 4.4, 3.1, 3.4)
NLW_START = date(2024, 10, 19)
DURATIONS = ((30, 20), (45, 15), (60, 30), (90, 15), (120, 12), (150, 5), (180, 3))
LANGS = (("en", 50), ("hi|en", 30), ("hi", 8), ("ta|en", 3), ("bn|en", 3), ("mr|en", 3), ("te|en", 3))
GROUPS = (("Group A", 8), ("Group B", 17), ("Group C", 55), ("Group D", 5), ("Contractual Staff", 12), ("Others", 3))
CAMPAIGN = "NLW 2024 (national scale)"
SPREAD = 0.72  # sigma of the lognormal weights that share completions among active people
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Shape:
    """How big the dataset is; `national` is NLW 2024, `scaled(f)` keeps its proportions."""

    people: int = 4_600_000
    orgs: int = 1_000
    courses: int = 2_400
    active: int = 740_000
    completions: int = 3_260_000
    central_webinars: int = 24
    mdo_events: int = 600
    webinar_reach: float = 0.35  # share of active people attending some central webinar

    def scaled(self, f: float) -> Shape:
        """The same shape, f times the people, activity and events (organisations and courses shrink slower)."""
        return replace(
            self,
            people=max(200, int(self.people * f)),
            orgs=max(340, min(self.orgs, int(self.orgs * f**0.3))),
            courses=max(20, int(self.courses * f**0.5)),
            active=max(50, int(self.active * f)),
            completions=max(120, int(self.completions * f)),
            mdo_events=max(5, int(self.mdo_events * f**0.5)),
        )


@dataclass
class Plan:
    """Everything the generator decided, before it is written: arrays, one row per thing."""

    org_ids: np.ndarray  # per person
    person_ids: np.ndarray
    groups: np.ndarray
    course_ids: np.ndarray
    course_minutes: np.ndarray
    completion_person: np.ndarray
    completion_course: np.ndarray
    completion_at: np.ndarray  # epoch seconds, UTC
    events: list[dict[str, Any]]
    attendance: list[tuple[int, int, int, int, bool]]  # (event index, person id, org id, minutes, attended)


# --- the organisation tree ---------------------------------------------------------------------------------------


def grow_orgs(session: Session, rng: np.random.Generator, total: int) -> list[tuple[int, str, int]]:
    """Add field offices under ministries, departments and states until there are `total`; (id, path, weight)."""
    from saptah.directory import repository as orgs_repo
    from saptah.directory import service as directory

    staff = {r["code"]: int(r.get("staff") or 0) for r in directory.reference_orgs()}
    existing = [o for o in orgs_repo.subtree(session, None) if o.type not in ("content_provider", "national")]
    parents = [o for o in existing if o.type in ("ministry", "department", "state", "state_department")]
    n = 0
    while len(existing) < total and parents:
        parent = parents[int(rng.integers(len(parents)))]
        n += 1
        kind = (
            "state_department" if parent.type.startswith("state") else ("attached_office", "subordinate_office")[n % 2]
        )
        org = directory.create_org(
            session,
            code=f"NAT_{n:05d}",
            name_en=f"{parent.name_en[:150]}: Field Office {n}",
            type=kind,
            parent_code=parent.code,
        )
        existing.append(org)
    # sizes: the reference staff counts, and a heavy-tailed spread for field offices (a few very large)
    sizes = [staff.get(o.code) or float(rng.lognormal(np.log(1500), 1.4)) for o in existing]
    return [(o.id, o.path, int(max(1.0, s))) for o, s in zip(existing, sizes, strict=True)]


# --- the plan ----------------------------------------------------------------------------------------------------


def _weighted(rng: np.random.Generator, pairs: Sequence[tuple[Any, int]], n: int) -> np.ndarray:
    values = np.array([p[0] for p in pairs], dtype=object)
    w = np.array([p[1] for p in pairs], dtype=float)
    return values[rng.choice(len(values), size=n, p=w / w.sum())]


def plan_people(rng: np.random.Generator, orgs: Sequence[tuple[int, str, int]], n: int, first_id: int) -> Any:
    """Organisation and group of each person, proportional to organisation sizes."""
    w = np.array([o[2] for o in orgs], dtype=float)
    idx = rng.choice(len(orgs), size=n, p=w / w.sum())
    org_ids = np.array([o[0] for o in orgs], dtype=np.int64)[idx]
    return np.arange(first_id, first_id + n, dtype=np.int64), org_ids, _weighted(rng, GROUPS, n)


def plan_completions(
    rng: np.random.Generator, person_ids: np.ndarray, course_ids: np.ndarray, shape: Shape
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, course, epoch seconds) of every completion: active people, popular courses, the NLW daily curve."""
    active = rng.choice(person_ids, size=min(shape.active, len(person_ids)), replace=False)
    extra = max(0, shape.completions - len(active))
    # how unevenly completions spread over active people: 0.72 gives the report's 4.2 lakh+ reaching 4 hours
    # (0.9 gave 3.88 lakh: too many completions went to the keenest few)
    counts = 1 + rng.multinomial(extra, _normalised(rng.lognormal(0.0, SPREAD, len(active))))
    counts = np.minimum(counts, len(course_ids))
    people = np.repeat(active, counts)
    popularity = _normalised(1.0 / np.arange(1, len(course_ids) + 1) ** 0.9)
    courses = course_ids[rng.choice(len(course_ids), size=len(people), p=popularity)]
    for _ in range(50):  # once per person and course: redraw duplicates
        key = people * (int(course_ids.max()) + 1) + courses
        _, first = np.unique(key, return_index=True)
        dup = np.ones(len(key), dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        courses[dup] = course_ids[rng.integers(0, len(course_ids), int(dup.sum()))]
    curve = np.array(NLW_CURVE) / sum(NLW_CURVE)
    per_day = np.floor(curve * len(people)).astype(int)
    per_day[5] += len(people) - per_day.sum()  # rounding goes to the peak day
    days = rng.permutation(np.repeat(np.arange(len(NLW_CURVE)), per_day))
    base = int(ist_start(NLW_START).timestamp())
    seconds = base + days * 86400 + rng.integers(8 * 3600, 22 * 3600, len(people))
    return people, courses, seconds


def _normalised(w: np.ndarray) -> np.ndarray:
    return np.asarray(w / w.sum(), dtype=float)


def plan_events(
    rng: np.random.Generator,
    shape: Shape,
    people: np.ndarray,
    orgs_of: np.ndarray,
    active: np.ndarray,
    ministries: Sequence[tuple[int, str]],
    paths: dict[int, str],
) -> tuple[list[dict[str, Any]], list[tuple[int, int, int, int, bool]]]:
    """24 central webinars reaching a share of the active people, and MDO webinars and Samuhik Charchas."""
    events: list[dict[str, Any]] = []
    attendance: list[tuple[int, int, int, int, bool]] = []
    org_of = dict(zip(people.tolist(), orgs_of.tolist(), strict=True))
    reach = rng.choice(active, size=int(len(active) * shape.webinar_reach), replace=False)
    per_event = np.array_split(rng.permutation(np.repeat(reach, 2)), shape.central_webinars)
    for i in range(shape.central_webinars):
        day = i * len(NLW_CURVE) // shape.central_webinars
        events.append(
            {
                "kind": "central_webinar",
                "title": f"Central webinar {i + 1}",
                "day": day,
                "hour": 11 + i % 3 * 2,
                "minutes": 60,
                "org": None,
            }
        )
        for pid in np.unique(per_event[i]).tolist():
            m = int(rng.integers(5, 61))
            attendance.append((len(events) - 1, pid, org_of[pid], m, m > 30))
    for i in range(shape.mdo_events):
        ministry_id, path = ministries[int(rng.integers(len(ministries)))]
        kind = "samuhik_charcha" if i % 12 == 0 else "mdo_webinar"
        events.append(
            {
                "kind": kind,
                "title": f"{'Samuhik Charcha' if kind == 'samuhik_charcha' else 'MDO webinar'} {i + 1}",
                "day": int(rng.integers(len(NLW_CURVE))),
                "hour": 15,
                "minutes": 45,
                "org": ministry_id,
            }
        )
        inside = [
            p for p in rng.choice(active, size=min(len(active), 400)).tolist() if paths[org_of[p]].startswith(path)
        ][: int(rng.integers(20, 200))]
        for pid in set(inside):
            m = int(rng.integers(5, 46))
            attendance.append((len(events) - 1, pid, org_of[pid], m, m > 22))
    return events, attendance


# --- writing the plan --------------------------------------------------------------------------------------------


def _names() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("saptah.directory").joinpath("data/names.json").read_text("utf-8")
    )
    return data


def write_people(
    session: Session,
    rng: np.random.Generator,
    ids: np.ndarray,
    orgs: np.ndarray,
    groups: np.ndarray,
    progress: Progress,
) -> int:
    """COPY the people (plausible names; e-mails unique by id)."""
    n = _names()
    first = np.array(n["first_names_male"] + n["first_names_female"], dtype=object)
    last = np.array(n["surnames"], dtype=object)
    fi = rng.integers(0, len(first), len(ids))
    li = rng.integers(0, len(last), len(ids))
    now = datetime.now(UTC)

    def rows() -> Iterable[tuple[Any, ...]]:
        for i, (pid, org, grp) in enumerate(zip(ids.tolist(), orgs.tolist(), groups.tolist(), strict=True)):
            if i % 200_000 == 0:
                progress("people", i)
            yield (
                pid,
                f"{first[fi[i]]} {last[li[i]]}",
                f"p{pid}@nat.saptah.gov.in",
                grp,
                org,
                "en",
                "active",
                now,
                now,
            )

    cols = ("id", "full_name", "email", "group", "org_id", "preferred_language", "status", "created_at", "updated_at")
    done = copy_rows(session, "people", cols, rows())
    fix_sequence(session, "people")
    return done


def write_courses(session: Session, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """COPY the courses with durations, languages, providers and one or two competencies each."""
    from saptah.catalog.tasks import load_competencies
    from saptah.directory import repository as orgs_repo

    load_competencies(session)
    comp_ids = [int(c) for c in session.execute(text("SELECT id FROM competencies ORDER BY id")).scalars()]
    providers = [o.id for o in orgs_repo.subtree(session, None) if o.type == "content_provider"]
    first = next_id(session, "courses")
    ids = np.arange(first, first + count, dtype=np.int64)
    minutes = _weighted(rng, DURATIONS, count).astype(np.int64)
    langs = _weighted(rng, LANGS, count)
    now = datetime.now(UTC)
    rows = [
        (
            cid,
            f"NAT-{cid}",
            f"National course {cid}",
            int(providers[i % len(providers)]),
            int(minutes[i]),
            "Course",
            langs[i],
            "live",
            "native",
            f"https://saptah.example/xapi/activities/course/NAT-{cid}",
            now,
            now,
        )
        for i, cid in enumerate(ids.tolist())
    ]
    cols = (
        "id",
        "code",
        "title_en",
        "provider_org_id",
        "duration_minutes",
        "category",
        "languages",
        "status",
        "launch_kind",
        "activity_id",
        "created_at",
        "updated_at",
    )
    copy_rows(session, "courses", cols, rows)
    fix_sequence(session, "courses")
    links = {(cid, comp_ids[int(rng.integers(len(comp_ids)))]) for cid in ids.tolist() for _ in range(1 + cid % 2)}
    copy_rows(session, "course_competencies", ("course_id", "competency_id"), sorted(links))
    return ids, minutes


def write_completions(session: Session, plan: Plan, progress: Progress) -> int:
    """COPY completions, their enrolments and the campaign engine's course records (as live ingest stores them)."""
    minutes = dict(zip(plan.course_ids.tolist(), plan.course_minutes.tolist(), strict=True))
    # records are labelled with the course's title, as live ingest labels them (saptah check compares the two)
    titles = {int(cid): str(title) for cid, title in session.execute(text("SELECT id, title_en FROM courses"))}
    now = datetime.now(UTC)
    triples = list(
        zip(plan.completion_person.tolist(), plan.completion_course.tolist(), plan.completion_at.tolist(), strict=True)
    )
    stamps = [datetime.fromtimestamp(s, UTC) for _p, _c, s in triples]
    copy_rows(
        session,
        "course_completions",
        ("person_id", "course_id", "completed_at", "source", "assessment_passed", "recorded_at"),
        ((p, c, at, "bulk", False, now) for (p, c, _s), at in zip(triples, stamps, strict=True)),
    )
    progress("completions", len(triples))
    copy_rows(
        session,
        "enrolments",
        ("person_id", "course_id", "enrolled_at", "progress_percent", "seconds_in_use"),
        ((p, c, at, 100, 0) for (p, c, _s), at in zip(triples, stamps, strict=True)),
    )
    cols = (*RECORD_FIELDS, "received_at")
    return copy_rows(
        session,
        "campaign_records",
        cols,
        (
            (f"course:{p}:{c}", p, "course", at, c, minutes[c], 0, True, True, None, titles[c], now)
            for (p, c, _s), at in zip(triples, stamps, strict=True)
        ),
    )


def create_events(session: Session, plan: Plan, organiser: int) -> list[tuple[int, datetime, int, str]]:
    """The planned events (finalised); returns (id, start, organiser, credit kind) per planned event."""
    from saptah.events.models import Event

    base = ist_start(NLW_START)
    ids = []
    for e in plan.events:
        start = base + timedelta(days=e["day"], hours=e["hour"])
        row = Event(
            kind=e["kind"],
            title_en=e["title"],
            theme="Governance",
            organiser_org_id=e["org"] or organiser,
            starts_at=start,
            duration_minutes=e["minutes"],
            mode="online",
            competencies=["BEH-SELF"],
            finalised_at=start + timedelta(minutes=e["minutes"] + 10),
        )
        session.add(row)
        session.flush()
        ids.append((row.id, row.starts_at, row.organiser_org_id, "webinar" if e["org"] is None else "mdo_event"))
    return ids


def write_attendance(session: Session, plan: Plan, ids: Sequence[tuple[int, datetime, int, str]]) -> int:
    """COPY attendance (imported, published) and the campaign engine's event records."""
    now = datetime.now(UTC)
    att = plan.attendance
    copy_rows(
        session,
        "event_attendance",
        (
            "event_id",
            "person_id",
            "org_id",
            "closed_seconds",
            "last_minute",
            "tabs",
            "pings",
            "imported_minutes",
            "source",
            "minutes",
            "attended",
            "published_minutes",
            "published_attended",
            "updated_at",
        ),
        ((ids[e][0], p, o, 0, -1, "{}", 0, m, "report", m, a, m, a, now) for e, p, o, m, a in att),
    )
    cols = (*RECORD_FIELDS, "received_at")
    return copy_rows(
        session,
        "campaign_records",
        cols,
        (
            (
                f"event:{p}:{ids[e][0]}",
                p,
                ids[e][3],
                ids[e][1],
                ids[e][0],
                m,
                0,
                True,
                a,
                ids[e][2],
                plan.events[e]["title"],
                now,
            )
            for e, p, _o, m, a in att
        ),
    )


def write_passports(session: Session, ids: Sequence[tuple[int, datetime, int, str]]) -> int:
    """Every completion's and attendance's competencies as passport evidence, set-based (one INSERT ... SELECT for
    the completions, one per event), then everyone's levels in one statement, and the demo ministry's role needs.

    Evidence is what `passport.ingest` would store live: each competency at the course's declared level (the
    dataset has no assessment scores to raise it), and an attended event's competencies at the events' level.
    """
    from saptah.passport import service as passport
    from saptah.passport.demo import seed_needs
    from saptah.passport.levels import EVENT_LEVEL

    session.execute(
        text(
            "INSERT INTO passport_evidence (person_id, competency_id, source_key, kind, object_id, title, level, "
            "score, earned_at) "
            "SELECT cc.person_id, k.competency_id, 'course:' || CAST(cc.course_id AS VARCHAR), "
            "CASE WHEN cc.assessment_passed THEN 'assessment' ELSE 'course' END, cc.course_id, c.title_en, "
            "k.level, NULL, cc.completed_at "
            "FROM course_completions cc JOIN course_competencies k ON k.course_id = cc.course_id "
            "JOIN courses c ON c.id = cc.course_id"
        )
    )
    codes = {str(code): int(cid) for cid, code in session.execute(text("SELECT id, code FROM competencies"))}
    events = session.execute(text("SELECT id, title_en, competencies FROM events")).all()
    wanted = {e for e, _at, _org, _kind in ids}
    for event_id, title, tags in events:
        if event_id not in wanted:
            continue
        for code in dict.fromkeys(tags if isinstance(tags, list) else json.loads(tags or "[]")):
            if code not in codes:
                continue
            session.execute(
                text(
                    "INSERT INTO passport_evidence (person_id, competency_id, source_key, kind, object_id, title, "
                    "level, score, earned_at) "
                    "SELECT a.person_id, :comp, :key, 'event', a.event_id, :title, :level, NULL, e.starts_at "
                    "FROM event_attendance a JOIN events e ON e.id = a.event_id "
                    "WHERE a.event_id = :event AND a.published_attended AND a.published_minutes >= 0"
                ),
                {"comp": codes[code], "key": f"event:{event_id}", "title": title, "level": EVENT_LEVEL,
                 "event": event_id},
            )  # fmt: skip
    passport.rebuild_all_levels(session)
    seed_needs(session)
    return int(session.scalar(text("SELECT count(*) FROM passport_evidence")) or 0)


# --- the whole build ---------------------------------------------------------------------------------------------


def make_plan(session: Session, rng: np.random.Generator, shape: Shape, progress: Progress) -> Plan:
    """Grow the tree, write people and courses, and decide completions and events."""
    orgs = grow_orgs(session, rng, shape.orgs)
    progress("organisations", len(orgs))
    ids, org_ids, groups = plan_people(rng, orgs, shape.people, next_id(session, "people"))
    write_people(session, rng, ids, org_ids, groups, progress)
    course_ids, minutes = write_courses(session, rng, shape.courses)
    progress("courses", len(course_ids))
    cp, cc, ca = plan_completions(rng, ids, course_ids, shape)
    paths = {o[0]: o[1] for o in orgs}
    ministries = [(o[0], o[1]) for o in orgs if o[1].count("/") <= 3]
    events, attendance = plan_events(rng, shape, ids, org_ids, np.unique(cp), ministries, paths)
    return Plan(org_ids, ids, groups, course_ids, minutes, cp, cc, ca, events, attendance)


def build(factory: Any, *, shape: Shape, seed: int = 2024, progress: Progress | None = None) -> dict[str, Any]:
    """Build the whole dataset into an empty database, one transaction per step; returns what it made."""
    import random

    from saptah.campaigns import service as campaigns
    from saptah.campaigns.schemas import CampaignCreate
    from saptah.core.db import unit_of_work
    from saptah.directory import service as directory
    from saptah.directory import tasks as directory_tasks

    say = progress or (lambda _step, _n: None)
    rng = np.random.default_rng(seed)
    with unit_of_work(factory) as session:
        if (session.scalar(select(func.count()).select_from(text("people"))) or 0) > 100:
            from saptah.core.errors import Conflict

            raise Conflict("The national dataset is built into an empty database; this one already has people.")
        directory_tasks.seed_demo(session, random.Random(seed), people=0, progress=lambda n: None)
    with unit_of_work(factory) as session:
        plan = make_plan(session, rng, shape, say)
    with unit_of_work(factory) as session:
        records = write_completions(session, plan, say)
        ids = create_events(session, plan, directory.org_by_code(session, "DOPT").id)
        records += write_attendance(session, plan, ids)
        say("records", records)
    with unit_of_work(factory) as session:
        say("passport evidence", write_passports(session, ids))
    with unit_of_work(factory) as session:
        camp = campaigns.create(
            session,
            actor_id=None,
            data=CampaignCreate(
                name=CAMPAIGN, starts_on=NLW_START, ends_on=NLW_START + timedelta(days=len(NLW_CURVE) - 1)
            ),
        )
        campaign_id = camp.id
    with unit_of_work(factory) as session:
        result = credit_campaign(session, campaign_id, progress=lambda n: say("credited records", n))
    with unit_of_work(factory) as session:
        say("course aggregates", rebuild_course_totals(session))
    with unit_of_work(factory) as session:
        if session.get_bind().dialect.name == "postgresql":
            # Planner statistics for the millions of rows just loaded. Until autovacuum gets to them the planner
            # takes the new tables for nearly empty: the gaps dashboard ran 428 ms (a nested loop over 728
            # organisations) instead of 4 ms after ANALYZE.
            session.execute(text("ANALYZE"))
            say("planner statistics", 1)
    return {
        "campaign_id": campaign_id,
        "registered": shape.people,
        "completions": len(plan.completion_person),
        "attendance": len(plan.attendance),
        **result,
    }
