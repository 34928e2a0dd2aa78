"""Campaign pages: the list, a campaign with the learner's progress, and the organiser's acts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from saptah.campaigns import service
from saptah.campaigns.schemas import CampaignCreate, RulesChangeIn
from saptah.core.errors import InvalidInput, SaptahError
from saptah.core.modules import optional_module
from saptah.core.timeutil import IST
from saptah.directory import service as directory
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)


def progress_panel(session: Any, principal: Any, settings: Any) -> list[tuple[str, dict[str, Any]]] | None:
    """The learner's progress toward the running campaign's target (first on the home page) and rank (last): the
    ranks counted against the boards' shared scores (at most SAPTAH_DASHBOARD_MAX_AGE seconds old, as the board)."""
    campaign = service.current(session)
    if campaign is None:
        return None
    data = service.progress(session, campaign.id, principal.person_id, max_age=settings.dashboard_max_age)
    return [("progress_panel.html", data), ("rank_panel.html", data)]


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Every campaign; national organisers also get the form to create one."""
    rows = [(c, service.rules_of(c), service.status(c)) for c in service.list_all(db)]
    return render(request, "campaigns.html", {"rows": rows})


@router.post("/campaigns", dependencies=[CSRF])
def create(
    db: DB,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=200)],
    starts_on: Annotated[date, Form()],
    ends_on: Annotated[date, Form()],
    target_minutes: Annotated[int, Form(ge=1, le=100_000)] = 240,
    karma_monthly_cap: Annotated[int, Form(ge=0, le=1000)] = 4,
    rank_by: Annotated[str, Form()] = "minutes",
    org_codes: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    events_need_competency: Annotated[bool, Form()] = False,
) -> Response:
    """Create a campaign from the form (national organisers)."""
    directory.require_national(principal)
    codes = [c.strip() for c in org_codes.replace(",", " ").split() if c.strip()] or None
    try:
        data = CampaignCreate(
            name=name,
            description=description or None,
            starts_on=starts_on,
            ends_on=ends_on,
            target_minutes=target_minutes,
            karma_monthly_cap=karma_monthly_cap,
            rank_by=rank_by,
            org_codes=codes,
            events_need_competency=events_need_competency,
        )
    except ValidationError as exc:
        raise InvalidInput(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from exc
    campaign = service.create(db, actor_id=principal.person_id, data=data)
    return RedirectResponse(f"/campaigns/{campaign.id}", status_code=303)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, campaign_id: int
) -> Response:
    """A campaign: my bar, breakdown, ranks (as the board counts them), what counted and why; the organiser's acts
    and their record."""
    ctx = service.progress(db, campaign_id, principal.person_id, max_age=settings.dashboard_max_age)
    _name_courses(db, [*ctx["lines"], *ctx["outside"]])
    ctx["history"] = service.history(db, campaign_id)
    return render(request, "campaign.html", ctx)


def _changed(request: Request, campaign_id: int) -> Response:
    response = RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
    flash(request, response, "Recorded. Credit is being recomputed from the stored records.")
    return response


@router.post("/campaigns/{campaign_id}/extend", dependencies=[CSRF])
def extend(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    campaign_id: int,
    extended_to: Annotated[date, Form()],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Extend the window (national organisers); the act is recorded with its reason."""
    directory.require_national(principal)
    if len(reason.strip()) < 3:
        raise InvalidInput("Say why the window is extended (at least 3 characters).")
    service.extend(db, campaign_id=campaign_id, actor_id=principal.person_id, extended_to=extended_to, reason=reason)
    return _changed(request, campaign_id)


@router.post("/campaigns/{campaign_id}/rules", dependencies=[CSRF])
def change_rules(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    campaign_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
    target_minutes: Annotated[int | None, Form(ge=1, le=100_000)] = None,
    karma_monthly_cap: Annotated[int | None, Form(ge=0, le=1000)] = None,
    rank_by: Annotated[str, Form()] = "",
    events_need_competency: Annotated[str, Form(pattern="^(|yes|no)$")] = "",
    discussion_karma: Annotated[int | None, Form(ge=0, le=100)] = None,
    effective_at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Change rules from a moment on (national organisers); the moment is IST wall-clock time, blank for now."""
    directory.require_national(principal)
    try:
        data = RulesChangeIn(
            reason=reason,
            target_minutes=target_minutes,
            karma_monthly_cap=karma_monthly_cap,
            rank_by=rank_by or None,
            events_need_competency={"yes": True, "no": False}.get(events_need_competency),
            discussion_karma=discussion_karma,
            effective_at=_ist_moment(effective_at),
        )
    except ValidationError as exc:
        raise InvalidInput("Give a reason (at least 3 characters) and valid values.") from exc
    service.change_rules(db, campaign_id=campaign_id, actor_id=principal.person_id, data=data)
    return _changed(request, campaign_id)


def _ist_moment(value: str) -> datetime | None:
    """A datetime-local form value read as IST wall-clock time, in UTC; blank is None."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=IST).astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput("Give the moment the change takes effect as a date and time (IST).") from exc


def _name_courses(session: Any, lines: list[Any]) -> None:
    """Show course titles instead of numbers, when the catalogue is installed (read through its service)."""
    catalog = optional_module("saptah.catalog.service")
    if catalog is None:
        return
    for line in lines:
        if line.source.startswith("course:"):
            try:
                course = catalog.get_course(session, int(line.source.rsplit(":", 1)[1]))
            except SaptahError:
                continue
            line.label = f"Course: {course.title_en}"
