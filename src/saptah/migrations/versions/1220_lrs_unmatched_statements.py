"""Statements not yet matched to a person (their actor was not registered when they arrived): a partial index on
their actors, so that a bulk upload finds in one look-up whether any wait for its new people, and which.

Revision ID: 1220
Revises: 1210
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1220"
down_revision: str | Sequence[str] | None = "1210"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index."""
    where = sa.text("person_id IS NULL")
    op.create_index(
        "ix_lrs_statements_unmatched",
        "lrs_statements",
        ["actor_ifi", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_lrs_statements_unmatched", table_name="lrs_statements")
