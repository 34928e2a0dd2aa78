"""JSON routes of recognition: leaderboards, the organisation board, karma, honour rolls."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from saptah.campaigns import service as campaigns
from saptah.recognition import karma, service
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["recognition"])


@router.get("/campaigns/{campaign_id}/leaderboard")
def leaderboard(
    campaign_id: int,
    db: DB,
    principal: CurrentPrincipal,
    board: Annotated[str, Query(max_length=16)] = "n",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Top N of a board (n, t<id>, o<id>) and your own position with neighbours; public fields only."""
    result = service.leaderboard(db, campaign_id=campaign_id, board=board, viewer_id=principal.person_id, limit=limit)
    out = asdict(result)
    for row in [*out["top"], *(out["around"] or [])]:
        row.pop("person_id")
    return out


@router.get("/campaigns/{campaign_id}/organisations")
def organisation_board(campaign_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, list[dict[str, Any]]]:
    """Organisations by size band, ranked by the share of staff who reached the target."""
    bands = campaigns.org_board(db, campaign_id)
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
    public = campaigns.people_public(db, [e.person_id for e in entries])
    rows = [
        {"position": e.position, "rank": e.rank, "score": e.score, "name": public[e.person_id][0]}
        | {"designation": public[e.person_id][1], "organisation": public[e.person_id][2]}
        for e in entries
        if e.person_id in public
    ]
    head = {"id": roll.id, "campaign_id": roll.campaign_id, "board": roll.board_label, "status": roll.status}
    return head | {"entries": rows}
