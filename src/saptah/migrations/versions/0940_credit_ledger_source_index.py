"""Credit ledger: drop the (campaign, source) index.

Ingest finds a source's ledger row by (campaign, person, source), the unique key, since a stored record's person
never changes; the second index only cost every ledger insert an index write.

Revision ID: 0940
Revises: 0930
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0940"
down_revision: str | Sequence[str] | None = "0930"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the index."""
    with op.batch_alter_table("credit_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_ledger_campaign_source")


def downgrade() -> None:
    """Put it back."""
    with op.batch_alter_table("credit_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_credit_ledger_campaign_source", ["campaign_id", "source_key"], unique=False)
