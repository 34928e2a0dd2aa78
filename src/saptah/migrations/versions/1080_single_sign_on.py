"""Single sign-on: linked identities, sign-ins under way, the provider of a session, password sign-in per
organisation.

Revision ID: 1080
Revises: 1070
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "1080"
down_revision: str | Sequence[str] | None = "1070"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two tables and three columns; every organisation keeps password sign-in until someone turns it off."""
    op.create_table(
        "person_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_identities_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identities")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_person_identities_provider_subject")),
    )
    with op.batch_alter_table("person_identities") as batch:
        batch.create_index(batch.f("ix_person_identities_person_id"), ["person_id"], unique=False)
    op.create_table(
        "sign_in_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(length=400), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_requests")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_sign_in_requests_state_hash")),
    )
    with op.batch_alter_table("sign_in_requests") as batch:
        batch.create_index(batch.f("ix_sign_in_requests_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("idp", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("password_sign_in", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("password_sign_in")
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_column("id_token")
        batch.drop_column("idp")
    op.drop_table("sign_in_requests")
    op.drop_table("person_identities")
