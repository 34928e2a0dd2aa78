"""Tables of discussions: spaces, threads, posts, votes, reports, attachments, mentions, follows and digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow

# The PostgreSQL full-text document of a post; queries repeat the same expression so the GIN index serves them.
# SQLite searches the FTS5 table discussion_posts_fts, kept in step by triggers (migration 1210).
SEARCH_EXPR = "to_tsvector('simple', search_text)"


class Space(Base):
    """Where threads live: one per course, one per event, or a community an MDO or the organiser opened.

    A community's `audience_path` closes it to an organisation subtree (None: every signed-in person);
    course and event spaces follow their course's or event's own visibility.
    """

    __tablename__ = "discussion_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # course | event | community
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), unique=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_hi: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)  # whose space
    audience_path: Mapped[str | None] = mapped_column(String(400), index=True)  # closed to this subtree
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SpaceOwner(Base):
    """A person who owns (and moderates) a community."""

    __tablename__ = "discussion_space_owners"
    __table_args__ = (UniqueConstraint("space_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("discussion_spaces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class Thread(Base):
    """A question or topic; its first post holds the text."""

    __tablename__ = "discussion_threads"
    __table_args__ = (Index("ix_discussion_threads_space_activity", "space_id", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("discussion_spaces.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_post_id: Mapped[int | None] = mapped_column(Integer)  # a reply of this thread
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # its first post was hidden


class Post(Base):
    """A thread's opening text or a reply: Markdown source, rendered safely when shown."""

    __tablename__ = "discussion_posts"
    __table_args__ = (
        Index("ix_discussion_posts_thread_at", "thread_id", "created_at"),
        Index("ix_discussion_posts_search", text(SEARCH_EXPR), postgresql_using="gin").ddl_if(dialect="postgresql"),
        Index("ix_discussion_posts_author_at", "author_id", "created_at"),
        Index("ix_discussion_posts_space_at", "space_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_threads.id"))
    space_id: Mapped[int] = mapped_column(ForeignKey("discussion_spaces.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    opening: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)  # title and body, case-folded: what full-text search indexes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    open_reports: Mapped[int] = mapped_column(Integer, default=0)


class Vote(Base):
    """One person's upvote of a post."""

    __tablename__ = "discussion_votes"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class Report(Base):
    """A person's report of a post to the space's moderators; closed when a moderator acts on the post."""

    __tablename__ = "discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A file attached to a post, kept under the upload folder; its type is what Saptah found, not what was sent."""

    __tablename__ = "discussion_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))


class Mention(Base):
    """A person mentioned in a post (notified once)."""

    __tablename__ = "discussion_mentions"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class Follow(Base):
    """A person follows a space or a thread (exactly one of the two)."""

    __tablename__ = "discussion_follows"
    __table_args__ = (
        UniqueConstraint("person_id", "target"),
        Index("ix_discussion_follows_thread", "thread_id"),
        Index("ix_discussion_follows_space", "space_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_spaces.id"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_threads.id"))
    target: Mapped[str] = mapped_column(String(20))  # "space:<id>" or "thread:<id>": one follow each
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestChoice(Base):
    """How often a person gets the digest of what is new in what they follow, and up to when it was sent."""

    __tablename__ = "discussion_digests"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8), default="daily")  # daily | weekly | off
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # posts after this are new
