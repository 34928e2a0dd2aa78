"""Analytics: the course-day totals' unique key carries completions and minutes (index-only dashboard reads).

A dashboard's course tables sum `analytics_course_day_totals` over an organisation's subtree and the days; for the
47,004-person ministry of the national dataset that is 17,494 rows on 14,023 heap pages (325 ms cold, 180 ms warm
on the shared machine). With the sums in the key's index the same read is an index-only scan: rows of past days
never change, so their pages stay all-visible. The cost: a completion's upsert of its two rows is no longer a HOT
update.

Revision ID: 0992
Revises: 0991
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0992"
down_revision: str | Sequence[str] | None = "0991"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "uq_analytics_course_day_totals_org_id_day_course_id"
TABLE = "analytics_course_day_totals"


def upgrade() -> None:
    """Replace the unique constraint by a unique index that includes the sums (PostgreSQL)."""
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(NAME, type_="unique")
    op.create_index(
        NAME, TABLE, ["org_id", "day", "course_id"], unique=True, postgresql_include=["completions", "minutes"]
    )


def downgrade() -> None:
    """Back to the plain unique constraint."""
    op.drop_index(NAME, table_name=TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_unique_constraint(NAME, ["org_id", "day", "course_id"])
