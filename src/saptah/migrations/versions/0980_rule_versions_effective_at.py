"""Campaign rule versions: the moment each takes effect.

Every record is judged by the rules in force at its own moment, whenever it arrives. Existing versions take
effect when they were recorded.

Revision ID: 0980
Revises: 0960
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "0980"
down_revision: str | Sequence[str] | None = "0992"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, filled with the moment each version was recorded."""
    with op.batch_alter_table("campaign_rule_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE campaign_rule_versions SET effective_at = changed_at")
    with op.batch_alter_table("campaign_rule_versions", schema=None) as batch_op:
        batch_op.alter_column("effective_at", existing_type=saptah.core.db.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("campaign_rule_versions", schema=None) as batch_op:
        batch_op.drop_column("effective_at")
