"""Recognition: honour rolls of organisations (the top of each size band, with a certificate per place).

Revision ID: 1070
Revises: 1040
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1070"
down_revision: str | Sequence[str] | None = "1040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A kind on honour rolls (rolls drawn before are of people) and the organisations' entries."""
    with op.batch_alter_table("honour_rolls") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=13), nullable=False, server_default="people"))
    op.create_table(
        "org_honour_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roll_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=2), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("org_name", sa.String(length=300), nullable=False),
        sa.Column("registered", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("avg_minutes", sa.Float(), nullable=False),
        sa.Column("citation", sa.String(length=300), nullable=False),
        sa.Column("certificate_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_org_honour_entries_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["roll_id"], ["honour_rolls.id"], name=op.f("fk_org_honour_entries_roll_id_honour_rolls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_honour_entries")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_org_honour_entries_certificate_code")),
        sa.UniqueConstraint(
            "roll_id", "band", "measure", "org_id", name=op.f("uq_org_honour_entries_roll_id_band_measure_org_id")
        ),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("org_honour_entries")
    with op.batch_alter_table("honour_rolls") as batch:
        batch.drop_column("kind")
