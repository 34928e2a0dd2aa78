"""Native courses: each module's declared minutes, and an inline video's watched ranges.

A module is marked done only after a share of its declared minutes was spent on it, or a share of its video
watched; a module without declared minutes takes an even share of its course's duration.

Revision ID: 0981
Revises: 0980
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0981"
down_revision: str | Sequence[str] | None = "0980"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns."""
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("watched", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_column("watched")
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.drop_column("minutes")
