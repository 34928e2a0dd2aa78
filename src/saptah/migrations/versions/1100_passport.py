"""The competency passport: evidence, levels reached, role needs; the level a course declares per competency.

Existing learning fills the new tables with `saptah passport rebuild` (from the stored completions and attendance).

Revision ID: 1100
Revises: 1090
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "1100"
down_revision: str | Sequence[str] | None = "1090"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the passport tables and the declared level (1 for every course linked before)."""
    op.create_table(
        "passport_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("earned_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"], ["competencies.id"], name=op.f("fk_passport_evidence_competency_id_competencies")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_passport_evidence_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_evidence")),
        sa.UniqueConstraint(
            "person_id",
            "source_key",
            "competency_id",
            name=op.f("uq_passport_evidence_person_id_source_key_competency_id"),
        ),
    )
    with op.batch_alter_table("passport_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passport_evidence_competency_id"), ["competency_id"], unique=False)

    op.create_table(
        "passport_levels",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("reached_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"], ["competencies.id"], name=op.f("fk_passport_levels_competency_id_competencies")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_passport_levels_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", "competency_id", "level", name=op.f("pk_passport_levels")),
    )
    op.create_table(
        "role_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("designation", sa.String(length=200), nullable=False),
        sa.Column("designation_key", sa.String(length=200), nullable=False),
        sa.Column("grp", sa.String(length=30), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"], ["competencies.id"], name=op.f("fk_role_needs_competency_id_competencies")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_role_needs_org_id_organisations")),
        sa.ForeignKeyConstraint(["updated_by"], ["people.id"], name=op.f("fk_role_needs_updated_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_needs")),
        sa.UniqueConstraint(
            "org_id",
            "designation_key",
            "grp",
            "competency_id",
            name=op.f("uq_role_needs_org_id_designation_key_grp_competency_id"),
        ),
    )
    with op.batch_alter_table("role_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_needs_org_id"), ["org_id"], unique=False)

    with op.batch_alter_table("course_competencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.SmallInteger(), server_default="1", nullable=False))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("course_competencies", schema=None) as batch_op:
        batch_op.drop_column("level")

    with op.batch_alter_table("role_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_needs_org_id"))

    op.drop_table("role_needs")
    op.drop_table("passport_levels")
    with op.batch_alter_table("passport_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passport_evidence_competency_id"))

    op.drop_table("passport_evidence")
