"""Shapes of discussions: what a client sends (strict) and what the API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from saptah.core.strict_types import Flag

DigestFrequency = Literal["daily", "weekly", "off"]


class CommunityIn(BaseModel):
    """A new community: open to everyone, or closed to the organisation subtree it belongs to."""

    model_config = ConfigDict(extra="forbid")

    title_en: str = Field(min_length=3, max_length=300)
    title_hi: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=2000)
    org_code: str | None = Field(None, max_length=40, description="whose community; default: your organisation")
    closed: Flag = Field(False, description="only people of the organisation's subtree see it")


class ThreadIn(BaseModel):
    """A new thread: a title and its first post."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)


class ReplyIn(BaseModel):
    """A reply to a thread."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)


class ReasonIn(BaseModel):
    """Why a post is reported, hidden or restored."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class FollowIn(BaseModel):
    """Follow (or stop following) a space or a thread: exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    space_id: int | None = Field(None, ge=1)
    thread_id: int | None = Field(None, ge=1)


class DigestIn(BaseModel):
    """How often the digest comes."""

    model_config = ConfigDict(extra="forbid")

    frequency: DigestFrequency


class SpaceOut(BaseModel):
    """A space as the API shows it."""

    id: int
    kind: str
    title: str
    description: str | None
    course_id: int | None
    event_id: int | None
    closed: bool
    thread_count: int
    last_post_at: datetime | None
    may_moderate: bool = False
    following: bool = False


class AttachmentOut(BaseModel):
    """An attachment: its name, type, size and where to download it."""

    id: int
    filename: str
    media_type: str
    size: int
    url: str


class PostOut(BaseModel):
    """A post: its safe HTML (and, to its author, the Markdown written), or only why it was hidden."""

    id: int
    thread_id: int
    author: str
    author_id: int
    opening: bool
    created_at: datetime
    body: str | None
    html: str | None
    upvotes: int
    upvoted: bool
    accepted: bool
    hidden: bool
    hidden_reason: str | None
    attachments: list[AttachmentOut] = Field(default_factory=list)


class ThreadOut(BaseModel):
    """A thread in a list."""

    id: int
    space_id: int
    title: str
    author: str
    created_at: datetime
    last_activity_at: datetime
    reply_count: int
    answered: bool
    hidden: bool


class ThreadPage(BaseModel):
    """A page of a space's threads."""

    space: SpaceOut
    total: int
    threads: list[ThreadOut]


class ThreadView(BaseModel):
    """A thread and its posts."""

    thread: ThreadOut
    space: SpaceOut
    posts: list[PostOut]
    following: bool


class SearchHit(BaseModel):
    """A post that matched a search."""

    post_id: int
    thread_id: int
    thread_title: str
    space_id: int
    space_title: str
    excerpt: str
    created_at: datetime


class SearchPage(BaseModel):
    """Search results."""

    total: int
    hits: list[SearchHit]


class FollowingOut(BaseModel):
    """What a person follows and how often the digest comes."""

    frequency: DigestFrequency
    spaces: list[SpaceOut]
    threads: list[ThreadOut]
