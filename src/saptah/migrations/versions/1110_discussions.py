"""Discussions: spaces (course, event, community), threads, posts, votes, reports, attachments, mentions, follows
and digest choices.

Revision ID: 1110
Revises: 1100
Create Date: 2026-12-07 12:54:39.160094
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saptah.core.db

revision: str = "1110"
down_revision: str | Sequence[str] | None = "1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the discussion tables."""
    op.create_table(
        "discussion_digests",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("last_sent_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_digests_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_discussion_digests")),
    )
    op.create_table(
        "discussion_spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("title_hi", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("audience_path", sa.String(length=400), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("thread_count", sa.Integer(), nullable=False),
        sa.Column("last_post_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_discussion_spaces_course_id_courses")),
        sa.ForeignKeyConstraint(["created_by"], ["people.id"], name=op.f("fk_discussion_spaces_created_by_people")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_discussion_spaces_event_id_events")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_discussion_spaces_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_spaces")),
        sa.UniqueConstraint("course_id", name=op.f("uq_discussion_spaces_course_id")),
        sa.UniqueConstraint("event_id", name=op.f("uq_discussion_spaces_event_id")),
    )
    with op.batch_alter_table("discussion_spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_spaces_audience_path"), ["audience_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_spaces_org_id"), ["org_id"], unique=False)

    op.create_table(
        "discussion_space_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_space_owners_person_id_people")),
        sa.ForeignKeyConstraint(
            ["space_id"], ["discussion_spaces.id"], name=op.f("fk_discussion_space_owners_space_id_discussion_spaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_space_owners")),
        sa.UniqueConstraint("space_id", "person_id", name=op.f("uq_discussion_space_owners_space_id_person_id")),
    )
    with op.batch_alter_table("discussion_space_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_space_owners_person_id"), ["person_id"], unique=False)

    op.create_table(
        "discussion_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("accepted_post_id", sa.Integer(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_discussion_threads_author_id_people")),
        sa.ForeignKeyConstraint(
            ["space_id"], ["discussion_spaces.id"], name=op.f("fk_discussion_threads_space_id_discussion_spaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_threads")),
    )
    with op.batch_alter_table("discussion_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_threads_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_discussion_threads_space_activity", ["space_id", "last_activity_at"], unique=False)

    op.create_table(
        "discussion_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_follows_person_id_people")),
        sa.ForeignKeyConstraint(
            ["space_id"], ["discussion_spaces.id"], name=op.f("fk_discussion_follows_space_id_discussion_spaces")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["discussion_threads.id"], name=op.f("fk_discussion_follows_thread_id_discussion_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_follows")),
        sa.UniqueConstraint("person_id", "target", name=op.f("uq_discussion_follows_person_id_target")),
    )
    with op.batch_alter_table("discussion_follows", schema=None) as batch_op:
        batch_op.create_index("ix_discussion_follows_space", ["space_id"], unique=False)
        batch_op.create_index("ix_discussion_follows_thread", ["thread_id"], unique=False)

    op.create_table(
        "discussion_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("opening", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("upvotes", sa.Integer(), nullable=False),
        sa.Column("hidden_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("open_reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_discussion_posts_author_id_people")),
        sa.ForeignKeyConstraint(["hidden_by"], ["people.id"], name=op.f("fk_discussion_posts_hidden_by_people")),
        sa.ForeignKeyConstraint(
            ["space_id"], ["discussion_spaces.id"], name=op.f("fk_discussion_posts_space_id_discussion_spaces")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["discussion_threads.id"], name=op.f("fk_discussion_posts_thread_id_discussion_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_posts")),
    )
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.create_index("ix_discussion_posts_author_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index("ix_discussion_posts_space_at", ["space_id", "created_at"], unique=False)
        batch_op.create_index("ix_discussion_posts_thread_at", ["thread_id", "created_at"], unique=False)

    op.create_table(
        "discussion_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["discussion_posts.id"], name=op.f("fk_discussion_attachments_post_id_discussion_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_discussion_attachments_stored_name")),
    )
    with op.batch_alter_table("discussion_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_attachments_post_id"), ["post_id"], unique=False)

    op.create_table(
        "discussion_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_mentions_person_id_people")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["discussion_posts.id"], name=op.f("fk_discussion_mentions_post_id_discussion_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_mentions")),
        sa.UniqueConstraint("post_id", "person_id", name=op.f("uq_discussion_mentions_post_id_person_id")),
    )
    with op.batch_alter_table("discussion_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_mentions_person_id"), ["person_id"], unique=False)

    op.create_table(
        "discussion_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", saptah.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", saptah.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_reports_person_id_people")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["discussion_posts.id"], name=op.f("fk_discussion_reports_post_id_discussion_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_reports")),
        sa.UniqueConstraint("post_id", "person_id", name=op.f("uq_discussion_reports_post_id_person_id")),
    )
    with op.batch_alter_table("discussion_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_reports_person_id"), ["person_id"], unique=False)

    op.create_table(
        "discussion_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_discussion_votes_person_id_people")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["discussion_posts.id"], name=op.f("fk_discussion_votes_post_id_discussion_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_votes")),
        sa.UniqueConstraint("post_id", "person_id", name=op.f("uq_discussion_votes_post_id_person_id")),
    )
    with op.batch_alter_table("discussion_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_votes_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("discussion_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_votes_person_id"))

    op.drop_table("discussion_votes")
    with op.batch_alter_table("discussion_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_reports_person_id"))

    op.drop_table("discussion_reports")
    with op.batch_alter_table("discussion_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_mentions_person_id"))

    op.drop_table("discussion_mentions")
    with op.batch_alter_table("discussion_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_attachments_post_id"))

    op.drop_table("discussion_attachments")
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_discussion_posts_thread_at")
        batch_op.drop_index("ix_discussion_posts_space_at")
        batch_op.drop_index("ix_discussion_posts_author_at")

    op.drop_table("discussion_posts")
    with op.batch_alter_table("discussion_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_discussion_follows_thread")
        batch_op.drop_index("ix_discussion_follows_space")

    op.drop_table("discussion_follows")
    with op.batch_alter_table("discussion_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_discussion_threads_space_activity")
        batch_op.drop_index(batch_op.f("ix_discussion_threads_author_id"))

    op.drop_table("discussion_threads")
    with op.batch_alter_table("discussion_space_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_space_owners_person_id"))

    op.drop_table("discussion_space_owners")
    with op.batch_alter_table("discussion_spaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_spaces_org_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_spaces_audience_path"))

    op.drop_table("discussion_spaces")
    op.drop_table("discussion_digests")
