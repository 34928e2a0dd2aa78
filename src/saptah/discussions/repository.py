"""Every query of discussions. Who may see which space is written once, here: `visible_spaces`.

Course and event spaces follow their course's and event's visibility: a course space's condition is the
catalogue's own (`catalog.seen_by_everyone_where`); an event space's reads the events tables (read-only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, literal, or_, select, text, true, update
from sqlalchemy.orm import Session

from saptah.catalog import service as catalog
from saptah.core import fulltext
from saptah.directory.models import Person
from saptah.directory.schemas import Principal
from saptah.discussions.models import (
    SEARCH_EXPR,
    Attachment,
    DigestChoice,
    Follow,
    Mention,
    Post,
    Report,
    Space,
    SpaceOwner,
    Thread,
    Vote,
)
from saptah.events.models import Event, Registration


def visible_spaces(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: a space this person may read (national organisers: all).

    A community open to all, or closed to a subtree that holds the person's organisation, or one they own; a
    course's space when the course is published; an event's when the event is open or they are on its list.
    Moderators of a draft course or a closed event reach its space directly (checked in the service).
    """
    if principal.is_national:
        return true()
    owned = select(SpaceOwner.space_id).where(SpaceOwner.person_id == principal.person_id)
    community = and_(
        Space.kind == "community",
        or_(
            Space.audience_path.is_(None),
            literal(principal.org_path).startswith(Space.audience_path),
            Space.id.in_(owned),
        ),
    )
    course = and_(Space.kind == "course", catalog.seen_by_everyone_where(Space.course_id))  # the catalogue's rule
    listed = exists().where(Registration.event_id == Event.id, Registration.person_id == principal.person_id)
    event = and_(
        Space.kind == "event",
        exists().where(Event.id == Space.event_id, or_(Event.access == "open", listed)),
    )
    return or_(community, course, event)


def get_space(session: Session, space_id: int) -> Space | None:
    """A space by id."""
    return session.get(Space, space_id)


def space_of(session: Session, *, course_id: int | None = None, event_id: int | None = None) -> Space | None:
    """The space of a course or of an event."""
    if course_id is not None:
        return session.scalar(select(Space).where(Space.course_id == course_id))
    return session.scalar(select(Space).where(Space.event_id == event_id))


def add(session: Session, *rows: object) -> None:
    """Insert rows."""
    session.add_all(rows)
    session.flush()


def spaces(session: Session, principal: Principal, *, kind: str | None, limit: int) -> list[Space]:
    """Spaces the person may read: communities, and course and event spaces that have threads; latest first."""
    q = select(Space).where(visible_spaces(principal))
    q = q.where(Space.kind == kind) if kind else q.where(or_(Space.kind == "community", Space.thread_count > 0))
    q = q.order_by(Space.last_post_at.desc().nulls_last(), Space.id.desc()).limit(limit)
    return list(session.scalars(q))


def owner_ids(session: Session, space_id: int) -> list[int]:
    """The owners of a community."""
    return list(session.scalars(select(SpaceOwner.person_id).where(SpaceOwner.space_id == space_id)))


def threads(session: Session, space_id: int, *, hidden: bool, offset: int, limit: int) -> tuple[int, list[Thread]]:
    """A page of a space's threads, latest activity first, and how many there are."""
    cond = [Thread.space_id == space_id] + ([] if hidden else [Thread.hidden.is_(False)])
    total = session.scalar(select(func.count()).select_from(Thread).where(*cond)) or 0
    q = select(Thread).where(*cond).order_by(Thread.last_activity_at.desc(), Thread.id.desc())
    return int(total), list(session.scalars(q.offset(offset).limit(limit)))


def get_thread(session: Session, thread_id: int) -> Thread | None:
    """A thread by id."""
    return session.get(Thread, thread_id)


def get_post(session: Session, post_id: int) -> Post | None:
    """A post by id."""
    return session.get(Post, post_id)


def posts(session: Session, thread_id: int) -> list[Post]:
    """A thread's posts in order (the opening first)."""
    q = select(Post).where(Post.thread_id == thread_id).order_by(Post.opening.desc(), Post.created_at, Post.id)
    return list(session.scalars(q))


def opening_post(session: Session, thread_id: int) -> Post | None:
    """A thread's first post."""
    return session.scalar(select(Post).where(Post.thread_id == thread_id, Post.opening.is_(True)))


def posts_since(session: Session, person_id: int, since: datetime) -> int:
    """How many posts a person wrote since a moment (the flood limit)."""
    q = select(func.count()).where(Post.author_id == person_id, Post.created_at >= since)
    return int(session.scalar(q) or 0)


def reports_since(session: Session, person_id: int, since: datetime) -> int:
    """How many reports a person made since a moment."""
    q = select(func.count()).where(Report.person_id == person_id, Report.created_at >= since)
    return int(session.scalar(q) or 0)


def names(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """People's names by id."""
    if not person_ids:
        return {}
    rows = session.execute(select(Person.id, Person.full_name).where(Person.id.in_(set(person_ids))))
    return {pid: name for pid, name in rows}


def people_by_emails(session: Session, emails: Sequence[str]) -> list[Person]:
    """People with these (lower-cased) e-mail addresses."""
    if not emails:
        return []
    return list(session.scalars(select(Person).where(Person.email.in_(list(emails)))))


def voted(session: Session, person_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the person upvoted."""
    if not post_ids:
        return set()
    q = select(Vote.post_id).where(Vote.person_id == person_id, Vote.post_id.in_(list(post_ids)))
    return set(session.scalars(q))


def get_vote(session: Session, post_id: int, person_id: int) -> Vote | None:
    """A person's upvote of a post."""
    return session.scalar(select(Vote).where(Vote.post_id == post_id, Vote.person_id == person_id))


def delete_vote(session: Session, vote: Vote) -> None:
    """Take an upvote back."""
    session.delete(vote)
    session.flush()


def count_votes(session: Session, post_id: int) -> int:
    """A post's upvotes, counted."""
    return int(session.scalar(select(func.count()).where(Vote.post_id == post_id)) or 0)


def get_report(session: Session, post_id: int, person_id: int) -> Report | None:
    """A person's report of a post."""
    return session.scalar(select(Report).where(Report.post_id == post_id, Report.person_id == person_id))


def close_reports(session: Session, post_id: int, at: datetime) -> int:
    """Close a post's open reports (a moderator acted on it); returns how many."""
    result = session.execute(
        update(Report).where(Report.post_id == post_id, Report.closed_at.is_(None)).values(closed_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reported_posts(session: Session, space_id: int) -> list[tuple[Post, Thread]]:
    """A space's posts with open reports, most reported first."""
    q = (
        select(Post, Thread)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.space_id == space_id, Post.open_reports > 0)
        .order_by(Post.open_reports.desc(), Post.id)
    )
    return [(p, t) for p, t in session.execute(q)]


def report_reasons(session: Session, post_ids: Sequence[int]) -> dict[int, list[str]]:
    """The open reports' reasons per post."""
    out: dict[int, list[str]] = {}
    if not post_ids:
        return out
    q = select(Report.post_id, Report.reason).where(Report.post_id.in_(list(post_ids)), Report.closed_at.is_(None))
    for pid, reason in session.execute(q.order_by(Report.id)):
        out.setdefault(pid, []).append(reason)
    return out


def attachments(session: Session, post_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """Attachments per post."""
    out: dict[int, list[Attachment]] = {}
    if not post_ids:
        return out
    for a in session.scalars(select(Attachment).where(Attachment.post_id.in_(list(post_ids))).order_by(Attachment.id)):
        out.setdefault(a.post_id, []).append(a)
    return out


def get_attachment(session: Session, attachment_id: int) -> Attachment | None:
    """An attachment by id."""
    return session.get(Attachment, attachment_id)


def mentions(session: Session, post_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per post, the mentioned people's e-mail (as written) and name."""
    out: dict[int, dict[str, str]] = {}
    if not post_ids:
        return out
    q = (
        select(Mention.post_id, Person.email, Person.full_name)
        .join(Person, Person.id == Mention.person_id)
        .where(Mention.post_id.in_(list(post_ids)))
    )
    for pid, email, name in session.execute(q):
        out.setdefault(pid, {})[email] = name
    return out


def get_follow(session: Session, person_id: int, target: str) -> Follow | None:
    """A person's follow of a space or thread."""
    return session.scalar(select(Follow).where(Follow.person_id == person_id, Follow.target == target))


def delete_follow(session: Session, follow: Follow) -> None:
    """Stop following."""
    session.delete(follow)
    session.flush()


def follows_of(session: Session, person_id: int) -> list[Follow]:
    """What a person follows."""
    return list(session.scalars(select(Follow).where(Follow.person_id == person_id).order_by(Follow.id)))


def spaces_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Space]:
    """Spaces by id."""
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Space).where(Space.id.in_(list(ids))))}


def threads_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Thread]:
    """Threads by id."""
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_(list(ids))))}


def get_digest(session: Session, person_id: int) -> DigestChoice | None:
    """A person's digest choice."""
    return session.get(DigestChoice, person_id)


def digests_due(session: Session, *, daily_before: datetime, weekly_before: datetime, limit: int) -> list[DigestChoice]:
    """Digest choices whose last digest is a day (daily) or a week (weekly) old."""
    q = (
        select(DigestChoice)
        .where(
            or_(
                and_(DigestChoice.frequency == "daily", DigestChoice.last_sent_at <= daily_before),
                and_(DigestChoice.frequency == "weekly", DigestChoice.last_sent_at <= weekly_before),
            )
        )
        .order_by(DigestChoice.person_id)
        .limit(limit)
    )
    return list(session.scalars(q))


def new_posts_followed(
    session: Session, principal: Principal, since: datetime, until: datetime, limit: int
) -> list[tuple[Post, Thread, Space]]:
    """Posts written in (since, until] in the spaces and threads a person follows and may read, by others,
    not hidden; oldest first."""
    followed = select(Follow.space_id, Follow.thread_id).where(Follow.person_id == principal.person_id).subquery()
    in_followed = or_(
        Post.space_id.in_(select(followed.c.space_id).where(followed.c.space_id.is_not(None))),
        Post.thread_id.in_(select(followed.c.thread_id).where(followed.c.thread_id.is_not(None))),
    )
    q = (
        select(Post, Thread, Space)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Space, Space.id == Post.space_id)
        .where(
            in_followed,
            Post.created_at > since,
            Post.created_at <= until,
            Post.author_id != principal.person_id,
            Post.hidden_at.is_(None),
            Thread.hidden.is_(False),
            visible_spaces(principal),
        )
        .order_by(Post.created_at, Post.id)
        .limit(limit)
    )
    return [(p, t, s) for p, t, s in session.execute(q)]


def search(
    session: Session, principal: Principal, words: Sequence[str], *, offset: int, limit: int
) -> tuple[int, list[tuple[Post, Thread, Space]]]:
    """Visible, not hidden posts whose text holds every word (as a word prefix, English or Hindi), newest first,
    and how many match: full-text search (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL)."""
    base = (
        select(Post, Thread, Space)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Space, Space.id == Post.space_id)
        .where(_text_match(session, " ".join(words)), Post.hidden_at.is_(None), Thread.hidden.is_(False))
        .where(visible_spaces(principal))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Post.created_at.desc(), Post.id.desc()).offset(offset).limit(limit))
    return int(total), [(p, t, s) for p, t, s in rows]


def _text_match(session: Session, q: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "postgresql":
        tsq = fulltext.pg_tsquery(q)
        if tsq is None:
            return false()
        return text(f"{SEARCH_EXPR} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsq)  # type: ignore[return-value]
    fts = fulltext.fts5_query(q)
    if fts is None:
        return false()
    matched = text("SELECT rowid FROM discussion_posts_fts WHERE discussion_posts_fts MATCH :fts").bindparams(fts=fts)
    return Post.id.in_(matched)


def forget_person(session: Session, person_id: int) -> None:
    """An erased person: their follows and digest choice go, so nothing more is mailed to them (their posts,
    votes and reports stay, under the erased name)."""
    session.execute(delete(Follow).where(Follow.person_id == person_id))
    session.execute(delete(DigestChoice).where(DigestChoice.person_id == person_id))
