"""Courses in and out as CSV or JSON: every row checked, every error reported with its row, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from saptah.catalog import repository as repo
from saptah.catalog.models import Course, CourseModule
from saptah.catalog.schemas import CourseIn
from saptah.core.errors import Forbidden, InvalidInput
from saptah.core.exports import to_csv
from saptah.directory import service as directory
from saptah.directory.models import Organisation, OrgType
from saptah.directory.schemas import Principal

MAX_ROWS = 20000
CSV_COLUMNS = (
    "code",
    "title_en",
    "title_hi",
    "description",
    "provider",
    "duration_minutes",
    "category",
    "languages",
    "competencies",
    "sector",
    "target_groups",
    "status",
    "launch_kind",
    "launch_url",
    "activity_id",
)


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was good (and so was written)."""
        return not self.errors


def parse_file(filename: str, data: bytes) -> tuple[list[dict[str, Any]], int]:
    """Rows from a .csv or .json file and the number of the first row; a clear message for anything else."""
    name = filename.lower()
    if data.startswith(b"%PDF") or data.startswith(b"PK"):
        raise InvalidInput("Upload the courses as a .csv or .json file (this looks like a PDF or a spreadsheet).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text. Save it as CSV UTF-8 or JSON and try again.") from exc
    if name.endswith(".json") or text.lstrip().startswith(("[", "{")):
        return _parse_json(text), 1
    if name.endswith(".csv") or "," in text.partition("\n")[0]:
        return _parse_csv(text), 2  # row 1 is the header, as a spreadsheet numbers it
    raise InvalidInput("Upload the courses as a .csv or .json file.")


def _parse_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            "The JSON file is not valid: {problem} (line {line}).", problem=exc.msg, line=exc.lineno
        ) from exc
    if isinstance(data, dict):
        data = data.get("courses", [data])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InvalidInput("The JSON file must hold a list of course objects.")
    return _limit(data)


def _parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("code", "title_en", "duration_minutes") if c not in header]
    if missing:
        raise InvalidInput(
            "The CSV header lacks column(s): {values}. Expected: {expected}.",
            values=", ".join(missing),
            expected=", ".join(CSV_COLUMNS),
        )
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(
            "Unknown CSV column(s): {values}. Expected: {expected}.",
            values=", ".join(unknown),
            expected=", ".join(CSV_COLUMNS),
        )
    rows = []
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if any(row.values()):
            rows.append({k: v for k, v in row.items() if v != ""})
    return _limit(rows)


def _limit(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        raise InvalidInput("The file has no course rows.")
    if len(rows) > MAX_ROWS:
        raise InvalidInput("At most {count} courses per file; split the file.", count=format(MAX_ROWS, ","))
    return rows


def import_courses(
    session: Session, *, rows: list[dict[str, Any]], actor: Principal | None, base_url: str, first_row: int = 1
) -> ImportResult:
    """Check every row; when all are good, create or update the courses. Nothing is written otherwise."""
    if actor is not None and not (actor.is_national or actor.home_role == "content_provider"):
        raise Forbidden("Only content providers and national organisers import courses.")
    result = ImportResult()
    checked: list[tuple[CourseIn, Organisation, list[int]]] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows, start=first_row):
        item, problems = _check_row(session, raw, actor, seen)
        result.errors.extend(f"Row {number}: {p}" for p in problems)
        if item is not None and not problems:
            checked.append(item)
    if result.errors:
        return result
    for data, provider, competency_ids in checked:
        created = save_course(session, data=data, provider=provider, competency_ids=competency_ids, base_url=base_url)
        result.created += int(created)
        result.updated += int(not created)
    return result


def _check_row(
    session: Session, raw: dict[str, Any], actor: Principal | None, seen: set[str]
) -> tuple[tuple[CourseIn, Organisation, list[int]] | None, list[str]]:
    try:
        data = CourseIn.model_validate(raw)
    except ValidationError as exc:
        return None, [_pretty(e) for e in exc.errors()]
    problems: list[str] = []
    if data.code in seen:
        problems.append(f"course code {data.code} appears twice in the file")
    seen.add(data.code)
    provider = _provider(session, data, actor, problems)
    declared, bad = declared_levels(data.competencies)
    if bad:
        problems.append(f"competency level must be 1 to 5 (CODE or CODE:2): {', '.join(bad)}")
    comps = repo.competencies_by_codes(session, list(declared))
    unknown = [c for c in declared if c not in comps]
    if unknown:
        problems.append(f"unknown competency {', '.join(unknown)}")
    existing = repo.course_by_code(session, data.code)
    if existing is not None and actor is not None and not _may_edit(actor, existing):
        problems.append(f"course code {data.code} belongs to another provider")
    if provider is None:
        return None, problems
    return (data, provider, [comps[c].id for c in declared if c in comps]), problems


def declared_levels(values: list[str]) -> tuple[dict[str, int], list[str]]:
    """Competency codes with the level a course declares for each ("BEH-SELF:2"; level 1 when not given), and the
    values whose level is not 1 to 5."""
    out: dict[str, int] = {}
    bad: list[str] = []
    for value in values:
        code, _, level = value.partition(":")
        if level and not (level.strip().isdigit() and 1 <= int(level) <= 5):
            bad.append(value)
            continue
        out[code.strip()] = int(level) if level else 1
    return out, bad


def _provider(session: Session, data: CourseIn, actor: Principal | None, problems: list[str]) -> Organisation | None:
    if data.provider is None:
        if actor is not None and actor.home_role == "content_provider":
            return directory.repo.get_org(session, actor.org_id)
        problems.append("provider is required (the code of a content provider, e.g. CP_KB)")
        return None
    org = directory.repo.get_org_by_code(session, data.provider.upper())
    if org is None or org.type != OrgType.CONTENT_PROVIDER.value:
        problems.append(f"unknown provider {data.provider}")
        return None
    if actor is not None and not actor.is_national and org.id != actor.org_id:
        problems.append(f"you may import courses only for your own organisation, not {data.provider}")
    return org


def _may_edit(actor: Principal, course: Course) -> bool:
    return actor.is_national or course.provider_org_id == actor.org_id


def _pretty(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def save_course(
    session: Session, *, data: CourseIn, provider: Organisation, competency_ids: list[int], base_url: str
) -> bool:
    """Create or update a course by code; returns True when it was created."""
    course = repo.course_by_code(session, data.code)
    created = course is None
    if course is None:
        activity = data.activity_id or f"{base_url.rstrip('/')}/courses/{data.code}"
        course = Course(code=data.code, activity_id=activity)
    elif data.activity_id:
        course.activity_id = data.activity_id
    course.title_en, course.title_hi, course.description = data.title_en, data.title_hi, data.description
    course.provider_org_id, course.duration_minutes = provider.id, data.duration_minutes
    course.category, course.languages = data.category.value, "|".join(data.languages)
    course.sector, course.target_groups = data.sector, "|".join(data.target_groups) or None
    if created or "status" in data.model_fields_set:  # re-importing a file without a status keeps the course's
        course.status = data.status.value
    course.launch_kind, course.launch_url = data.launch_kind.value, data.launch_url
    course.cmi5_aus = data.cmi5_aus
    if data.assessment is not None or created:
        course.assessment = data.assessment.model_dump(exclude_none=True) if data.assessment else None
    repo.add(session, course)
    declared = list(declared_levels(data.competencies)[0].values())
    levels = dict(zip(competency_ids, declared, strict=True)) if len(declared) == len(competency_ids) else None
    repo.set_competencies(session, course.id, competency_ids, levels)
    if data.modules:
        _replace_modules(session, course, data)
    return created


def _replace_modules(session: Session, course: Course, data: CourseIn) -> None:
    for old in repo.modules_of(session, course.id):
        session.delete(old)
    session.flush()
    session.add_all(
        CourseModule(
            course_id=course.id,
            position=i,
            title=m.title,
            title_hi=m.title_hi,
            kind=m.kind,
            body=m.body,
            body_hi=m.body_hi,
            url=m.url,
            minutes=m.minutes,
        )
        for i, m in enumerate(data.modules, start=1)
    )
    session.flush()


def export_courses(session: Session, *, fmt: str, live_only: bool = False) -> tuple[bytes, str]:
    """Every course (or every live one) as CSV or JSON, in the import format; returns (content, media type)."""
    courses = repo.all_courses(session, ["live"] if live_only else None)
    comps = repo.competencies_of(session, [c.id for c in courses])
    levels = {(cid, comp): lvl for cid, pairs in repo.competency_levels(session, [c.id for c in courses]).items()
              for comp, lvl in pairs}  # fmt: skip
    orgs = {o.id: o.code for o in directory.repo.subtree(session, None) if o.type == OrgType.CONTENT_PROVIDER.value}
    rows = [
        _export_row(
            c,
            orgs.get(c.provider_org_id, ""),
            [x.code if levels.get((c.id, x.id), 1) == 1 else f"{x.code}:{levels[(c.id, x.id)]}" for x in comps[c.id]],
        )
        for c in courses
    ]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"), "application/json"
    if fmt != "csv":
        raise InvalidInput("Export format is csv or json.")
    flat = [["|".join(r[k]) if isinstance(r[k], list) else r[k] for k in CSV_COLUMNS] for r in rows]
    return to_csv(CSV_COLUMNS, flat), "text/csv; charset=utf-8"


def _export_row(c: Course, provider: str, competencies: list[str]) -> dict[str, Any]:
    return {
        "code": c.code,
        "title_en": c.title_en,
        "title_hi": c.title_hi,
        "description": c.description,
        "provider": provider,
        "duration_minutes": c.duration_minutes,
        "category": c.category,
        "languages": c.language_list,
        "competencies": competencies,
        "sector": c.sector,
        "target_groups": c.group_list,
        "status": c.status,
        "launch_kind": c.launch_kind,
        "launch_url": c.launch_url,
        "activity_id": c.activity_id,
    }
