"""onboarding: uploads and their committed chunks

Revision ID: 0300
Revises: 0001
Create Date: 2026-11-25 04:16:28.648616
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "0300"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_kind", sa.String(length=4), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("welcome_chunks_done", sa.Integer(), nullable=False),
        sa.Column("welcomed", sa.Integer(), nullable=False),
        sa.Column("result_name", sa.String(length=80), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_onboarding_uploads_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_onboarding_uploads_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["people.id"], name=op.f("fk_onboarding_uploads_uploaded_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_uploads")),
    )
    with op.batch_alter_table("onboarding_uploads", schema=None) as batch_op:
        batch_op.create_index("ix_onboarding_uploads_org_id_id", ["org_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_onboarding_uploads_sha256"), ["sha256"], unique=False)

    op.create_table(
        "onboarding_chunks",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["onboarding_uploads.id"],
            name=op.f("fk_onboarding_chunks_upload_id_onboarding_uploads"),
        ),
        sa.PrimaryKeyConstraint("upload_id", "chunk_no", name=op.f("pk_onboarding_chunks")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_chunks")
    with op.batch_alter_table("onboarding_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_uploads_sha256"))
        batch_op.drop_index("ix_onboarding_uploads_org_id_id")
    op.drop_table("onboarding_uploads")
