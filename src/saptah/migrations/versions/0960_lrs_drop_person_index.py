"""LRS: drop the statements' person index.

No query looks statements up by person (a person's learning is read from enrolments and completions; unmatched
statements are found by actor), people are never deleted (so no foreign-key check needs it), and every stored
statement of a known learner paid an index insertion for it.

Revision ID: 0960
Revises: 0950
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0960"
down_revision: str | Sequence[str] | None = "0950"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_lrs_statements_person", table_name="lrs_statements")


def downgrade() -> None:
    """Put it back."""
    op.create_index("ix_lrs_statements_person", "lrs_statements", ["person_id", "id"])
