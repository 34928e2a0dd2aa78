"""Campaigns: each board's histogram keeps its size under score 0, so a board's size is read from a few rows.

A board showed how many people are on it by summing its whole histogram (2,975 scores x 8 shards on the national
board of the national dataset, about 14,000 rows) on every request. Nobody with score 0 is on a board, so the
score-0 row is free to count everyone who is: live ingest adds +1 when a person's score becomes positive and -1
when it returns to 0, recompute writes it whole. This fills it in for campaigns credited before.

Revision ID: 0991
Revises: 0990
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0991"
down_revision: str | Sequence[str] | None = "0990"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Write each board's size row (shard 0) from its histogram."""
    op.execute(sa.text("DELETE FROM campaign_score_counts WHERE score = 0"))
    op.execute(
        sa.text(
            "INSERT INTO campaign_score_counts (campaign_id, board, score, shard, people) "
            "SELECT campaign_id, board, 0, 0, SUM(people) FROM campaign_score_counts WHERE score > 0 "
            "GROUP BY campaign_id, board HAVING SUM(people) <> 0"
        )
    )


def downgrade() -> None:
    """Drop the size rows."""
    op.execute(sa.text("DELETE FROM campaign_score_counts WHERE score = 0"))
