"""Dashboard rules: who sees which subtree, key figures with definitions, trend, breakdowns, course metrics.

Every figure is read from aggregates (the campaign engine's per-organisation-day and per-person totals, and
analytics' own per-course-day totals), so a dashboard costs the same on day 9 as on day 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.analytics import repository as repo
from saptah.analytics.schemas import GROUPS, Dashboard, Figure, Filters, Scope, Table
from saptah.campaigns import service as campaigns
from saptah.core import live
from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput, NotFound
from saptah.core.timeutil import ist_day, ist_end, ist_start
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.web.i18n import N_

MAX_RANGE_DAYS = 366
OrgRow = tuple[int, int | None, str, str, str, str, int]

DEFINITIONS = {
    "registered": N_("People with an active account in the organisations shown (the group, if one is chosen)."),
    "active": N_(
        "People who earned at least one credited minute in the campaign, counted on the IST day of their "
        "first credited minute, when that day lies in the chosen dates."
    ),
    "reached": N_(
        "People whose credited minutes reached the campaign target, counted on the IST day they reached it. "
        "The share is of active participants."
    ),
    "completions": N_(
        "Course completions credited by the campaign (once per person and course, inside the window, "
        "competency-linked courses only), on the IST day of completion."
    ),
    "hours": N_("Credited minutes from courses, webinars and events, divided by 60."),
    "avg_per_day": N_(
        "Course completions divided by the number of IST days from the first chosen day to the last "
        "chosen day or today, whichever is earlier."
    ),
    "peak": N_("The IST day with the most course completions, and its count."),
    "webinars": N_(
        "Central webinars (and the inaugural) that have started and were not cancelled, in the chosen dates."
    ),
    "webinar_attendance": N_("Unique people who attended those webinars for at least one minute, added over webinars."),
    "charchas": N_("Samuhik Charcha discussions held (started, not cancelled) in the chosen dates."),
}


# --- scope -------------------------------------------------------------------------------------------------------


def resolve(session: Session, principal: Principal, filters: Filters, *, today: date | None = None) -> Scope:
    """Check access and resolve the filters: organisers see everything, MDO admins and leaders their subtrees."""
    directory.require_admin(principal)
    campaign = _campaign(session, filters.campaign)
    rules = campaigns.rules_of(campaign)
    start = filters.start or rules.starts_on
    end = filters.end or rules.last_day
    if end < start:
        raise InvalidInput("The last day must be on or after the first day.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput("Choose at most {count} days.", count=MAX_RANGE_DAYS)
    if filters.group is not None and filters.group not in GROUPS:
        raise InvalidInput("Group must be one of: {values}.", values=", ".join(GROUPS))
    paths = directory.admin_paths(principal)
    org_id, org_name, crumbs = None, N_("All organisations") if paths is None else N_("Your organisations"), []
    if filters.org is not None:
        org = directory.require_org_admin(session, principal, filters.org)
        org_id, org_name, paths = org.id, org.name_en, [org.path]
        crumbs = _crumbs(session, principal, org.path)
    return Scope(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        target_minutes=rules.target_minutes,
        start=start,
        end=end,
        window_start=rules.starts_on,
        window_end=rules.last_day,
        paths=paths,
        org_id=org_id,
        org_name=org_name,
        group=filters.group,
        national=principal.is_national,
        crumbs=crumbs,
    )


def report_scope(session: Session, *, campaign_id: int, org_id: int | None) -> Scope:
    """The whole-window scope a campaign report covers: national (org None) or one organisation's subtree."""
    from saptah.directory import repository as orgs

    campaign = campaigns.get(session, campaign_id)
    rules = campaigns.rules_of(campaign)
    org = orgs.get_org(session, org_id) if org_id is not None else None
    if org_id is not None and org is None:
        raise NotFound("No such organisation.")
    return Scope(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        target_minutes=rules.target_minutes,
        start=rules.starts_on,
        end=rules.last_day,
        window_start=rules.starts_on,
        window_end=rules.last_day,
        paths=[org.path] if org else None,
        org_id=org.id if org else None,
        org_name=org.name_en if org else N_("All organisations"),
        group=None,
        national=org is None,
    )


def _campaign(session: Session, campaign_id: int | None) -> Any:
    if campaign_id is not None:
        return campaigns.get(session, campaign_id)
    found = campaigns.current(session) or next(iter(campaigns.list_all(session)), None)
    if found is None:
        raise NotFound("There is no campaign yet. A national organiser creates one first.")
    return found


def _crumbs(session: Session, principal: Principal, path: str) -> list[tuple[int | None, str]]:
    """The way down from the reader's top to the chosen organisation, as (org id, name)."""
    from saptah.directory import repository as orgs

    top = N_("All organisations") if principal.is_national else N_("Your organisations")
    out: list[tuple[int | None, str]] = [(None, top)]
    for part in path.strip("/").split("/"):
        org = orgs.get_org(session, int(part))
        if org is not None and principal.covers(org.path, *directory.ADMIN_ROLES):
            out.append((org.id, org.name_en))
    return out


def campaigns_for(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every campaign, for the filter."""
    return [(c.id, c.name) for c in campaigns.list_all(session)]


# --- the dashboard ---------------------------------------------------------------------------------------------


def dashboard(session: Session, scope: Scope, *, today: date | None = None) -> Dashboard:
    """Key figures and every table of the dashboard for a resolved scope."""
    orgs = repo.org_rows(session, scope.paths)
    org_ids = [o[0] for o in orgs]
    by_org = repo.org_day_by_org(
        session, campaign_id=scope.campaign_id, paths=scope.paths, start=scope.start, end=scope.end
    )
    registered = _registered(session, scope)
    trend = trend_table(session, scope, org_ids)
    webinars = _webinars(session, scope, orgs)
    tables = {
        "trend": trend,
        "breakdown": breakdown_table(scope, orgs, by_org, registered),
        **course_tables(session, scope, org_ids),
        **webinars,
        "organisations": ranked_table(scope, orgs, by_org, registered),
    }
    figures = key_figures(session, scope, by_org, registered, trend, webinars, today=today)
    tables["figures"] = Table(
        "figures",
        N_("Key figures"),
        [N_("Figure"), N_("Value"), N_("Definition")],
        [[f.label, f.display, f.definition] for f in figures],
    )
    return Dashboard(scope=scope, figures=figures, tables=tables, as_of=utcnow())


def scope_key(scope: Scope) -> tuple[Any, ...]:
    """What a dashboard's figures depend on (the reader's crumbs do not)."""
    paths = None if scope.paths is None else tuple(scope.paths)
    return (scope.campaign_id, paths, scope.org_id, scope.group, scope.start, scope.end, scope.national)


def shared_dashboard(session: Session, scope: Scope, *, max_age: int) -> Dashboard:
    """The dashboard as of at most `max_age` seconds ago, shared with its other readers (core.live)."""
    dash, as_of = live.shared(session, ("dashboard", *scope_key(scope)), lambda s: dashboard(s, scope), max_age=max_age)
    return replace(dash, scope=scope, as_of=as_of, max_age=max_age)


def _registered(session: Session, scope: Scope) -> dict[int, int]:
    """Registered people per organisation: the campaign's snapshot, or a live count for a group or no snapshot."""
    if scope.group is None:
        sizes = repo.org_sizes(session, scope.campaign_id)
        if sizes:
            return sizes
    return repo.people_by_org(session, scope.paths, scope.group)


def key_figures(
    session: Session,
    scope: Scope,
    by_org: dict[int, tuple[int, int, int, int]],
    registered: dict[int, int],
    trend: Table,
    webinars: dict[str, Table],
    *,
    today: date | None = None,
) -> list[Figure]:
    """The headline numbers, each with its definition."""
    in_scope = {o for o in by_org} | set(registered)
    reg = (
        sum(registered.get(o, 0) for o in in_scope) if scope.paths is None else _sum_scoped(session, scope, registered)
    )
    minutes, active, reached = _activity(session, scope, by_org, trend)
    completions = sum(int(r[1]) for r in trend.rows)
    last = min(scope.end, today or ist_day(utcnow()))
    days = max(1, (last - scope.start).days + 1)
    peak = max(trend.rows, key=lambda r: (r[1], r[0]), default=None)
    central = webinars["central_webinars"].rows
    attendance = sum(int(r[4]) for r in central)
    charchas = int(webinars["webinar_stats"].rows[2][1]) if len(webinars["webinar_stats"].rows) > 2 else 0
    share = round(100 * reached / active, 1) if active else 0.0
    return [
        _fig("registered", N_("Registered people"), reg),
        _fig("active", N_("Active participants"), active),
        Figure("reached", N_("Reached the target"), reached, f"{_n(reached)} ({share} %)", DEFINITIONS["reached"]),
        _fig("completions", N_("Course completions"), completions),
        Figure("hours", N_("Learning hours"), round(minutes / 60), _n(round(minutes / 60)), DEFINITIONS["hours"]),
        Figure(
            "avg_per_day",
            N_("Average completions a day"),
            round(completions / days),
            _n(round(completions / days)),
            DEFINITIONS["avg_per_day"],
        ),
        Figure(
            "peak",
            N_("Peak day"),
            int(peak[1]) if peak and peak[1] else 0,
            f"{peak[0]}: {_n(int(peak[1]))}" if peak and peak[1] else N_("none yet"),
            DEFINITIONS["peak"],
        ),
        _fig("webinars", N_("Central webinars held"), len(central)),
        _fig("webinar_attendance", N_("Webinar attendance"), attendance),
        _fig("charchas", N_("Samuhik Charchas held"), charchas),
    ]


def _activity(
    session: Session, scope: Scope, by_org: dict[int, tuple[int, int, int, int]], trend: Table
) -> tuple[int, int, int]:
    """(credited minutes, active, reached): organisation-day sums, or per-person totals when a group is chosen."""
    if scope.group is None:
        return (
            sum(v[0] for v in by_org.values()),
            sum(v[2] for v in by_org.values()),
            sum(v[3] for v in by_org.values()),
        )
    active, reached = repo.person_counts(
        session,
        campaign_id=scope.campaign_id,
        paths=scope.paths,
        group=scope.group,
        since=ist_start(scope.start),
        until=ist_end(scope.end),
    )
    return sum(int(r[2] * 60) for r in trend.rows), active, reached


def _sum_scoped(session: Session, scope: Scope, registered: dict[int, int]) -> int:
    ids = {o[0] for o in repo.org_rows(session, scope.paths)}
    return sum(n for o, n in registered.items() if o in ids)


def _fig(key: str, label: str, value: int) -> Figure:
    return Figure(key, label, value, _n(value), DEFINITIONS[key])


def _n(value: int) -> str:
    """Indian digit grouping: 3,26,000."""
    s = str(abs(int(value)))
    if len(s) > 3:
        head, tail = s[:-3], s[-3:]
        parts: list[str] = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        s = ",".join([*parts, tail])
    return ("-" if value < 0 else "") + s


fmt_number = _n


def trend_table(session: Session, scope: Scope, org_ids: Sequence[int]) -> Table:
    """Daily course-completion trend over the chosen IST days (every day listed, zeros included)."""
    rows: dict[date, list[Any]] = {}
    day = scope.start
    while day <= scope.end:
        rows[day] = [day.isoformat(), 0, 0.0, 0, 0]
        day += timedelta(days=1)
    if scope.group is None:
        data = repo.org_day_by_day(
            session, campaign_id=scope.campaign_id, paths=scope.paths, start=scope.start, end=scope.end
        )
        for d, minutes, completions, active, reached in data:
            rows[d] = [d.isoformat(), completions, round(minutes / 60, 1), active, reached]
    else:
        ids = [0] if scope.paths is None else list(org_ids)
        for d, completions, minutes in repo.group_trend(
            session, org_ids=ids, group=scope.group, start=scope.start, end=scope.end
        ):
            rows[d] = [d.isoformat(), completions, round(minutes / 60, 1), None, None]
    header = [
        N_("Day (IST)"),
        N_("Course completions"),
        N_("Learning hours"),
        N_("Became active"),
        N_("Reached target"),
    ]
    note = "" if scope.group is None else N_("With a group chosen, days count every course completion of that group.")
    return Table("trend", N_("Daily course-completion trend"), header, list(rows.values()), note)


def trend(session: Session, scope: Scope) -> Table:
    """The daily trend alone (organisation ids are needed only for a group filter)."""
    org_ids = [o[0] for o in repo.org_rows(session, scope.paths)] if scope.group and scope.paths is not None else []
    return trend_table(session, scope, org_ids)


def _top_nodes(scope: Scope, orgs: Sequence[OrgRow]) -> list[OrgRow]:
    """The rows of a breakdown: the chosen organisation's children, or the reader's top organisations."""
    if scope.org_id is not None:
        return [o for o in orgs if o[1] == scope.org_id]
    if scope.paths is not None:
        return [o for o in orgs if o[2] in scope.paths]
    by_id = {o[0]: o for o in orgs}
    tops = []
    for o in orgs:
        parent = by_id.get(o[1]) if o[1] is not None else None
        if o[5] in ("national", "content_provider"):
            continue
        if parent is None or parent[5] == "national":
            tops.append(o)
    return tops


def rollup(
    nodes: Sequence[OrgRow], orgs: Sequence[OrgRow], values: Mapping[int, Sequence[int]], width: int
) -> dict[int, list[int]]:
    """Sum per-organisation values into each node's subtree (by the ids in each organisation's path)."""
    node_ids = {n[0] for n in nodes}
    out: dict[int, list[int]] = {n[0]: [0] * width for n in nodes}
    for o in orgs:
        vals = values.get(o[0])
        if not vals:
            continue
        for part in o[2].strip("/").split("/"):
            nid = int(part)
            if nid in node_ids:
                acc = out[nid]
                for i in range(width):
                    acc[i] += int(vals[i])
    return out


def breakdown_table(
    scope: Scope, orgs: Sequence[OrgRow], by_org: dict[int, tuple[int, int, int, int]], registered: dict[int, int]
) -> Table:
    """Figures per ministry/state (or per child of the chosen organisation), each a link one level down."""
    nodes = _top_nodes(scope, orgs)
    sums = rollup(nodes, orgs, by_org, 4)
    regs = rollup(nodes, orgs, {k: (v,) for k, v in registered.items()}, 1)
    has_children = {o[1] for o in orgs}
    rows, links = [], []
    own = None
    if scope.org_id is not None:
        own = by_org.get(scope.org_id, (0, 0, 0, 0))
    for n in sorted(nodes, key=lambda o: (-sums[o[0]][1], o[4])):
        m, c, a, r = sums[n[0]]
        reg = regs[n[0]][0]
        rows.append([n[4], n[3], reg, a, r, _pct(r, a), c, round(m / 60)])
        links.append(f"?{scope.query(org=n[0])}" if n[0] in has_children else None)
    if own is not None and any(own):
        m, c, a, r = own
        rows.append(
            [
                f"{scope.org_name} (own staff)",
                "",
                registered.get(scope.org_id or 0, 0),
                a,
                r,
                _pct(r, a),
                c,
                round(m / 60),
            ]
        )
        links.append(None)
    header = [
        N_("Organisation"),
        N_("Code"),
        N_("Registered"),
        N_("Active"),
        N_("Reached target"),
        N_("Reached (%)"),
        N_("Completions"),
        N_("Learning hours"),
    ]
    title = (
        N_("By ministry and state")
        if scope.org_id is None and scope.paths is None
        else N_("Within {org_name}").format(org_name=scope.org_name)
    )
    return Table("breakdown", title, header, rows, links=links)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def ranked_table(
    scope: Scope, orgs: Sequence[OrgRow], by_org: dict[int, tuple[int, int, int, int]], registered: dict[int, int]
) -> Table:
    """Organisations ranked by the share of their registered people who reached the target, then by hours."""
    names = {o[0]: (o[4], o[3]) for o in orgs}
    rows: list[list[Any]] = []
    for org_id, (m, c, a, r) in by_org.items():
        if org_id not in names:
            continue
        reg = registered.get(org_id, 0)
        rows.append([names[org_id][0], names[org_id][1], reg, a, r, _pct(r, reg), c, round(m / 60)])
    rows.sort(key=lambda x: (-x[5], -x[7], x[0]))
    ranked = [[i + 1, *row] for i, row in enumerate(rows[:100])]
    header = [
        N_("Rank"),
        N_("Organisation"),
        N_("Code"),
        N_("Registered"),
        N_("Active"),
        N_("Reached target"),
        N_("Reached (% of registered)"),
        N_("Completions"),
        N_("Learning hours"),
    ]
    return Table(
        "organisations", N_("Organisations ranked"), header, ranked, N_("Top 100 by share reaching the target.")
    )


# --- courses ---------------------------------------------------------------------------------------------------


def course_tables(session: Session, scope: Scope, org_ids: Sequence[int]) -> dict[str, Table]:
    """Top courses and completions by competency area, provider and language, from the course-day aggregate."""
    from saptah.analytics.courses import course_facts

    totals = repo.course_totals(
        session, org_ids=None if scope.paths is None else org_ids, start=scope.start, end=scope.end
    )
    facts = course_facts(session, [c for c, _n, _m in totals])
    top = sorted(totals, key=lambda t: (-t[1], t[0]))[:20]
    top_rows = [
        [facts[c].title if c in facts else f"Course {c}", facts[c].provider if c in facts else "", n, round(m / 60)]
        for c, n, m in top
    ]
    groups: dict[str, dict[str, list[int]]] = {
        "area": defaultdict(lambda: [0, 0]),
        "provider": defaultdict(lambda: [0, 0]),
        "language": defaultdict(lambda: [0, 0]),
    }
    for c, n, m in totals:
        f = facts.get(c)
        keys = {
            "area": f.areas if f and f.areas else ["Not linked"],
            "provider": [f.provider] if f else ["Unknown"],
            "language": [f.language] if f else ["Unknown"],
        }
        for dim, names in keys.items():
            for name in names:
                groups[dim][name][0] += n
                groups[dim][name][1] += m

    def table(key: str, title: str, label: str, dim: str, note: str = "") -> Table:
        rows: list[list[Any]] = [[k, v[0], round(v[1] / 60)] for k, v in groups[dim].items()]
        rows.sort(key=lambda r: (-r[1], r[0]))
        return Table(key, title, [label, N_("Completions"), N_("Learning hours")], rows, note)

    note = N_("All course completions on these days (any campaign), from the course aggregate.")
    return {
        "top_courses": Table(
            "top_courses",
            N_("Top courses"),
            [N_("Course"), N_("Provider"), N_("Completions"), N_("Learning hours")],
            top_rows,
            note,
        ),
        "by_area": table(
            "by_area",
            N_("By competency area"),
            N_("Competency area"),
            "area",
            N_("A course in two areas counts in both."),
        ),
        "by_provider": table("by_provider", N_("By provider"), N_("Provider"), "provider"),
        "by_language": table(
            "by_language", N_("By language"), N_("Language"), "language", N_("By the course's first language.")
        ),
    }


# --- webinars ----------------------------------------------------------------------------------------------------


def _webinars(session: Session, scope: Scope, orgs: Sequence[OrgRow]) -> dict[str, Table]:
    from saptah.analytics.webinars import webinar_tables

    return webinar_tables(session, scope, orgs)


def annex(session: Session, scope: Scope, breakdown: Table, *, limit: int) -> list[tuple[str, Table]]:
    """Per ministry or state of the breakdown (largest first): the same figures for each organisation under it."""
    orgs = repo.org_rows(session, scope.paths)
    by_org = repo.org_day_by_org(
        session, campaign_id=scope.campaign_id, paths=scope.paths, start=scope.start, end=scope.end
    )
    registered = _registered(session, scope)
    codes = {o[3]: o for o in orgs}
    out = []
    for row in breakdown.rows[:limit]:
        node = codes.get(row[1])
        if node is None:
            continue
        sub = Scope(**{**scope.__dict__, "org_id": node[0], "org_name": node[4], "paths": [node[2]]})
        inner = [o for o in orgs if o[2].startswith(node[2])]
        table = breakdown_table(sub, inner, by_org, registered)
        table.rows.insert(0, row)
        out.append((f"{node[4]}", table))
    return out
