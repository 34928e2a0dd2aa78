"""Catalogue pages: search, course detail (enrol, rate), the native player, programs, import and export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from saptah.catalog import importer, learning, scorm, scorm_pages, service
from saptah.catalog import repository as repo
from saptah.catalog.models import Category, CompetencyArea, CourseStatus, LaunchKind
from saptah.catalog.repository import CourseFilter
from saptah.catalog.schemas import LANGUAGES
from saptah.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from saptah.directory import repository as dirrepo
from saptah.directory.models import OrgType
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import DEFAULT, translate
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(scorm_pages.router)
PAGE_SIZE = 20
MB = 1024 * 1024


def _providers(db: DB) -> list[object]:
    return [o for o in dirrepo.subtree(db, None) if o.type == OrgType.CONTENT_PROVIDER.value]


def _number(value: str, name: str) -> int | None:
    """A whole-number filter from a form; empty means no filter."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("{name} must be a whole number.", name=name)
    return int(value)


@router.get("/courses", response_class=HTMLResponse)
def courses(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=200)] = "",
    competency: Annotated[str, Query(max_length=12)] = "",
    provider: Annotated[str, Query(max_length=12)] = "",
    language: Annotated[str, Query(max_length=5)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    max_minutes: Annotated[str, Query(max_length=6)] = "",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    """Search and filter the live catalogue, paginated (an empty filter means "any")."""
    if category and category not in {c.value for c in Category}:
        raise InvalidInput("Unknown category.")
    if language and language not in LANGUAGES:
        raise InvalidInput("Unknown language.")
    f = CourseFilter(
        q=q or None,
        competency_id=_number(competency, "competency"),
        provider_org_id=_number(provider, "provider"),
        language=language or None,
        category=category or None,
        max_minutes=_number(max_minutes, "max_minutes"),
    )
    total, rows = service.search(db, f, page=page, size=PAGE_SIZE)
    providers = _providers(db)
    ctx = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "f": f,
        "competencies": repo.competencies(db),
        "providers": providers,
        "provider_names": {o.id: o.name_en for o in providers},  # type: ignore[attr-defined]
        "languages": LANGUAGES,
        "categories": [c.value for c in Category],
        "course_comps": repo.competencies_of(db, [c.id for c in rows]),
        "programs": repo.collections(db) if page == 1 and not q else [],
        "query": request.url.query,
        "is_admin": service.may_read_catalogue(principal),
    }
    return render(request, "courses.html", ctx)


@router.get("/courses/{course_id}", response_class=HTMLResponse)
def course_detail(request: Request, db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """A course: what it is, enrol, rate, and where you are in it."""
    course = service.visible_course(db, principal, course_id)
    enrolment = repo.get_enrolment(db, principal.person_id, course.id)
    completion = repo.get_completion(db, principal.person_id, course.id)
    avg, count = repo.rating_summary(db, course.id)
    from saptah.recognition import repository as recrepo

    ctx = {
        "course": course,
        "provider": dirrepo.get_org(db, course.provider_org_id),
        "competencies": repo.competencies_of(db, [course.id])[course.id],
        "modules": repo.modules_of(db, course.id),
        "enrolment": enrolment,
        "completion": completion,
        "certificate": recrepo.certificate_for(db, principal.person_id, "course", course.id) if completion else None,
        "my_rating": repo.get_rating(db, principal.person_id, course.id),
        "avg": avg,
        "count": count,
        "programs": repo.collections_containing(db, course.id),
        "may_manage": service.may_manage(principal, course),
        "is_admin": principal.home_role in ("mdo_admin", "mdo_leader", "national_organiser"),
        "languages": LANGUAGES,
        "statuses": [s.value for s in CourseStatus],
    }
    return render(request, "course.html", ctx)


@router.post("/courses/{course_id}/enrol", dependencies=[CSRF])
def enrol(db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """Enrol yourself, then go to the course."""
    course = service.visible_course(db, principal, course_id)
    service.enrol(db, person_id=principal.person_id, course_id=course.id)
    target = f"/learn/{course.id}" if course.launch_kind == LaunchKind.NATIVE.value else f"/courses/{course.id}"
    return RedirectResponse(target, status_code=303)


@router.post("/courses/{course_id}/enrol-many", dependencies=[CSRF])
def enrol_many(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    course_id: int,
    emails: Annotated[str, Form(max_length=200000)],
) -> Response:
    """An admin enrols people of their organisation by e-mail (one per line)."""
    course = service.visible_course(db, principal, course_id)
    lines = [e for e in emails.replace(",", "\n").splitlines() if e.strip()]
    if not lines:
        raise InvalidInput("Give at least one e-mail address.")
    outcome = service.enrol_many(db, principal=principal, course_id=course.id, emails=lines)
    response = RedirectResponse(f"/courses/{course.id}", status_code=303)
    flash(request, response, "Enrolled {enrolled}; already enrolled {already}.", enrolled=outcome["enrolled"],
          already=outcome["already"])  # fmt: skip
    problems = cast(list[str], outcome["problems"])
    if problems:
        flash(request, response, "Not enrolled: {problems}", kind="error", problems="; ".join(problems[:20]))
    return response


@router.post("/courses/{course_id}/rate", dependencies=[CSRF])
def rate(
    db: DB,
    principal: CurrentPrincipal,
    course_id: int,
    stars: Annotated[int, Form()],
    review: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Rate a course 1-5 stars (a second rating replaces the first)."""
    course = service.visible_course(db, principal, course_id)
    service.rate(db, person_id=principal.person_id, course_id=course.id, stars=stars, review=review)
    return RedirectResponse(f"/courses/{course.id}#rating", status_code=303)


@router.post("/courses/{course_id}/status", dependencies=[CSRF])
def set_status(
    db: DB, principal: CurrentPrincipal, course_id: int, status: Annotated[CourseStatus, Form()]
) -> Response:
    """The provider or a national organiser publishes or retires a course."""
    course = service.visible_course(db, principal, course_id)
    service.set_status(db, principal=principal, course=course, status=status)
    return RedirectResponse(f"/courses/{course.id}", status_code=303)


@router.get("/courses/{course_id}/launch")
def launch(db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """Open an external course at its provider (enrolled learners only)."""
    course = service.visible_course(db, principal, course_id)
    if repo.get_enrolment(db, principal.person_id, course.id) is None:
        raise Conflict("Enrol in this course first.")
    if course.launch_kind == LaunchKind.NATIVE.value:
        return RedirectResponse(f"/learn/{course.id}", status_code=303)
    scorm_player = scorm_pages.launch_target(db, course.id, course.launch_kind)
    if scorm_player is not None:
        return RedirectResponse(scorm_player, status_code=303)
    if not course.launch_url:
        raise NotFound("This course has no launch address yet.")
    return RedirectResponse(course.launch_url, status_code=303)


# Sent by the service worker when it fetches a player page ahead, to be read offline: nothing is recorded.
PREFETCH_HEADER = "x-saptah-prefetch"


@router.get("/learn/offline.json")
def offline_pages(db: DB, principal: CurrentPrincipal) -> JSONResponse:
    """The player pages of the learner's unfinished native courses, for the service worker to keep offline."""
    urls = learning.offline_pages(db, person_id=principal.person_id)
    return JSONResponse({"urls": urls}, headers={"Cache-Control": "no-store"})


@router.get("/learn/{course_id}", response_class=HTMLResponse)
def player(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    course_id: int,
    module: Annotated[int | None, Query()] = None,
) -> Response:
    """The native player: the current module (or where you left off), its time on task, progress, the assessment."""
    course = service.visible_course(db, principal, course_id)
    rules = learning.time_rules(settings)
    record = request.headers.get(PREFETCH_HEADER) != "1"
    st = learning.state(
        db, person_id=principal.person_id, course_id=course.id, module_id=module, rules=rules, record=record
    )
    packages = {p.module_id: p.id for p in scorm.packages_of(db, course.id) if p.module_id is not None}
    return render(request, "player.html", {"st": st, "course": course, "scorm": packages})


@router.post("/learn/{course_id}/modules/{module_id}/done", dependencies=[CSRF])
def module_done(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, course_id: int, module_id: int
) -> Response:
    """Mark a module done and move on; too early, the player says what is left (409)."""
    course = service.visible_course(db, principal, course_id)
    rules = learning.time_rules(settings)
    try:
        st = learning.mark_done(
            db, person_id=principal.person_id, course_id=course.id, module_id=module_id, rules=rules
        )
    except learning.NotYet as exc:
        st = learning.state(db, person_id=principal.person_id, course_id=course.id, module_id=module_id, rules=rules)
        lang = getattr(request.state, "lang", DEFAULT)
        error = translate("Not yet: {message}", lang, message=exc.standing.message(lang))
        ctx = {"st": st, "course": course, "error": error}
        return render(request, "player.html", ctx, status_code=exc.status_code)
    if st.completed_at is not None:
        return RedirectResponse(f"/courses/{course.id}?done=1", status_code=303)
    if st.all_modules_done and st.assessment:
        return RedirectResponse(f"/learn/{course.id}#assessment", status_code=303)
    return RedirectResponse(f"/learn/{course.id}", status_code=303)


@router.post("/learn/{course_id}/ping", dependencies=[CSRF])
def ping(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    course_id: int,
    settings: SettingsDep,
    module_id: Annotated[int, Form()],
    seconds: Annotated[int, Form()],
    watched: Annotated[str, Form(max_length=4000)] = "",
    kept_at: Annotated[int | None, Form(ge=0)] = None,
) -> Response:
    """The player page reports the time it was visible, and an inline video's watched ranges ("0-31.5,40-62");
    `kept_at` (epoch ms) is when a ping kept on the device while offline was made."""
    at = datetime.fromtimestamp(kept_at / 1000, UTC) if kept_at is not None else None
    standing = learning.ping(
        db, person_id=principal.person_id, course_id=course_id, module_id=module_id, seconds=seconds, watched=watched,
        rules=learning.time_rules(settings), at=at,
    )  # fmt: skip
    body: dict[str, object] = {"module_seconds": standing.spent_seconds, "watched_seconds": standing.watched_seconds}
    message = standing.message(getattr(request.state, "lang", DEFAULT))
    body |= {"left_seconds": standing.left_seconds, "message": message}
    return JSONResponse(body)


@router.post("/learn/{course_id}/assessment", dependencies=[CSRF])
async def assessment(request: Request, db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """Submit answers; shows the score, and the certificate when the course is complete."""
    course = service.visible_course(db, principal, course_id)
    form = await request.form()
    count = len((course.assessment or {}).get("questions", []))
    answers: list[int | None] = []
    for i in range(count):
        raw = form.get(f"q{i}")
        answers.append(int(raw) if isinstance(raw, str) and raw.isdigit() else None)
    rules = learning.time_rules(request.app.state.settings)
    attempt = learning.submit_assessment(
        db, person_id=principal.person_id, course_id=course.id, answers=answers, rules=rules
    )
    # post/redirect/get: the result is shown once on the player page, which a reload simply shows again
    response = RedirectResponse(f"/learn/{course.id}#assessment", status_code=303)
    if attempt.passed:
        flash(request, response, "You scored {score}%: passed.", score=attempt.score_percent)
    else:
        flash(request, response, "You scored {score}%: not passed.", kind="error", score=attempt.score_percent)
    return response


@router.get("/courses/{course_id}/time-on-task", response_class=HTMLResponse)
def time_on_task(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, course_id: int
) -> Response:
    """For the course's managers: native completions whose time on task was unusually short."""
    rules = learning.time_rules(settings)
    course, total, rows = service.short_completions(db, principal=principal, course_id=course_id, rules=rules)
    ctx = {"course": course, "total": total, "rows": rows, "share": rules.module_share}
    return render(request, "time_on_task.html", ctx)


@router.get("/programs/{collection_id}", response_class=HTMLResponse)
def program(request: Request, db: DB, principal: CurrentPrincipal, collection_id: int) -> Response:
    """A program or collection: its courses in order and the learner's progress by its rule."""
    info = service.program_progress(db, person_id=principal.person_id, collection_id=collection_id)
    return render(request, "program.html", {"p": info, "program": info.program})


@router.get("/catalog/import", response_class=HTMLResponse)
def import_form(request: Request, principal: CurrentPrincipal) -> Response:
    """The course import page for content providers and national organisers."""
    service.require_publisher(principal)
    return render(request, "import.html", {"columns": importer.CSV_COLUMNS})


@router.post("/catalog/import", dependencies=[CSRF])
async def import_upload(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, file: UploadFile
) -> Response:
    """Check an uploaded CSV/JSON course file; import it only when every row is good."""
    service.require_publisher(principal)
    limit = min(settings.max_upload_mb, 20) * MB
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge("The file is larger than {size} MB.", size=limit // MB)
    rows, first = importer.parse_file(file.filename or "", data)
    result = importer.import_courses(db, rows=rows, actor=principal, base_url=settings.base_url, first_row=first)
    status = 200 if result.ok else 400
    return render(request, "import.html", {"columns": importer.CSV_COLUMNS, "result": result}, status_code=status)


@router.get("/catalog/mine", response_class=HTMLResponse)
def my_courses(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """A content provider's own courses and how their learners are doing."""
    return render(request, "provider_courses.html", {"rows": service.my_courses(db, principal)})


@router.get("/catalog/export.{fmt}")
def export(db: DB, principal: CurrentPrincipal, fmt: str) -> Response:
    """Every course in the import format (CSV or JSON): publishers, and admins choosing courses for plans."""
    if not service.may_read_catalogue(principal):
        service.require_publisher(principal)
    publisher = principal.is_national or principal.home_role == "content_provider"
    content, media = importer.export_courses(db, fmt=fmt, live_only=not publisher)  # drafts stay with publishers
    headers = {"Content-Disposition": f'attachment; filename="courses.{fmt}"'}
    return Response(content, media_type=media, headers=headers)


@router.get("/competencies", response_class=HTMLResponse)
def competencies(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The competency dictionary; national organisers add and edit entries here."""
    rows = repo.competencies(db, active_only=not principal.is_national)
    areas = [a.value for a in CompetencyArea]
    return render(request, "competencies.html", {"rows": rows, "areas": areas, "editable": principal.is_national})


@router.post("/competencies", dependencies=[CSRF])
def save_competency(
    db: DB,
    principal: CurrentPrincipal,
    code: Annotated[str, Form(max_length=40)],
    area: Annotated[str, Form(max_length=20)],
    theme: Annotated[str, Form(max_length=120)],
    sub_theme: Annotated[str, Form(max_length=160)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    competency_id: Annotated[int | None, Form()] = None,
    active: Annotated[str, Form(max_length=5)] = "yes",
) -> Response:
    """Add a competency, or edit one (national organisers)."""
    service.save_competency(
        db,
        principal=principal,
        competency_id=competency_id,
        code=code,
        area=area,
        theme=theme,
        sub_theme=sub_theme,
        description=description,
        active=active == "yes",
    )
    return RedirectResponse("/competencies", status_code=303)
