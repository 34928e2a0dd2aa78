"""People search at national scale: employee-ID index, and trigram GIN indexes on PostgreSQL (name, e-mail).

Revision ID: 0910
Revises: 0900
Create Date: 2026-11-25

Searching 4.6 million people for a word inside a name or an e-mail (`LIKE '%word%'`) is a sequential scan
without them. `pg_trgm` is a trusted extension (PostgreSQL 13+), so the database owner may create it; where it
is not available the indexes are skipped and search still works, only slower. SQLite needs nothing: its
databases are small.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0910"
down_revision: str | Sequence[str] | None = "0900"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """An index on employee IDs (searched exactly), then pg_trgm (when available) and the two trigram indexes."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_employee_id", ["employee_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").scalar()
    if not available:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_people_trgm_name ON people USING gin (lower(full_name) gin_trgm_ops)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_people_trgm_email ON people USING gin (email gin_trgm_ops)")


def downgrade() -> None:
    """Drop the indexes (the extension stays: other things may use it)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_people_trgm_email")
        op.execute("DROP INDEX IF EXISTS ix_people_trgm_name")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_employee_id")
