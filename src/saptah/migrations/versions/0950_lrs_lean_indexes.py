"""LRS: indexes that cost every statement insert only where a query uses them.

The index on `voided_target` served no query (voiding looks targets up by statement id); the index on
`object_ifi` now holds only statements whose object is an agent or group (rare); the related rows' index on
`statement_id` holds only StatementRef chain rows (kind 'r'), the only lookup by statement id.

Revision ID: 0950
Revises: 0940
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0950"
down_revision: str | Sequence[str] | None = "0940"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the unused index, make the other two partial."""
    op.drop_index("ix_lrs_statements_voided_target", table_name="lrs_statements")
    op.drop_index("ix_lrs_statements_object_agent", table_name="lrs_statements")
    op.create_index(
        "ix_lrs_statements_object_agent",
        "lrs_statements",
        ["object_ifi", "id"],
        postgresql_where=sa.text("object_ifi IS NOT NULL"),
        sqlite_where=sa.text("object_ifi IS NOT NULL"),
    )
    op.drop_index("ix_lrs_statement_related_statement_id", table_name="lrs_statement_related")
    op.create_index(
        "ix_lrs_statement_related_statement_id",
        "lrs_statement_related",
        ["statement_id"],
        postgresql_where=sa.text("kind = 'r'"),
        sqlite_where=sa.text("kind = 'r'"),
    )


def downgrade() -> None:
    """Whole indexes again."""
    op.drop_index("ix_lrs_statement_related_statement_id", table_name="lrs_statement_related")
    op.create_index("ix_lrs_statement_related_statement_id", "lrs_statement_related", ["statement_id"])
    op.drop_index("ix_lrs_statements_object_agent", table_name="lrs_statements")
    op.create_index("ix_lrs_statements_object_agent", "lrs_statements", ["object_ifi", "id"])
    op.create_index("ix_lrs_statements_voided_target", "lrs_statements", ["voided_target"])
