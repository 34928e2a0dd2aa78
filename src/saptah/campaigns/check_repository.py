"""Queries of `saptah check`: read-only looks at a campaign's ledger and totals (split from repository.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from saptah.campaigns.models import PERSON_TOTAL_FIGURES, CampaignPersonTotal, CreditLedger
from saptah.core import bulk

TOTAL_COLUMNS = ("org_id", *(name for name in PERSON_TOTAL_FIGURES if name != "tie"))  # tie follows score_at


def read_only(session: Session) -> None:
    """Make the session's transaction refuse writes (`saptah check` changes nothing, by construction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION READ ONLY"))
    else:
        session.execute(text("PRAGMA query_only = ON"))


def totals_for(session: Session, campaign_id: int, person_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """These people's totals rows, as tuples of TOTAL_COLUMNS."""
    c = CampaignPersonTotal
    cols = [c.__table__.c[name] for name in TOTAL_COLUMNS]
    stmt = select(c.person_id, *cols).where(c.campaign_id == campaign_id, bulk.among(session, c.person_id, person_ids))
    return {row[0]: tuple(row[1:]) for row in bulk.run(session, stmt, [])}


def people_with_credit(session: Session, campaign_id: int) -> set[int]:
    """Everyone with a ledger row or a non-empty totals row in the campaign."""
    c, t = CreditLedger, CampaignPersonTotal
    out = set(session.scalars(select(c.person_id).where(c.campaign_id == campaign_id).distinct()))
    nonzero = or_(t.total_minutes != 0, t.karma != 0, t.completions != 0, t.score != 0)
    out |= set(session.scalars(select(t.person_id).where(t.campaign_id == campaign_id, nonzero)))
    return out


def credit_out_of_bounds(
    session: Session, campaign_id: int, start: datetime, end: datetime, now: datetime
) -> list[tuple[int, str, datetime, int, int]]:
    """Counted ledger rows dated after `now` or outside [start, end]: person, source, when, minutes, karma."""
    c = CreditLedger
    stmt = (
        select(c.person_id, c.source_key, c.earned_at, c.minutes, c.karma)
        .where(c.campaign_id == campaign_id, c.counted.is_(True))
        .where(or_(c.earned_at > now, c.earned_at < start, c.earned_at > end))
        .order_by(c.person_id, c.source_key)
    )
    return [(p, k, at, m, karma) for p, k, at, m, karma in session.execute(stmt)]
