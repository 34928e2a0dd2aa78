"""The rules of the competency passport: what a person holds, what their role needs, the gaps and what closes
them, and an MDO's needs and gaps (scoped to the organisations it administers)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.campaigns import service as campaigns
from saptah.catalog import service as catalog
from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput, NotFound
from saptah.core.timeutil import ist_day
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.models import Organisation, Person
from saptah.directory.schemas import Principal
from saptah.events import service as events
from saptah.passport import repository as repo
from saptah.passport.models import RoleNeed
from saptah.passport.schemas import Evidence, Gap, GapRow, Holding, ImportResult, NeedIn, NeedOut, Recommendation
from saptah.recognition import service as recognition

EVENT_LANGUAGES = {"en": "English", "hi": "Hindi"}
MAX_COURSES, MAX_EVENTS = 8, 5


def key_of(designation: str) -> str:
    """A designation as needs match it: case and spacing do not matter."""
    return " ".join(designation.split()).lower()


# --- what a person holds ------------------------------------------------------------------------------------------


def person_for(session: Session, principal: Principal, person_id: int | None) -> Person:
    """Whose passport: one's own, or (for their admins) a person of a subtree they administer; else 404."""
    return directory.visible_person(session, principal, person_id or principal.person_id)


def passport(session: Session, person: Person) -> list[Holding]:
    """The competencies a person holds, each with its level and the evidence behind it (and certificates)."""
    certs = {
        (c.kind, c.subject_id): c.code for c in recognition.certificates_of(session, person.id) if c.revoked_at is None
    }
    by_comp: dict[int, list[Evidence]] = defaultdict(list)
    for e in repo.evidence_of(session, person.id):
        cert = certs.get(("event" if e.kind == "event" else "course", e.object_id))
        by_comp[e.competency_id].append(Evidence(e.kind, e.object_id, e.title, e.level, e.score, e.earned_at, cert))
    return [
        Holding(c.id, c.code, c.area, competency_name(c), level, at, by_comp.get(c.id, []))
        for c, level, at in repo.holdings(session, person.id)
    ]


def competency_name(c: object) -> str:
    """A competency's name: its theme, with the sub-theme when it has one."""
    theme, sub = getattr(c, "theme", ""), getattr(c, "sub_theme", None)
    return f"{theme} ({sub})" if sub else str(theme)


# --- what a role needs, and the gaps ------------------------------------------------------------------------------


def _path_ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def needs_of(session: Session, person: Person) -> dict[int, tuple[int, str, str]]:
    """The competencies a person's role needs: (level, code, name) by competency id. Needs defined by any
    organisation above the person (or their own) apply when designation and group match; the highest level wins."""
    org = people.get_org(session, person.org_id)
    if org is None:
        return {}
    mine = key_of(person.designation or "")
    out: dict[int, tuple[int, str, str]] = {}
    for need, comp in repo.needs_of_orgs(session, _path_ids(org.path)):
        if need.designation_key and need.designation_key != mine:
            continue
        if need.grp and need.grp != (person.group or ""):
            continue
        if need.competency_id not in out or out[need.competency_id][0] < need.level:
            out[need.competency_id] = (need.level, comp.code, competency_name(comp))
    return out


def gaps_of(session: Session, person: Person) -> list[Gap]:
    """What the person's role needs at a higher level than they hold, widest gap first."""
    held = repo.held_levels(session, person.id)
    gaps = [
        Gap(cid, code, name, level, held.get(cid, 0))
        for cid, (level, code, name) in needs_of(session, person).items()
        if held.get(cid, 0) < level
    ]
    return sorted(gaps, key=lambda g: (g.held - g.needed, g.code))


def recommendations(
    session: Session, person: Person, gaps: list[Gap], *, now: datetime | None = None
) -> list[Recommendation]:
    """Courses the person may take and upcoming events they may join that build a competency of a gap, ranked:
    more gaps closed first, then a level that closes the gap, then the person's language, then the shorter."""
    if not gaps:
        return []
    by_id = {g.competency_id: g for g in gaps}
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    courses = {}
    for course, comp, level in catalog.takeable_courses_building(session, list(by_id)):
        courses[course.id] = course
        found[course.id].append((comp, level))
    done = catalog.completed_course_ids(session, person.id, list(courses))
    lang = person.preferred_language or "en"
    ranked: list[tuple[tuple[object, ...], Recommendation]] = []
    for cid, pairs in found.items():
        if cid in done:
            continue
        course = courses[cid]
        closes = tuple(sorted(by_id[c].code for c, _l in pairs))
        reaches = sum(1 for c, lvl in pairs if lvl >= by_id[c].needed)
        match = lang in course.language_list
        title = course.title_hi if lang == "hi" and course.title_hi else course.title_en
        rec = Recommendation(
            "course", cid, title, closes, max(lvl for _c, lvl in pairs), match, course.duration_minutes
        )
        ranked.append(((-len(closes), -reaches, not match, course.duration_minutes, title), rec))
    picked = [r for _k, r in sorted(ranked, key=lambda x: x[0])[:MAX_COURSES]]
    return picked + _event_recommendations(session, person, gaps, now or utcnow())


def _event_recommendations(session: Session, person: Person, gaps: list[Gap], now: datetime) -> list[Recommendation]:
    codes = {g.code for g in gaps}
    lang = EVENT_LANGUAGES.get(person.preferred_language or "en", "English")
    ranked = []
    for e in events.upcoming_building(session, person_id=person.id, codes=sorted(codes), now=now):
        closes = tuple(sorted(codes & set(e.competencies or [])))
        match = e.language == lang
        title = e.title_hi if person.preferred_language == "hi" and e.title_hi else e.title_en
        rec = Recommendation("event", e.id, title, closes, 1, match, e.duration_minutes, e.starts_at)
        ranked.append(((-len(closes), not match, e.starts_at, e.id), rec))
    return [r for _k, r in sorted(ranked, key=lambda x: x[0])[:MAX_EVENTS]]


# --- an MDO's needs -----------------------------------------------------------------------------------------------


def admin_org(session: Session, principal: Principal, org_id: int | None) -> Organisation:
    """The organisation an MDO page is about: the chosen one if the principal administers it, else their first."""
    directory.require_admin(principal)
    if org_id is None:
        paths = directory.admin_paths(principal) or []
        org_id = next((s.org_id for s in principal.scopes if s.path in paths and s.org_id), None)
        if org_id is None:  # a national organiser without an organisation of their own: their home one
            org_id = principal.org_id
    return directory.require_org_admin(session, principal, org_id)


def org_needs(session: Session, org: Organisation) -> list[NeedOut]:
    """The needs an organisation defined (its admins see and edit them)."""
    return [
        NeedOut(n.id, n.org_id, n.designation, n.grp, c.id, c.code, competency_name(c), n.level)
        for n, c in repo.needs_of_orgs(session, [org.id])
    ]


def inherited_needs(session: Session, org: Organisation) -> list[NeedOut]:
    """The needs organisations above this one defined (they apply to its staff too; read-only here)."""
    above = _path_ids(org.path)[:-1]
    return [
        NeedOut(n.id, n.org_id, n.designation, n.grp, c.id, c.code, competency_name(c), n.level)
        for n, c in repo.needs_of_orgs(session, above)
    ]


def save_need(session: Session, *, principal: Principal, org_id: int, data: NeedIn) -> RoleNeed:
    """Add a need, or change the level of the same designation, group and competency (recorded in the audit log)."""
    org = directory.require_org_admin(session, principal, org_id)
    need, before = store_need(session, org, data, principal.person_id)
    audit.record(
        session, act=Act.ROLE_NEED_SAVE, actor_id=principal.person_id, org_id=org.id, target=f"role need {need.id}",
        details=_need_details(data, before),
    )  # fmt: skip
    return need


def _need_details(data: NeedIn, before: int | None) -> dict[str, Any]:
    details: dict[str, Any] = {
        "designation": data.designation, "group": data.group, "competency": data.competency, "level": data.level,
    }  # fmt: skip
    if before is not None:
        details["level_before"] = before
    return details


def store_need(session: Session, org: Organisation, data: NeedIn, actor_id: int | None) -> tuple[RoleNeed, int | None]:
    """Store one need for the organisation (its admin's right already checked) and recount the gaps dashboard's
    totals for it; returns the need and its level before (None when new)."""
    comp = catalog.competencies_by_codes(session, [data.competency]).get(data.competency)
    if comp is None:
        raise InvalidInput("There is no competency with code {competency}.", competency=data.competency)
    designation = " ".join(data.designation.split())
    existing = repo.find_need(session, org.id, key_of(designation), data.group, comp.id)
    if existing is not None:
        before: int | None = existing.level
        existing.level, existing.designation, existing.updated_by = data.level, designation, actor_id
        existing.updated_at = utcnow()
        session.flush()
        need = existing
    else:
        before = None
        need = RoleNeed(
            org_id=org.id, designation=designation, designation_key=key_of(designation), grp=data.group,
            competency_id=comp.id, level=data.level, updated_by=actor_id,
        )  # fmt: skip
        repo.add(session, need)
    repo.refresh_totals(session, need_id=need.id)
    return need, before


def delete_need(session: Session, *, principal: Principal, need_id: int) -> int:
    """Remove a need (its organisation's admins only; recorded in the audit log); returns the organisation's id."""
    need = repo.get_need(session, need_id)
    if need is None:
        raise NotFound("There is no such need.")
    directory.require_org_admin(session, principal, need.org_id)
    org_id = need.org_id
    comp = next((c.code for n, c in repo.needs_of_orgs(session, [org_id]) if n.id == need.id), "")
    details = {"designation": need.designation, "group": need.grp, "competency": comp, "level": need.level}
    repo.remove_need(session, need)
    audit.record(
        session, act=Act.ROLE_NEED_DELETE, actor_id=principal.person_id, org_id=org_id, target=f"role need {need_id}",
        details=details,
    )  # fmt: skip
    return org_id


# --- an MDO's gaps ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapDashboard:
    """An MDO's gaps, by competency and designation or group, for one campaign's window."""

    org: Organisation
    campaign_id: int | None
    campaign_name: str
    rows: list[GapRow]


def gap_dashboard(
    session: Session, *, principal: Principal, org_id: int | None, campaign_id: int | None
) -> GapDashboard:
    """Staff of the subtree that each need applies to, how many hold the level, how many reached it during the
    campaign (the chosen one, else the current one)."""
    org = admin_org(session, principal, org_id)
    campaign = campaigns.get(session, campaign_id) if campaign_id is not None else campaigns.current(session)
    if campaign is not None:
        rules = campaigns.rules_of(campaign)
        start, end, name = ist_day(rules.window_start), ist_day(rules.window_end), campaign.name
    else:
        start = end = ist_day(utcnow())
        name = ""
    rows = [
        GapRow(nid, oname, desig, grp, code, theme, level, int(staff), int(holding), int(closed))
        for nid, oname, desig, grp, code, theme, level, staff, holding, closed in repo.gap_totals(
            session, path=org.path, start=start, end=end
        )
    ]
    return GapDashboard(org, campaign.id if campaign else None, name, rows)


# --- needs from a spreadsheet -------------------------------------------------------------------------------------

COLUMNS = {"designation": "designation", "group": "group", "competency": "competency", "competencycode": "competency",
           "level": "level", "requiredlevel": "level"}  # fmt: skip
MAX_NEED_ROWS = 5000


def import_needs(
    session: Session, *, principal: Principal | None, org: Organisation, filename: str, content: bytes
) -> ImportResult:
    """Needs from a CSV or XLSX (Designation, Group, Competency, Level); every row is checked first and nothing is
    stored unless all are good. `principal` None: the command line, which may act for any organisation."""
    from pydantic import ValidationError

    from saptah.events.imports import read_table

    if principal is not None:
        directory.require_org_admin(session, principal, org.id)
    header, rows = read_table(filename, content)
    cols = {
        COLUMNS[k]: i for i, h in enumerate(header) if (k := "".join(ch for ch in h.lower() if ch.isalpha())) in COLUMNS
    }
    missing = [c for c in ("competency", "level") if c not in cols]
    if missing or not ({"designation", "group"} & set(cols)):
        raise InvalidInput("The file needs the columns Designation or Group, Competency and Level.")
    if len(rows) > MAX_NEED_ROWS:
        raise InvalidInput("The file has more than {MAX_NEED_ROWS:,} rows; split it.", MAX_NEED_ROWS=MAX_NEED_ROWS)
    known = catalog.competencies_by_codes(session, [_cell(r, cols, "competency").upper() for r in rows])
    good: list[NeedIn] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        raw = {k: _cell(row, cols, k) for k in ("designation", "group", "competency")}
        try:
            need = NeedIn.model_validate({**raw, "level": _cell(row, cols, "level") or "0"})
        except ValidationError as exc:
            errors.append(f"Row {number}: " + "; ".join(_pretty(e) for e in exc.errors()))
            continue
        if need.competency not in known:
            errors.append(f"Row {number}: there is no competency with code {need.competency}")
        elif not (need.designation or need.group):
            errors.append(f"Row {number}: give a designation or a group")
        else:
            good.append(need)
    if errors:
        return ImportResult(0, errors)
    actor = principal.person_id if principal is not None else None
    changed = 0
    for need in good:
        _stored, before = store_need(session, org, need, actor)
        changed += before is not None
    audit.record(
        session, act=Act.ROLE_NEED_IMPORT, actor_id=actor, org_id=org.id, target=filename[:200],
        details={"rows": len(good), "new": len(good) - changed, "changed": changed},
    )  # fmt: skip
    return ImportResult(len(good), [])


def _cell(row: list[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return row[i].strip() if i is not None and i < len(row) else ""


def _pretty(err: Any) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def campaign_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every campaign, newest first (the dashboard's campaign picker)."""
    return [(c.id, c.name) for c in campaigns.list_all(session)]


def competency_choices(session: Session) -> list[tuple[str, str, str]]:
    """(code, area, name) of the competency dictionary, for the needs form."""
    return [(c.code, c.area, competency_name(c)) for c in catalog.competency_dictionary(session)]


def rebuild_all_levels(session: Session) -> None:
    """Everyone's levels and the gaps dashboard's totals from the stored evidence (after a bulk load of evidence
    into empty passports)."""
    repo.rebuild_levels(session, None)


def rebuild_totals(session: Session) -> None:
    """The gaps dashboard's totals recomputed from the levels, needs and staff."""
    repo.refresh_totals(session)
