"""Discussion rules: who sees and moderates which space, threads and replies, votes, answers and moderation.

Following and the digest are in `digest.py`; Markdown and mentions in `render.py`; attachment files in `files.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.catalog import service as catalog
from saptah.core import fulltext, signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.directory.schemas import Principal
from saptah.discussions import files, render
from saptah.discussions import repository as repo
from saptah.discussions.models import Attachment, Mention, Post, Report, Space, SpaceOwner, Thread, Vote
from saptah.discussions.schemas import CommunityIn
from saptah.events import service as events
from saptah.notify import service as notify
from saptah.web.i18n import translate

POST_LIMIT = 10  # posts (threads and replies) a person may write ...
POST_WINDOW = timedelta(minutes=10)  # ... in this long: enough for a lively discussion, too few to flood one
REPORT_LIMIT = 20  # reports a person may make in an hour
PAGE_SIZE = 30


@dataclass
class Upload:
    """A file sent with a post: its name as sent and its bytes."""

    filename: str
    data: bytes


@dataclass
class PostView:
    """A post as a reader sees it."""

    post: Post
    author: str
    html: str | None
    upvoted: bool
    accepted: bool
    attachments: list[Attachment] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


# ---- spaces ---------------------------------------------------------------------------------------------------


def space_title(space: Space, lang: str) -> str:
    """A space's title in the reader's language."""
    return (space.title_hi if lang == "hi" and space.title_hi else space.title_en) or space.title_en


def visible_space(session: Session, principal: Principal, space_id: int) -> Space:
    """A space the person may read; 404 for one they may not (they must not learn it exists)."""
    space = repo.get_space(session, space_id)
    if space is None or not may_read(session, principal, space):
        raise NotFound("There is no such discussion space.")
    return space


def may_read(session: Session, principal: Principal, space: Space) -> bool:
    """Whether the person may read a space (see `repository.visible_spaces`; moderators always may)."""
    if principal.is_national:
        return True
    if space.kind == "community":
        if space.audience_path is None or principal.org_path.startswith(space.audience_path):
            return True
        return principal.person_id in repo.owner_ids(session, space.id)
    if space.kind == "course" and space.course_id is not None:
        try:
            catalog.visible_course(session, principal, space.course_id)
        except NotFound:
            return False
        return True
    if space.event_id is None:
        return False
    event = events.get_event(session, space.event_id)
    return events.may_watch(session, principal.person_id, event) or events.may_manage(session, principal, event)


def may_moderate(session: Session, principal: Principal, space: Space) -> bool:
    """National organisers; a course's provider; an event's organisers; a community's owners."""
    if principal.is_national:
        return True
    if space.kind == "course" and space.course_id is not None:
        return catalog.may_manage(principal, catalog.get_course(session, space.course_id))
    if space.kind == "event" and space.event_id is not None:
        return events.may_manage(session, principal, events.get_event(session, space.event_id))
    return principal.person_id in repo.owner_ids(session, space.id)


def _require_moderator(session: Session, principal: Principal, space: Space) -> None:
    if not may_moderate(session, principal, space):
        raise Forbidden("Only the moderators of this space may do this.")


def course_space(session: Session, principal: Principal, course_id: int) -> Space:
    """The space of a course the person may see, opened on first use."""
    course = catalog.visible_course(session, principal, course_id)
    space = repo.space_of(session, course_id=course.id)
    if space is None:
        space = Space(kind="course", course_id=course.id, title_en=course.title_en, title_hi=course.title_hi)
        space.org_id = course.provider_org_id
        space = _add_once(session, space, lambda: repo.space_of(session, course_id=course.id))
    return space


def event_space(session: Session, principal: Principal, event_id: int) -> Space:
    """The space of an event (a Samuhik Charcha takes place around it), opened on first use; a closed event's
    only for its invitation list and its organisers."""
    event = events.get_event(session, event_id)
    if not (events.may_watch(session, principal.person_id, event) or events.may_manage(session, principal, event)):
        raise NotFound("There is no such discussion space.")
    space = repo.space_of(session, event_id=event.id)
    if space is None:
        space = Space(kind="event", event_id=event.id, title_en=event.title_en, title_hi=event.title_hi)
        space.org_id = event.organiser_org_id
        space = _add_once(session, space, lambda: repo.space_of(session, event_id=event.id))
    return space


def _add_once(session: Session, space: Space, again: Any) -> Space:
    """Add a course's or event's space; if another request just added it, use theirs."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            repo.add(session, space)
    except IntegrityError:
        found: Space | None = again()
        if found is None:
            raise
        return found
    return space


def may_open_community(principal: Principal) -> bool:
    """MDO admins and leaders (for their subtree) and national organisers open communities."""
    return principal.is_national or bool(directory.admin_paths(principal))


def open_community(session: Session, principal: Principal, data: CommunityIn) -> Space:
    """Open a community: the opener owns it; closed, only the organisation's subtree sees it."""
    if not may_open_community(principal):
        raise Forbidden("Communities are opened by MDO admins and national organisers.")
    _no_nul(data.title_en, data.title_hi, data.description, data.org_code)
    org = directory.org_by_code(session, data.org_code) if data.org_code else None
    if org is None:
        org = directory.repo.get_org(session, principal.org_id)
        assert org is not None
    if not principal.covers(org.path, Role.MDO_ADMIN, Role.MDO_LEADER):
        raise Forbidden("You may open communities only for organisations you administer.")
    space = Space(
        kind="community",
        title_en=data.title_en.strip(),
        title_hi=(data.title_hi or "").strip() or None,
        description=(data.description or "").strip() or None,
        org_id=org.id,
        audience_path=org.path if data.closed else None,
        created_by=principal.person_id,
    )
    repo.add(session, space)
    repo.add(session, SpaceOwner(space_id=space.id, person_id=principal.person_id))
    details = {"title": space.title_en, "closed": data.closed}
    audit.record(
        session,
        act=Act.DISCUSSION_OPEN,
        actor_id=principal.person_id,
        org_id=org.id,
        target=f"discussion space {space.id}",
        details=details,
    )
    return space


def add_owner(session: Session, principal: Principal, space: Space, email: str) -> None:
    """A community's owner (or an organiser) makes a colleague who may see it an owner too."""
    if space.kind != "community":
        raise InvalidInput("Only communities have owners; a course's or event's space is moderated by its own.")
    _require_moderator(session, principal, space)
    _no_nul(email)
    person = directory.repo.get_person_by_email(session, directory.normalise_email(email))
    if person is None or not may_read(session, directory.load_principal(session, person.id), space):
        raise InvalidInput("Nobody with that e-mail address may see this community.")
    if person.id in repo.owner_ids(session, space.id):
        raise Conflict("That person already owns this community.")
    repo.add(session, SpaceOwner(space_id=space.id, person_id=person.id))
    audit.record(
        session,
        act=Act.DISCUSSION_OWNER,
        actor_id=principal.person_id,
        org_id=space.org_id,
        target_person_id=person.id,
        target=f"discussion space {space.id}",
    )


def list_spaces(session: Session, principal: Principal, *, kind: str | None = None, limit: int = 100) -> list[Space]:
    """Spaces the person may read."""
    if kind not in (None, "community", "course", "event"):
        raise InvalidInput("A space is a community, a course's or an event's.")
    return repo.spaces(session, principal, kind=kind, limit=limit)


def threads_of(
    session: Session, principal: Principal, space: Space, *, page: int = 1, size: int = PAGE_SIZE
) -> tuple[int, list[Thread]]:
    """A page of a space's threads (hidden ones for moderators only)."""
    hidden = may_moderate(session, principal, space)
    return repo.threads(session, space.id, hidden=hidden, offset=(page - 1) * size, limit=size)


# ---- writing --------------------------------------------------------------------------------------------------


def _no_nul(*values: str | None) -> None:
    """Refuse text holding a NUL character (no database stores it as text; no keyboard types it)."""
    if any(v and "\x00" in v for v in values):
        raise InvalidInput("The text holds a NUL character; remove it and send again.")


def _check_rate(session: Session, person_id: int) -> None:
    if repo.posts_since(session, person_id, utcnow() - POST_WINDOW) >= POST_LIMIT:
        raise TooManyRequests(
            "You have written 10 posts in the last 10 minutes, the most allowed. Wait a few minutes, then post again."
        )


def start_thread(
    session: Session,
    principal: Principal,
    space: Space,
    *,
    title: str,
    body: str,
    uploads: Sequence[Upload] = (),
    upload_dir: Path,
    base_url: str,
) -> Thread:
    """Start a thread in a space the person may read."""
    title, body = title.strip(), body.strip()
    _no_nul(title, body)
    if len(title) < 3:
        raise InvalidInput("Give the thread a title of at least 3 characters.")
    now = utcnow()
    thread = Thread(space_id=space.id, author_id=principal.person_id, title=title[:200], created_at=now)
    thread.last_activity_at = now
    repo.add(session, thread)
    _post(session, principal, space, thread, body, uploads, upload_dir, base_url, opening=True)
    space.thread_count = (space.thread_count or 0) + 1
    return thread


def reply(
    session: Session,
    principal: Principal,
    thread: Thread,
    *,
    body: str,
    uploads: Sequence[Upload] = (),
    upload_dir: Path,
    base_url: str,
) -> Post:
    """Reply to a thread the person may read."""
    space = visible_space(session, principal, thread.space_id)
    if thread.hidden and not may_moderate(session, principal, space):
        raise Forbidden("This thread was hidden by a moderator; it takes no replies.")
    post = _post(session, principal, space, thread, body.strip(), uploads, upload_dir, base_url, opening=False)
    thread.reply_count = (thread.reply_count or 0) + 1
    thread.last_activity_at = post.created_at
    return post


def _post(
    session: Session,
    principal: Principal,
    space: Space,
    thread: Thread,
    body: str,
    uploads: Sequence[Upload],
    upload_dir: Path,
    base_url: str,
    *,
    opening: bool,
) -> Post:
    _no_nul(body)
    if not body:
        raise InvalidInput("Write something first.")
    if len(body) > 20_000:
        raise InvalidInput("A post may be at most 20,000 characters long.")
    if len(uploads) > files.MAX_FILES:
        raise InvalidInput("Attach at most {MAX_FILES} files to a post.", MAX_FILES=files.MAX_FILES)
    checked = [files.check(u.filename, u.data) for u in uploads]  # every file is refused before anything is kept
    _check_rate(session, principal.person_id)
    now = utcnow()
    text = f"{thread.title}\n{body}" if opening else body
    post = Post(
        thread_id=thread.id,
        space_id=space.id,
        author_id=principal.person_id,
        opening=opening,
        body=body,
        search_text=text.casefold(),
        created_at=now,
        upvotes=0,
        open_reports=0,
    )
    repo.add(session, post)
    for upload, (_media, _name) in zip(uploads, checked, strict=True):
        kept = files.store(upload_dir, upload.filename, upload.data)
        session.add(
            Attachment(
                post_id=post.id,
                filename=kept.filename,
                media_type=kept.media_type,
                size=kept.size,
                stored_name=kept.stored_name,
                sha256=kept.sha256,
            )
        )
    space.last_post_at = now
    _mention(session, principal, space, thread, post, base_url)
    session.flush()
    signals.publish(session, signals.DiscussionPosted(principal.person_id, post.id, now))
    return post


def _mention(session: Session, principal: Principal, space: Space, thread: Thread, post: Post, base_url: str) -> None:
    """Record and notify (by e-mail, in their language) each colleague @mentioned who may read the space."""
    emails = render.mentioned_emails(post.body)[:20]
    link = f"{base_url.rstrip('/')}/discussions/threads/{thread.id}#post-{post.id}"
    for person in repo.people_by_emails(session, emails):
        if person.id == principal.person_id or person.status != "active":
            continue
        if not may_read(session, directory.load_principal(session, person.id), space):
            continue  # a mention never tells anyone about a space they may not see
        session.add(Mention(post_id=post.id, person_id=person.id))
        lang = person.preferred_language
        subject = translate("{name} mentioned you in a discussion", lang, name=principal.full_name)
        body = translate(
            "Dear {person},\n\n{name} mentioned you in '{thread}':\n\n{excerpt}\n\nRead and reply: {link}\n\n-- Saptah",
            lang,
            person=person.full_name,
            name=principal.full_name,
            thread=thread.title,
            excerpt=render.plain(post.body, 400),
            link=link,
        )
        notify.enqueue(
            session,
            to=person.email,
            subject=subject,
            body=body,
            kind="discussion_mention",
            dedupe_key=f"discussion-mention:{post.id}:{person.id}",
        )


# ---- reading --------------------------------------------------------------------------------------------------


def visible_thread(session: Session, principal: Principal, thread_id: int) -> tuple[Thread, Space]:
    """A thread the person may read (a hidden one only for moderators), and its space."""
    thread = repo.get_thread(session, thread_id)
    if thread is None:
        raise NotFound("There is no such thread.")
    space = visible_space(session, principal, thread.space_id)
    if thread.hidden and not may_moderate(session, principal, space) and thread.author_id != principal.person_id:
        raise NotFound("There is no such thread.")
    return thread, space


def thread_posts(session: Session, principal: Principal, thread: Thread, space: Space) -> list[PostView]:
    """A thread's posts as this person sees them: hidden ones as a note (their text for moderators only)."""
    posts = repo.posts(session, thread.id)
    ids = [p.id for p in posts]
    moderator = may_moderate(session, principal, space)
    names = repo.names(session, [p.author_id for p in posts])
    voted = repo.voted(session, principal.person_id, ids)
    attached = repo.attachments(session, ids)
    mentioned = repo.mentions(session, ids)
    reasons = repo.report_reasons(session, ids) if moderator else {}
    out = []
    for p in posts:
        shown = p.hidden_at is None or moderator
        out.append(
            PostView(
                post=p,
                author=names.get(p.author_id, ""),
                html=render.to_html(p.body, mentioned.get(p.id)) if shown else None,
                upvoted=p.id in voted,
                accepted=thread.accepted_post_id == p.id,
                attachments=attached.get(p.id, []) if shown else [],
                reports=reasons.get(p.id, []),
            )
        )
    return out


def visible_post(session: Session, principal: Principal, post_id: int) -> tuple[Post, Thread, Space]:
    """A post in a thread the person may read."""
    post = repo.get_post(session, post_id)
    if post is None:
        raise NotFound("There is no such post.")
    thread, space = visible_thread(session, principal, post.thread_id)
    return post, thread, space


def attachment_for(session: Session, principal: Principal, attachment_id: int) -> Attachment:
    """An attachment of a post the person may read (of a hidden post, for moderators only)."""
    attachment = repo.get_attachment(session, attachment_id)
    if attachment is None:
        raise NotFound("There is no such attachment.")
    post, _thread, space = visible_post(session, principal, attachment.post_id)
    if post.hidden_at is not None and not may_moderate(session, principal, space):
        raise NotFound("There is no such attachment.")
    return attachment


# ---- votes, answers, moderation -------------------------------------------------------------------------------


def upvote(session: Session, principal: Principal, post_id: int, *, on: bool) -> Post:
    """Upvote a post (or take the upvote back); one per person; never one's own post."""
    post, _thread, _space = visible_post(session, principal, post_id)
    if post.author_id == principal.person_id:
        raise InvalidInput("You cannot upvote your own post.")
    vote = repo.get_vote(session, post.id, principal.person_id)
    if on and vote is None:
        with session.begin_nested():
            repo.add(session, Vote(post_id=post.id, person_id=principal.person_id))
    elif not on and vote is not None:
        repo.delete_vote(session, vote)
    post.upvotes = repo.count_votes(session, post.id)
    return post


def accept(session: Session, principal: Principal, post_id: int, *, on: bool = True) -> Thread:
    """The thread's author (or a moderator) marks a reply as the accepted answer, or takes the mark back."""
    post, thread, space = visible_post(session, principal, post_id)
    if thread.author_id != principal.person_id and not may_moderate(session, principal, space):
        raise Forbidden("Only the person who asked, or a moderator, accepts an answer.")
    if post.opening:
        raise InvalidInput("Accept a reply, not the question itself.")
    if on and post.hidden_at is not None:
        raise InvalidInput("A hidden reply cannot be the accepted answer.")
    thread.accepted_post_id = post.id if on else None
    return thread


def report(session: Session, principal: Principal, post_id: int, reason: str) -> Report:
    """Anyone who may read a post reports it to the space's moderators, once; a recorded act."""
    post, _thread, space = visible_post(session, principal, post_id)
    reason = reason.strip()
    _no_nul(reason)
    if len(reason) < 3:
        raise InvalidInput("Say in a few words what is wrong with this post.")
    if repo.get_report(session, post.id, principal.person_id) is not None:
        raise Conflict("You have already reported this post; the moderators will look at it.")
    if repo.reports_since(session, principal.person_id, utcnow() - timedelta(hours=1)) >= REPORT_LIMIT:
        raise TooManyRequests(
            "You have made 20 reports in the last hour, the most allowed; wait before reporting more."
        )
    row = Report(post_id=post.id, person_id=principal.person_id, reason=reason[:500], created_at=utcnow())
    repo.add(session, row)
    post.open_reports = (post.open_reports or 0) + 1
    audit.record(
        session,
        act=Act.DISCUSSION_REPORT,
        actor_id=principal.person_id,
        org_id=space.org_id,
        target=f"discussion post {post.id}",
        details={"space": space.id, "reason": reason[:500]},
    )
    return row


def moderate(session: Session, principal: Principal, post_id: int, reason: str, *, hide: bool) -> Post:
    """A moderator hides a post, or shows it again (or clears its reports, keeping it), with a reason; its reports
    are closed and the act recorded. Hiding or showing a thread's first post hides or shows the thread."""
    post, thread, space = visible_post(session, principal, post_id)
    _require_moderator(session, principal, space)
    reason = _reason(reason)
    if hide and post.hidden_at is not None:
        raise Conflict("This post is already hidden.")
    if not hide and post.hidden_at is None and not post.open_reports:
        raise Conflict("This post is neither hidden nor reported.")
    now = utcnow()
    post.hidden_at, post.hidden_by, post.hidden_reason = (now, principal.person_id, reason) if hide else (None,) * 3
    if post.opening:
        thread.hidden = hide
    if hide and thread.accepted_post_id == post.id:
        thread.accepted_post_id = None
    closed = repo.close_reports(session, post.id, now)
    post.open_reports = 0
    audit.record(
        session,
        act=Act.DISCUSSION_HIDE if hide else Act.DISCUSSION_RESTORE,
        actor_id=principal.person_id,
        org_id=space.org_id,
        target=f"discussion post {post.id}",
        details={"space": space.id, "reason": reason, "reports_closed": closed},
    )
    return post


def _reason(reason: str) -> str:
    reason = reason.strip()
    _no_nul(reason)
    if len(reason) < 3:
        raise InvalidInput("Give a reason of at least 3 characters; the author and the audit log see it.")
    return reason[:500]


def reported(session: Session, principal: Principal, space: Space) -> list[tuple[Post, Thread, list[str]]]:
    """A space's posts with open reports, and the reasons, for its moderators."""
    if not may_moderate(session, principal, space):
        return []
    rows = repo.reported_posts(session, space.id)
    reasons = repo.report_reasons(session, [p.id for p, _ in rows])
    return [(p, t, reasons.get(p.id, [])) for p, t in rows]


# ---- search ---------------------------------------------------------------------------------------------------


def search(
    session: Session, principal: Principal, q: str, *, page: int = 1, size: int = PAGE_SIZE
) -> tuple[int, list[tuple[Post, Thread, Space]]]:
    """Posts the person may read holding every word of the query (English, Hindi or both)."""
    _no_nul(q)
    words = fulltext.words_of(q.casefold())
    if not words:  # nothing searchable (punctuation only): nothing found
        return 0, []
    return repo.search(session, principal, words, offset=(page - 1) * size, limit=size)


def forget_person(session: Session, event: signals.PersonErased) -> None:
    """An erased person receives no more digests."""
    repo.forget_person(session, event.person_id)
