"""Running totals of the gaps dashboard: per (role need, organisation) staff and holders, per day who reached it.

Existing passports fill them with `saptah passport rebuild` (or `saptah passport rebuild --totals`).

Revision ID: 1200
Revises: 1060
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1200"
down_revision: str | Sequence[str] | None = "1060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the two totals tables."""
    op.create_table(
        "passport_need_totals",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("holding", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["role_needs.id"], name=op.f("fk_passport_need_totals_need_id_role_needs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_passport_need_totals_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("need_id", "org_id", name=op.f("pk_passport_need_totals")),
    )
    op.create_index(op.f("ix_passport_need_totals_org_id"), "passport_need_totals", ["org_id"], unique=False)
    op.create_table(
        "passport_need_days",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["role_needs.id"], name=op.f("fk_passport_need_days_need_id_role_needs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_passport_need_days_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("need_id", "org_id", "day", name=op.f("pk_passport_need_days")),
    )
    op.create_index("ix_passport_need_days_day", "passport_need_days", ["day", "need_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_passport_need_days_day", table_name="passport_need_days")
    op.drop_table("passport_need_days")
    op.drop_index(op.f("ix_passport_need_totals_org_id"), table_name="passport_need_totals")
    op.drop_table("passport_need_totals")
