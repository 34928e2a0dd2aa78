"""People search: an index on employee IDs (searched exactly).

Revision ID: 0910
Revises: 0900
Create Date: 2026-11-25

Trigram GIN indexes on names and e-mails were tried here for national substring search and taken out: on every
bulk import they cut PostgreSQL's COPY into `people` from 32-58k to 10-20k rows/s, and onboarding speed is a
stated target while a national organiser's search for a word inside 4.6 million names is not.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0910"
down_revision: str | Sequence[str] | None = "0900"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index employee IDs."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_employee_id", ["employee_id"], unique=False)


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_employee_id")
