"""The audit log: every administrative act, append-only (a trigger refuses UPDATE and DELETE on both databases).

Revision ID: 1010
Revises: 0960
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "1010"
down_revision: str | Sequence[str] | None = "0981"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    """The audit_log table and its append-only triggers."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("act", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_path", sa.String(length=400), nullable=True),
        sa.Column("target_person_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_audit_log_actor_id_people")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_audit_log_org_id_organisations")),
        sa.ForeignKeyConstraint(["target_person_id"], ["people.id"], name=op.f("fk_audit_log_target_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_org_path_at", ["org_path", "at"], unique=False)
        batch_op.create_index("ix_audit_log_actor_at", ["actor_id", "at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {op_name} refused'); END"
            )


def downgrade() -> None:
    """Drop it (and its triggers with it)."""
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
