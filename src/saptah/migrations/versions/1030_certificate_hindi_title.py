"""Certificates keep the Hindi title of what they certify, for certificates printed in Hindi.

Revision ID: 1030
Revises: 0960
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1030"
down_revision: str | Sequence[str] | None = "1010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; course certificates already issued take their course's Hindi title."""
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("title_hi", sa.String(300), nullable=True))
    op.execute(
        "UPDATE certificates SET title_hi = (SELECT courses.title_hi FROM courses WHERE courses.id = certificates.subject_id)"
        " WHERE kind = 'course'"
    )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("title_hi")
