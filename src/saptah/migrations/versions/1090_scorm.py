"""SCORM packages: the package (a course or one module of a course), its files, and learners' attempts.

Revision ID: 1090
Revises: 1080
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "1090"
down_revision: str | Sequence[str] | None = "1080"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "scorm_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.String(length=4), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scos", sa.JSON(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_scorm_packages_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["course_modules.id"],
            name=op.f("fk_scorm_packages_module_id_course_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["people.id"], name=op.f("fk_scorm_packages_uploaded_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorm_packages")),
        sa.UniqueConstraint("module_id", name=op.f("uq_scorm_packages_module_id")),
    )
    with op.batch_alter_table("scorm_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorm_packages_course_id"), ["course_id"], unique=False)
    op.create_table(
        "scorm_files",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["scorm_packages.id"],
            name=op.f("fk_scorm_files_package_id_scorm_packages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("package_id", "path", name=op.f("pk_scorm_files")),
    )
    op.create_table(
        "lrs_scorm_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("sco_id", sa.String(length=200), nullable=False),
        sa.Column("attempt_no", sa.SmallInteger(), nullable=False),
        sa.Column("cmi", sa.JSON(), nullable=True),
        sa.Column("completion", sa.String(length=20), nullable=False),
        sa.Column("success", sa.String(length=10), nullable=False),
        sa.Column("score_scaled", sa.Float(), nullable=True),
        sa.Column("exit", sa.String(length=20), nullable=False),
        sa.Column("total_seconds", sa.Integer(), nullable=False),
        sa.Column("session_no", sa.SmallInteger(), nullable=False),
        sa.Column("session_seconds", sa.Integer(), nullable=False),
        sa.Column("session_started_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("terminated", sa.Boolean(), nullable=False),
        sa.Column("satisfied_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_lrs_scorm_attempts_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_scorm_attempts")),
        sa.UniqueConstraint(
            "person_id",
            "package_id",
            "sco_id",
            "attempt_no",
            name=op.f("uq_lrs_scorm_attempts_person_id_package_id_sco_id_attempt_no"),
        ),
    )
    with op.batch_alter_table("lrs_scorm_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_lrs_scorm_attempts_package", ["package_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_table("lrs_scorm_attempts")
    op.drop_table("scorm_files")
    op.drop_table("scorm_packages")
