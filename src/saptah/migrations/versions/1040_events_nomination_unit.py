"""Events: the organisation level a nomination quota applies to (each ministry, or each ministry or department).

Revision ID: 1040
Revises: 0960
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1040"
down_revision: str | Sequence[str] | None = "1030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; events scheduled before keep their per-ministry quota."""
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("nomination_unit", sa.String(length=12), nullable=False, server_default="ministry"))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("nomination_unit")
