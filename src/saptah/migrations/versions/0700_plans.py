"""plans

Revision ID: 0700
Revises: 0200
Create Date: 2026-11-25 04:16:39.237535
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "0700"
down_revision: str | Sequence[str] | None = "0200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lineage_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("circular_ref", sa.String(length=300), nullable=True),
        sa.Column("circular_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("audience_org_id", sa.Integer(), nullable=True),
        sa.Column("audience_path", sa.String(length=400), nullable=False),
        sa.Column("audience_groups", sa.Text(), nullable=True),
        sa.Column("audience_designations", sa.Text(), nullable=True),
        sa.Column("audience_tags", sa.Text(), nullable=True),
        sa.Column("joined_after", sa.Date(), nullable=True),
        sa.Column("reminder_days", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["audience_org_id"], ["organisations.id"], name=op.f("fk_plans_audience_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["people.id"], name=op.f("fk_plans_created_by_people")),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_plans_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["published_by"], ["people.id"], name=op.f("fk_plans_published_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("lineage_id", "version", name=op.f("uq_plans_lineage_id_version")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_lineage_id"), ["lineage_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index("ix_plans_status_path", ["status", "audience_path"], unique=False)

    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("choose_k", sa.SmallInteger(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("deadline_date", sa.Date(), nullable=True),
        sa.Column("deadline_days", sa.Integer(), nullable=True),
        sa.Column("deadline_basis", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_items_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["program_id"], ["collections.id"], name=op.f("fk_plan_items_program_id_collections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_plan_items_plan_id_position")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_items_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_item_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_plan_item_options_course_id_courses")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_plan_item_options_item_id_plan_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item_options")),
        sa.UniqueConstraint("item_id", "course_id", name=op.f("uq_plan_item_options_item_id_course_id")),
    )
    with op.batch_alter_table("plan_item_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_item_options_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_item_options_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_item_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_item_options_item_id"))
        batch_op.drop_index(batch_op.f("ix_plan_item_options_course_id"))

    op.drop_table("plan_item_options")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_items_plan_id"))

    op.drop_table("plan_items")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_status_path")
        batch_op.drop_index(batch_op.f("ix_plans_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_plans_lineage_id"))

    op.drop_table("plans")
