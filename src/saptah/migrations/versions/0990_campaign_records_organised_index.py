"""Campaigns: the organisation board's "events organised" reads a partial index of event records only.

`ix_campaign_records_organiser (organiser_org_id, kind)` held an entry for every record (course records with a
NULL organiser included: 3.3 million at national scale) and the board's query still scanned the records of the
whole window. The new index holds only MDO and offline event records, with every column the query reads.

Revision ID: 0990
Revises: 0960
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0990"
down_revision: str | Sequence[str] | None = "0960"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('mdo_event', 'offline')"


def upgrade() -> None:
    """Swap the index."""
    with op.batch_alter_table("campaign_records", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_records_organiser")
        batch_op.create_index(
            "ix_campaign_records_organised",
            ["organiser_org_id", "object_id", "occurred_at"],
            unique=False,
            postgresql_where=sa.text(KINDS),
            sqlite_where=sa.text(KINDS),
        )


def downgrade() -> None:
    """Put the old index back."""
    with op.batch_alter_table("campaign_records", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_records_organised")
        batch_op.create_index("ix_campaign_records_organiser", ["organiser_org_id", "kind"], unique=False)
