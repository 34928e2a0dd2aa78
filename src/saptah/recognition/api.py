"""JSON routes of recognition: leaderboards, the organisation board, karma, honour rolls."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from saptah.campaigns import service as campaigns
from saptah.recognition import karma, org_honours, service
from saptah.recognition.models import HonourRoll
from saptah.recognition.schemas import LeaveOutOrg, OrgRollIn
from saptah.web.deps import DB, CurrentPrincipal, MaybePrincipal, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["recognition"])


@router.get("/campaigns/{campaign_id}/leaderboard")
def leaderboard(
    campaign_id: int,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    board: Annotated[str, Query(max_length=16)] = "n",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Top N of a board (n, t<id>, o<id>) and your own position with neighbours; public fields only. Scores are
    live; ranks count the board's distinct scores as of `ranks_as_of` (at most `max_age_seconds` old)."""
    max_age = settings.dashboard_max_age
    result = service.leaderboard(
        db, campaign_id=campaign_id, board=board, viewer_id=principal.person_id, limit=limit, max_age=max_age
    )
    out = asdict(result) | {"max_age_seconds": max_age}
    for row in [*out["top"], *(out["around"] or [])]:
        row.pop("person_id")
    return out


@router.get("/campaigns/{campaign_id}/organisations")
def organisation_board(
    campaign_id: int, db: DB, principal: CurrentPrincipal, settings: SettingsDep
) -> dict[str, list[dict[str, Any]]]:
    """Organisations by size band, ranked by the share of staff who reached the target (shared by its readers for
    up to SAPTAH_DASHBOARD_MAX_AGE seconds, as dashboards are)."""
    bands, _ = campaigns.shared_org_board(db, campaign_id, max_age=settings.dashboard_max_age)
    return {
        band: [{**{k: v for k, v in row.items() if k != "org"}, "org_code": row["org"].code} for row in rows]
        for band, rows in bands.items()
    }


@router.get("/karma/me")
def my_karma(db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """My karma total and the latest entries with their reasons."""
    total, entries = karma.karma_of(db, principal.person_id)
    items = [
        {"reason": e.reason, "object": e.object_key, "points": e.points, "note": e.note, "at": e.at} for e in entries
    ]
    return {"total": total, "entries": items}


@router.get("/honour-rolls/{roll_id}")
def honour_roll(roll_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """A published honour roll (drafts for national organisers): name, designation, organisation only."""
    roll, entries = service.honour_roll(db, principal, roll_id)
    if roll.kind == org_honours.KIND:
        return _org_roll(db, principal, roll.id)
    public = campaigns.people_public(db, [e.person_id for e in entries])
    rows = [
        {"position": e.position, "rank": e.rank, "score": e.score, "name": public[e.person_id][0]}
        | {"designation": public[e.person_id][1], "organisation": public[e.person_id][2]}
        for e in entries
        if e.person_id in public
    ]
    head = {"id": roll.id, "campaign_id": roll.campaign_id, "board": roll.board_label, "status": roll.status}
    return head | {"entries": rows}


@router.post("/honour-rolls/{roll_id}/publish")
def publish_honour_roll(roll_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """Publish a reviewed roll of people or organisations (national organisers); certificates follow in a job."""
    roll = service.publish_honour_roll(db, principal=principal, roll_id=roll_id)
    return {"id": roll.id, "status": roll.status, "job_id": roll.job_id}


# Ministry-level honours: organisations by size band. Published rolls are public (no sign-in needed).


@router.post("/campaigns/{campaign_id}/honour-rolls/organisations", status_code=201)
def draft_org_roll(campaign_id: int, body: OrgRollIn, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """Draw a draft honour roll of organisations for review (national organisers)."""
    roll = org_honours.draft(
        db,
        principal=principal,
        campaign_id=campaign_id,
        size=body.size,
        signatory_name=body.signatory_name,
        signatory_title=body.signatory_title,
    )
    return _org_roll(db, principal, roll.id)


@router.post("/honour-rolls/{roll_id}/exclude-organisation")
def exclude_org(roll_id: int, body: LeaveOutOrg, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """Leave an organisation off a draft roll; the next in its band moves up (national organisers)."""
    org_honours.exclude(db, principal=principal, roll_id=roll_id, org_id=body.org_id)
    return _org_roll(db, principal, roll_id)


@router.get("/honours")
def honours(db: DB) -> list[dict[str, Any]]:
    """Public: the published honour rolls of organisations, newest first."""
    return [_org_head(db, roll) for roll in org_honours.published(db)]


@router.get("/honours/{roll_id}")
def honours_roll(roll_id: int, db: DB, principal: MaybePrincipal) -> dict[str, Any]:
    """A roll of organisations by size band and measure: public once published, drafts for national organisers.
    Organisation names and figures only."""
    return _org_roll(db, principal, roll_id)


def _org_head(db: DB, roll: HonourRoll) -> dict[str, Any]:
    return {
        "id": roll.id,
        "campaign_id": roll.campaign_id,
        "campaign": campaigns.get(db, roll.campaign_id).name,
        "size": roll.size,
        "status": roll.status,
        "published_at": roll.published_at,
    }


def _org_roll(db: DB, principal: Any, roll_id: int) -> dict[str, Any]:
    roll, sections = org_honours.roll_of(db, principal, roll_id)
    entries = [
        {
            "band": e.band,
            "measure": e.measure,
            "position": e.position,
            "rank": e.rank,
            "org_id": e.org_id,
            "organisation": e.org_name,
            "registered": e.registered,
            "reached": e.reached,
            "share": round(e.reached / e.registered, 4) if e.registered else 0.0,
            "avg_minutes": e.avg_minutes,
            "citation": e.citation,
            "certificate_code": e.certificate_code,
        }
        for s in sections
        for e in s.entries
    ]
    return _org_head(db, roll) | {"entries": entries}
