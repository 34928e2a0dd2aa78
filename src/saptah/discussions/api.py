"""JSON routes of discussions under /api/v1/discussions: spaces, threads, replies, votes, moderation, following."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from saptah.directory.schemas import Principal
from saptah.discussions import digest, service
from saptah.discussions import repository as repo
from saptah.discussions.models import Space, Thread
from saptah.discussions.schemas import (
    AttachmentOut,
    CommunityIn,
    DigestIn,
    FollowIn,
    FollowingOut,
    PostOut,
    ReasonIn,
    ReplyIn,
    SearchHit,
    SearchPage,
    SpaceOut,
    ThreadIn,
    ThreadOut,
    ThreadPage,
    ThreadView,
)
from saptah.web.deps import DB, CurrentPrincipal, SettingsDep

router = APIRouter(prefix="/api/v1/discussions", tags=["discussions"])


def _lang(request: Request) -> str:
    return str(getattr(request.state, "lang", "en"))


def space_out(db: Session, principal: Principal, space: Space, lang: str = "en") -> SpaceOut:
    """A space as the API shows it, with what this person may do there."""
    return SpaceOut(
        id=space.id,
        kind=space.kind,
        title=service.space_title(space, lang),
        description=space.description,
        course_id=space.course_id,
        event_id=space.event_id,
        closed=space.audience_path is not None,
        thread_count=space.thread_count,
        last_post_at=space.last_post_at,
        may_moderate=service.may_moderate(db, principal, space),
        following=digest.is_following(db, principal.person_id, space_id=space.id),
    )


def thread_out(thread: Thread, author: str) -> ThreadOut:
    """A thread as the API shows it."""
    return ThreadOut(
        id=thread.id,
        space_id=thread.space_id,
        title=thread.title,
        author=author,
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
        reply_count=thread.reply_count,
        answered=thread.accepted_post_id is not None,
        hidden=thread.hidden,
    )


@router.get("/spaces", response_model=list[SpaceOut])
def list_spaces(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    kind: Annotated[str | None, Query(pattern="^(community|course|event)$")] = None,
) -> list[SpaceOut]:
    """Spaces the caller may read: communities, and course and event spaces with threads (or all of a kind)."""
    return [space_out(db, principal, s, _lang(request)) for s in service.list_spaces(db, principal, kind=kind)]


@router.post("/spaces", response_model=SpaceOut, status_code=201)
def open_community(body: CommunityIn, db: DB, principal: CurrentPrincipal) -> SpaceOut:
    """Open a community (MDO admins for their subtree, national organisers), public or closed to the subtree."""
    return space_out(db, principal, service.open_community(db, principal, body))


@router.get("/courses/{course_id}/space", response_model=SpaceOut)
def course_space(course_id: int, request: Request, db: DB, principal: CurrentPrincipal) -> SpaceOut:
    """A course's space (opened on first use)."""
    return space_out(db, principal, service.course_space(db, principal, course_id), _lang(request))


@router.get("/events/{event_id}/space", response_model=SpaceOut)
def event_space(event_id: int, request: Request, db: DB, principal: CurrentPrincipal) -> SpaceOut:
    """An event's space (opened on first use; a closed event's for its list and organisers only)."""
    return space_out(db, principal, service.event_space(db, principal, event_id), _lang(request))


@router.get("/spaces/{space_id}", response_model=ThreadPage)
def space_threads(
    space_id: int,
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 30,
) -> ThreadPage:
    """A space and a page of its threads (404 for a space the caller may not see)."""
    space = service.visible_space(db, principal, space_id)
    total, threads = service.threads_of(db, principal, space, page=page, size=size)
    names = repo.names(db, [t.author_id for t in threads])
    items = [thread_out(t, names.get(t.author_id, "")) for t in threads]
    return ThreadPage(space=space_out(db, principal, space, _lang(request)), total=total, threads=items)


@router.post("/spaces/{space_id}/threads", response_model=ThreadView, status_code=201)
def start_thread(
    space_id: int, body: ThreadIn, request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep
) -> ThreadView:
    """Start a thread (Markdown; @e-mail mentions notify colleagues who may see the space)."""
    space = service.visible_space(db, principal, space_id)
    thread = service.start_thread(
        db,
        principal,
        space,
        title=body.title,
        body=body.body,
        upload_dir=settings.upload_dir,
        base_url=settings.base_url,
    )
    return _view(db, principal, thread.id, _lang(request))


@router.get("/threads/{thread_id}", response_model=ThreadView)
def read_thread(thread_id: int, request: Request, db: DB, principal: CurrentPrincipal) -> ThreadView:
    """A thread with its posts (a hidden post's text only for moderators)."""
    return _view(db, principal, thread_id, _lang(request))


def _view(db: Session, principal: Principal, thread_id: int, lang: str) -> ThreadView:
    thread, space = service.visible_thread(db, principal, thread_id)
    views = service.thread_posts(db, principal, thread, space)
    posts = [
        PostOut(
            id=v.post.id,
            thread_id=thread.id,
            author=v.author,
            author_id=v.post.author_id,
            opening=v.post.opening,
            created_at=v.post.created_at,
            # the Markdown as written only to its author (it may hold the e-mail addresses of people mentioned)
            body=v.post.body if v.html is not None and v.post.author_id == principal.person_id else None,
            html=v.html,
            upvotes=v.post.upvotes,
            upvoted=v.upvoted,
            accepted=v.accepted,
            hidden=v.post.hidden_at is not None,
            hidden_reason=v.post.hidden_reason,
            attachments=[
                AttachmentOut(
                    id=a.id,
                    filename=a.filename,
                    media_type=a.media_type,
                    size=a.size,
                    url=f"/discussions/attachments/{a.id}",
                )
                for a in v.attachments
            ],
        )
        for v in views
    ]
    names = repo.names(db, [thread.author_id])
    following = digest.is_following(db, principal.person_id, thread_id=thread.id)
    out = thread_out(thread, names.get(thread.author_id, ""))
    return ThreadView(thread=out, space=space_out(db, principal, space, lang), posts=posts, following=following)


@router.post("/threads/{thread_id}/replies", response_model=PostOut, status_code=201)
def reply(
    thread_id: int, body: ReplyIn, request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep
) -> PostOut:
    """Reply to a thread."""
    thread, _space = service.visible_thread(db, principal, thread_id)
    post = service.reply(
        db, principal, thread, body=body.body, upload_dir=settings.upload_dir, base_url=settings.base_url
    )
    view = _view(db, principal, thread.id, _lang(request))
    return next(p for p in view.posts if p.id == post.id)


@router.put("/posts/{post_id}/upvote", status_code=204)
def upvote(post_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """Upvote a post (once; not one's own)."""
    service.upvote(db, principal, post_id, on=True)
    return Response(status_code=204)


@router.delete("/posts/{post_id}/upvote", status_code=204)
def take_back_upvote(post_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """Take an upvote back."""
    service.upvote(db, principal, post_id, on=False)
    return Response(status_code=204)


@router.put("/posts/{post_id}/accepted", status_code=204)
def accept(post_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """Mark a reply as the accepted answer (the thread's author or a moderator)."""
    service.accept(db, principal, post_id, on=True)
    return Response(status_code=204)


@router.delete("/posts/{post_id}/accepted", status_code=204)
def unaccept(post_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """Take the accepted mark back."""
    service.accept(db, principal, post_id, on=False)
    return Response(status_code=204)


@router.post("/posts/{post_id}/report", status_code=204)
def report(post_id: int, body: ReasonIn, db: DB, principal: CurrentPrincipal) -> Response:
    """Report a post to the space's moderators (once per person)."""
    service.report(db, principal, post_id, body.reason)
    return Response(status_code=204)


@router.post("/posts/{post_id}/{act}", status_code=204)
def moderate(
    post_id: int, act: Literal["hide", "restore"], body: ReasonIn, db: DB, principal: CurrentPrincipal
) -> Response:
    """Hide a post, or show it again (or dismiss its reports), with a reason (the space's moderators)."""
    service.moderate(db, principal, post_id, body.reason, hide=act == "hide")
    return Response(status_code=204)


@router.get("/search", response_model=SearchPage)
def search(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> SearchPage:
    """Posts the caller may read holding every word of `q`."""
    from saptah.discussions import render

    total, rows = service.search(db, principal, q, page=page)
    lang = _lang(request)
    hits = [
        SearchHit(
            post_id=p.id,
            thread_id=t.id,
            thread_title=t.title,
            space_id=s.id,
            space_title=service.space_title(s, lang),
            excerpt=render.plain(p.body),
            created_at=p.created_at,
        )
        for p, t, s in rows
    ]
    return SearchPage(total=total, hits=hits)


@router.get("/following", response_model=FollowingOut)
def following(request: Request, db: DB, principal: CurrentPrincipal) -> FollowingOut:
    """What the caller follows and how often the digest comes."""
    spaces, threads = digest.following(db, principal)
    names = repo.names(db, [t.author_id for t in threads])
    return FollowingOut(
        frequency=digest.frequency_of(db, principal.person_id),
        spaces=[space_out(db, principal, s, _lang(request)) for s in spaces],
        threads=[thread_out(t, names.get(t.author_id, "")) for t in threads],
    )


@router.put("/follows", status_code=204)
def follow(body: FollowIn, db: DB, principal: CurrentPrincipal) -> Response:
    """Follow a space or a thread."""
    digest.follow(db, principal, space_id=body.space_id, thread_id=body.thread_id)
    return Response(status_code=204)


@router.delete("/follows", status_code=204)
def unfollow(
    db: DB, principal: CurrentPrincipal, space_id: int | None = None, thread_id: int | None = None
) -> Response:
    """Stop following a space or a thread (given as `space_id` or `thread_id`)."""
    digest.unfollow(db, principal, space_id=space_id, thread_id=thread_id)
    return Response(status_code=204)


@router.put("/digest", status_code=204)
def set_digest(body: DigestIn, db: DB, principal: CurrentPrincipal) -> Response:
    """Choose a daily or weekly digest, or none."""
    digest.set_frequency(db, principal.person_id, body.frequency)
    return Response(status_code=204)
