"""Catalogue: when a provider's xAPI statement claimed completion of a native course (kept, not credited).

Revision ID: 1050
Revises: 1110
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saptah.core.db import UTCDateTime

revision: str = "1050"
down_revision: str | Sequence[str] | None = "1110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column (empty: no refusal was recorded before)."""
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("xapi_completion_refused_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("xapi_completion_refused_at")
