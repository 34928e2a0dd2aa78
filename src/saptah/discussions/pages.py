"""Discussion pages: spaces, a space's threads, a thread, search, following, moderation and attachments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from saptah.core.errors import Forbidden, InvalidInput, NotFound, SaptahError
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.discussions import digest, files, render, service
from saptah.discussions import repository as repo
from saptah.discussions.models import Space
from saptah.discussions.schemas import CommunityIn
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import N_
from saptah.web.templating import render as render_page

router = APIRouter(include_in_schema=False)
KIND_LABELS = {"community": N_("Community"), "course": N_("Course"), "event": N_("Event")}


def _lang(request: Request) -> str:
    return str(getattr(request.state, "lang", "en"))


def _to(request: Request, address: str, message: str | None = None, *, kind: str = "notice") -> Response:
    response = RedirectResponse(address, status_code=303)
    if message:
        flash(request, response, message, kind=kind)
    return response


async def _uploads(request: Request) -> list[service.Upload]:
    """The files sent in the form's `files` field (empty file inputs are skipped), read up to the size limit."""
    form = await request.form()
    out = []
    for item in form.getlist("files"):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = await item.read(files.MAX_BYTES + 1)
        if data:
            out.append(service.Upload(item.filename, data))
    return out


async def _text(request: Request, name: str, limit: int) -> str:
    form = await request.form()
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise InvalidInput("The text is too long.")
    return value


def _with_post_form(ctx: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """What a page with a post form shows: the attachment limits, and no error or kept values unless given."""
    ctx.update(max_files=files.MAX_FILES, max_mb=files.MAX_BYTES // (1024 * 1024), allowed=files.ALLOWED)
    ctx.update({"error": None, "values": {}}, **extra)
    return ctx


@router.get("/discussions", response_class=HTMLResponse)
def spaces_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    kind: Annotated[str, Query(pattern="^(|community|course|event)$")] = "",
) -> Response:
    """Spaces the person may read, with search and (for admins) a way to open a community."""
    spaces = service.list_spaces(db, principal, kind=kind or None)
    ctx = {"spaces": spaces, "kind": kind, "kinds": KIND_LABELS, "may_open": service.may_open_community(principal)}
    ctx["titles"] = {s.id: service.space_title(s, _lang(request)) for s in spaces}
    return render_page(request, "discussions_spaces.html", ctx)


@router.get("/discussions/new", response_class=HTMLResponse)
def new_community(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The form to open a community."""
    if not service.may_open_community(principal):
        raise Forbidden("Communities are opened by MDO admins and national organisers.")
    return render_page(request, "discussions_new.html", _new_ctx(db, principal, {}, None))


def _new_ctx(db: Session, principal: Principal, values: dict[str, Any], error: str | None) -> dict[str, Any]:
    return {"values": values, "error": error, "orgs": directory.orgs_in_scope(db, principal)[:500]}


@router.post("/discussions/new", response_class=HTMLResponse, dependencies=[CSRF])
def create_community(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    title_en: Annotated[str, Form(max_length=300)] = "",
    title_hi: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    org_code: Annotated[str, Form(max_length=40)] = "",
    closed: Annotated[str, Form(pattern="^(|yes)$")] = "",
) -> Response:
    """Open a community from the form."""
    values = {"title_en": title_en, "title_hi": title_hi, "description": description, "org_code": org_code}
    values["closed"] = closed
    try:
        data = CommunityIn(
            title_en=title_en,
            title_hi=title_hi or None,
            description=description or None,
            org_code=org_code or None,
            closed=closed == "yes",
        )
        space = service.open_community(db, principal, data)
    except ValidationError:
        ctx = _new_ctx(db, principal, values, N_("Give the community a name of at least 3 characters."))
        return render_page(request, "discussions_new.html", ctx, status_code=400)
    except SaptahError as exc:
        ctx = _new_ctx(db, principal, values, exc.message)
        return render_page(request, "discussions_new.html", ctx, status_code=exc.status_code)
    return _to(request, f"/discussions/spaces/{space.id}", N_("The community is open."))


@router.get("/discussions/courses/{course_id}")
def course_space(db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """A course's discussion space."""
    return RedirectResponse(f"/discussions/spaces/{service.course_space(db, principal, course_id).id}", 303)


@router.get("/discussions/events/{event_id}")
def event_space(db: DB, principal: CurrentPrincipal, event_id: int) -> Response:
    """An event's discussion space (the Samuhik Charcha around it)."""
    return RedirectResponse(f"/discussions/spaces/{service.event_space(db, principal, event_id).id}", 303)


@router.get("/discussions/spaces/{space_id}", response_class=HTMLResponse)
def space_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    space_id: int,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A space's threads, the form to start one, following, and (for moderators) reported posts."""
    space = service.visible_space(db, principal, space_id)
    return render_page(request, "discussions_space.html", _space_ctx(request, db, principal, space, page))


def _space_ctx(
    request: Request, db: Session, principal: Principal, space: Space, page: int = 1, **extra: Any
) -> dict[str, Any]:
    total, threads = service.threads_of(db, principal, space, page=page)
    ctx: dict[str, Any] = {"space": space, "title": service.space_title(space, _lang(request)), "threads": threads}
    ctx.update(total=total, page=page, pages=max(1, -(-total // service.PAGE_SIZE)), kinds=KIND_LABELS)
    ctx["names"] = repo.names(db, [t.author_id for t in threads])
    ctx["moderator"] = service.may_moderate(db, principal, space)
    ctx["reported"] = service.reported(db, principal, space)
    ctx["following"] = digest.is_following(db, principal.person_id, space_id=space.id)
    ctx["owners"] = list(repo.names(db, repo.owner_ids(db, space.id)).values()) if space.kind == "community" else []
    return _with_post_form(ctx, extra)


@router.post("/discussions/spaces/{space_id}/threads", response_class=HTMLResponse, dependencies=[CSRF])
async def start_thread(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, space_id: int
) -> Response:
    """Start a thread from the form (with attachments); a refusal shows the form again with the text kept."""
    space = service.visible_space(db, principal, space_id)
    title, body = await _text(request, "title", 200), await _text(request, "body", 20_000)
    try:
        thread = service.start_thread(
            db,
            principal,
            space,
            title=title,
            body=body,
            uploads=await _uploads(request),
            upload_dir=settings.upload_dir,
            base_url=settings.base_url,
        )
    except SaptahError as exc:
        db.rollback()
        ctx = _space_ctx(request, db, principal, space, error=exc.message, values={"title": title, "body": body})
        return render_page(request, "discussions_space.html", ctx, status_code=exc.status_code)
    return _to(request, f"/discussions/threads/{thread.id}")


@router.post("/discussions/spaces/{space_id}/owners", dependencies=[CSRF])
def add_owner(
    request: Request, db: DB, principal: CurrentPrincipal, space_id: int, email: Annotated[str, Form(max_length=254)]
) -> Response:
    """Make a colleague an owner of the community."""
    space = service.visible_space(db, principal, space_id)
    service.add_owner(db, principal, space, email)
    return _to(request, f"/discussions/spaces/{space.id}", N_("Owner added."))


@router.post("/discussions/spaces/{space_id}/follow", dependencies=[CSRF])
def follow_space(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    space_id: int,
    on: Annotated[str, Form(pattern="^(yes|no)$")] = "yes",
) -> Response:
    """Follow or stop following a space."""
    if on == "yes":
        digest.follow(db, principal, space_id=space_id)
        return _to(
            request, f"/discussions/spaces/{space_id}", N_("You follow this space; the digest tells you what is new.")
        )
    digest.unfollow(db, principal, space_id=space_id)
    return _to(request, f"/discussions/spaces/{space_id}", N_("You no longer follow this space."))


@router.get("/discussions/threads/{thread_id}", response_class=HTMLResponse)
def thread_page(request: Request, db: DB, principal: CurrentPrincipal, thread_id: int) -> Response:
    """A thread and its replies, with the reply form."""
    thread, space = service.visible_thread(db, principal, thread_id)
    return render_page(request, "discussions_thread.html", _thread_ctx(request, db, principal, thread, space))


def _thread_ctx(
    request: Request, db: Session, principal: Principal, thread: Any, space: Space, **extra: Any
) -> dict[str, Any]:
    ctx: dict[str, Any] = {"thread": thread, "space": space, "title": service.space_title(space, _lang(request))}
    ctx["posts"] = service.thread_posts(db, principal, thread, space)
    ctx["moderator"] = service.may_moderate(db, principal, space)
    ctx["asker"] = thread.author_id == principal.person_id
    ctx["following"] = digest.is_following(db, principal.person_id, thread_id=thread.id)
    return _with_post_form(ctx, extra)


@router.post("/discussions/threads/{thread_id}/replies", response_class=HTMLResponse, dependencies=[CSRF])
async def reply(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, thread_id: int
) -> Response:
    """Reply from the form (with attachments); a refusal shows the form again with the text kept."""
    thread, space = service.visible_thread(db, principal, thread_id)
    body = await _text(request, "body", 20_000)
    try:
        post = service.reply(
            db,
            principal,
            thread,
            body=body,
            uploads=await _uploads(request),
            upload_dir=settings.upload_dir,
            base_url=settings.base_url,
        )
    except SaptahError as exc:
        db.rollback()
        thread, space = service.visible_thread(db, principal, thread_id)
        ctx = _thread_ctx(request, db, principal, thread, space, error=exc.message, values={"body": body})
        return render_page(request, "discussions_thread.html", ctx, status_code=exc.status_code)
    return _to(request, f"/discussions/threads/{thread.id}#post-{post.id}")


@router.post("/discussions/threads/{thread_id}/follow", dependencies=[CSRF])
def follow_thread(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    thread_id: int,
    on: Annotated[str, Form(pattern="^(yes|no)$")] = "yes",
) -> Response:
    """Follow or stop following a thread."""
    if on == "yes":
        digest.follow(db, principal, thread_id=thread_id)
        return _to(request, f"/discussions/threads/{thread_id}", N_("You follow this thread."))
    digest.unfollow(db, principal, thread_id=thread_id)
    return _to(request, f"/discussions/threads/{thread_id}", N_("You no longer follow this thread."))


@router.post("/discussions/posts/{post_id}/{act}", dependencies=[CSRF])
def post_act(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    post_id: int,
    act: str,
    on: Annotated[str, Form(pattern="^(yes|no)$")] = "yes",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Upvote, accept, report, hide or restore a post; back to its thread with what happened."""
    post, thread, _space = service.visible_post(db, principal, post_id)
    back = f"/discussions/threads/{thread.id}#post-{post.id}"
    done = {
        "upvote": lambda: service.upvote(db, principal, post.id, on=on == "yes"),
        "accept": lambda: service.accept(db, principal, post.id, on=on == "yes"),
        "report": lambda: service.report(db, principal, post.id, reason),
        "hide": lambda: service.moderate(db, principal, post.id, reason, hide=True),
        "restore": lambda: service.moderate(db, principal, post.id, reason, hide=False),
    }
    messages = {
        "upvote": None,
        "accept": N_("Accepted answer updated."),
        "report": N_("Thank you: the moderators will look at it."),
        "hide": N_("The post is hidden."),
        "restore": N_("The post is shown again."),
    }
    if act not in done:
        raise NotFound("There is no page at this address.")
    try:
        done[act]()
    except SaptahError as exc:
        db.rollback()
        return _to(request, back, exc.message, kind="error")
    return _to(request, back, messages[act])


@router.get("/discussions/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Search the discussions the person may read."""
    total, rows = service.search(db, principal, q, page=page)
    lang = _lang(request)
    hits = [(p, t, service.space_title(s, lang), render.plain(p.body)) for p, t, s in rows]
    ctx = {"q": q, "total": total, "hits": hits, "page": page, "pages": max(1, -(-total // service.PAGE_SIZE))}
    return render_page(request, "discussions_search.html", ctx)


@router.get("/discussions/following", response_class=HTMLResponse)
def following_page(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """What the person follows, and how often the digest comes."""
    spaces, threads = digest.following(db, principal)
    ctx = {"spaces": spaces, "threads": threads, "frequency": digest.frequency_of(db, principal.person_id)}
    ctx["titles"] = {s.id: service.space_title(s, _lang(request)) for s in spaces}
    return render_page(request, "discussions_following.html", ctx)


@router.post("/discussions/following", dependencies=[CSRF])
def set_digest(
    request: Request, db: DB, principal: CurrentPrincipal, frequency: Annotated[str, Form(max_length=10)]
) -> Response:
    """Choose the digest's frequency."""
    digest.set_frequency(db, principal.person_id, frequency)
    return _to(request, "/discussions/following", N_("Saved."))


@router.get("/discussions/attachments/{attachment_id}")
def attachment(db: DB, principal: CurrentPrincipal, settings: SettingsDep, attachment_id: int) -> Response:
    """An attachment, with the type Saptah found in it; only images are shown in the page, the rest downloaded."""
    found = service.attachment_for(db, principal, attachment_id)
    path = files.path_of(settings.upload_dir, found.stored_name)
    if not path.is_file():
        raise NotFound("This file is no longer kept.")
    disposition = "inline" if found.media_type in files.INLINE else "attachment"
    return FileResponse(
        path,
        media_type=found.media_type,
        filename=found.filename,
        content_disposition_type=disposition,
        headers={"Cache-Control": "private, max-age=3600"},
    )
