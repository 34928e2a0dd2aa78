"""Tombstones of erased people (the SHA-256 of their e-mail), so an import never registers them again.

Revision ID: 1060
Revises: 1065
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saptah.core.db import UTCDateTime

revision: str = "1060"
down_revision: str | Sequence[str] | None = "1065"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "erased_identities",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("erased_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_erased_identities")),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("erased_identities")
