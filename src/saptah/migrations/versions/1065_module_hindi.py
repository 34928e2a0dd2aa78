"""A native course's modules carry their Hindi title and text, shown when the learner reads Hindi.

Revision ID: 1065
Revises: 1050
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1065"
down_revision: str | Sequence[str] | None = "1050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns (empty: the module is shown in English)."""
    with op.batch_alter_table("course_modules") as batch:
        batch.add_column(sa.Column("title_hi", sa.String(300), nullable=True))
        batch.add_column(sa.Column("body_hi", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("course_modules") as batch:
        batch.drop_column("body_hi")
        batch.drop_column("title_hi")
