"""JSON routes of campaigns: list, create, extend, change rules, history, progress, recompute."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from saptah.campaigns import service
from saptah.campaigns.models import Campaign
from saptah.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    CampaignRules,
    ExtendIn,
    ProgressOut,
    RulesChangeIn,
    RuleVersionOut,
)
from saptah.directory import service as directory
from saptah.web.deps import DB, CurrentPrincipal, SettingsDep

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


def campaign_out(campaign: Campaign) -> CampaignOut:
    """A campaign with its current rules and status."""
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        description=campaign.description,
        rules=CampaignRules.model_validate(campaign.rules),
        rules_version=campaign.rules_version,
        status=service.status(campaign),
    )


@router.get("", response_model=list[CampaignOut])
def list_campaigns(db: DB, principal: CurrentPrincipal) -> list[CampaignOut]:
    """Every campaign, newest first."""
    return [campaign_out(c) for c in service.list_all(db)]


@router.post("", response_model=CampaignOut, status_code=201)
def create(body: CampaignCreate, db: DB, principal: CurrentPrincipal) -> CampaignOut:
    """Create a campaign (national organisers)."""
    directory.require_national(principal)
    return campaign_out(service.create(db, actor_id=principal.person_id, data=body))


@router.get("/{campaign_id}", response_model=CampaignOut)
def get(campaign_id: int, db: DB, principal: CurrentPrincipal) -> CampaignOut:
    """One campaign."""
    return campaign_out(service.get(db, campaign_id))


@router.post("/{campaign_id}/extend", response_model=CampaignOut)
def extend(campaign_id: int, body: ExtendIn, db: DB, principal: CurrentPrincipal) -> CampaignOut:
    """Extend the window (a recorded act; credit is recomputed in the background)."""
    directory.require_national(principal)
    campaign = service.extend(
        db,
        campaign_id=campaign_id,
        actor_id=principal.person_id,
        extended_to=body.extended_to,
        reason=body.reason,
        effective_at=body.effective_at,
    )
    return campaign_out(campaign)


@router.post("/{campaign_id}/rules", response_model=CampaignOut)
def change_rules(campaign_id: int, body: RulesChangeIn, db: DB, principal: CurrentPrincipal) -> CampaignOut:
    """Change rules from a moment on, now by default (a recorded act; credit is recomputed in the background)."""
    directory.require_national(principal)
    return campaign_out(service.change_rules(db, campaign_id=campaign_id, actor_id=principal.person_id, data=body))


@router.get("/{campaign_id}/history", response_model=list[RuleVersionOut])
def history(campaign_id: int, db: DB, principal: CurrentPrincipal) -> list[RuleVersionOut]:
    """Every rule version: who changed what, when, why, and from when it is in force."""
    service.get(db, campaign_id)
    return [RuleVersionOut.model_validate(v) for v in service.history(db, campaign_id)]


@router.get("/{campaign_id}/progress/{person_id}", response_model=ProgressOut)
def progress(
    campaign_id: int, person_id: int, db: DB, principal: CurrentPrincipal, settings: SettingsDep
) -> ProgressOut:
    """A person's progress: yourself, or someone in a subtree you administer (ranks as the boards give them)."""
    directory.visible_person(db, principal, person_id)
    return progress_out(service.progress(db, campaign_id, person_id, max_age=settings.dashboard_max_age), person_id)


@router.get("/{campaign_id}/me", response_model=ProgressOut)
def my_progress(campaign_id: int, db: DB, principal: CurrentPrincipal, settings: SettingsDep) -> ProgressOut:
    """The signed-in person's progress, ranks and what counted and why."""
    p = service.progress(db, campaign_id, principal.person_id, max_age=settings.dashboard_max_age)
    return progress_out(p, principal.person_id)


def progress_out(p: dict[str, Any], person_id: int) -> ProgressOut:
    """The API shape of a progress view."""
    t = p["total"]
    return ProgressOut(
        campaign_id=p["campaign"].id,
        person_id=person_id,
        target_minutes=p["rules"].target_minutes,
        courses=t.courses if t else 0,
        webinars=t.webinars if t else 0,
        mdo_events=t.mdo_events if t else 0,
        offline=t.offline if t else 0,
        total_minutes=p["minutes"],
        completions=t.completions if t else 0,
        karma=t.karma if t else 0,
        percent=p["percent"],
        reached_target_at=t.reached_target_at if t else None,
        rank_national=p["rank_national"],
        rank_organisation=p["rank_organisation"],
        lines=[*p["lines"], *p["outside"]],
    )


@router.post("/{campaign_id}/recompute", status_code=202)
def recompute(campaign_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """Queue a rebuild of the ledger and aggregates from the stored records (national organisers)."""
    directory.require_national(principal)
    from saptah.jobs import service as jobs

    service.get(db, campaign_id)
    job = jobs.enqueue(
        db,
        kind=service.RECOMPUTE_JOB,
        payload={"campaign_id": campaign_id},
        lock_key=f"campaign-recompute:{campaign_id}",
        created_by=principal.person_id,
    )
    return {"job_id": job.id, "status": job.status}
