"""SCORM pages of the catalogue: upload a package as a course or as a module, and serve its files."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.catalog import scorm, service
from saptah.catalog.models import LaunchKind
from saptah.core.errors import Forbidden, PayloadTooLarge, SaptahError
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
MB = 1024 * 1024

# Package files run the provider's own scripts inside Saptah's player frame: they may run inline script (SCORM
# content is written that way) but load nothing from elsewhere, send nothing elsewhere, and only Saptah frames them.
CONTENT_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge("The package is larger than {limit} MB.", limit=limit // MB)
    if not data:
        raise PayloadTooLarge("The uploaded file is empty.") from None
    return data


@router.get("/catalog/scorm", response_class=HTMLResponse)
def upload_form(request: Request, principal: CurrentPrincipal) -> Response:
    """Upload a SCORM package as a new course (content providers and national organisers)."""
    service.require_publisher(principal)
    return render(request, "scorm_upload.html", {"national": principal.is_national})


@router.post("/catalog/scorm", dependencies=[CSRF])
async def upload(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    file: UploadFile,
    code: Annotated[str, Form(max_length=60)],
    duration_minutes: Annotated[int, Form(ge=1, le=10_000)],
    title: Annotated[str, Form(max_length=300)] = "",
    provider: Annotated[str, Form(max_length=40)] = "",
    competencies: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Check the package and create a draft course that plays it; the form again with the reason when refused."""
    service.require_publisher(principal)
    limit = settings.max_upload_mb * MB
    form = scorm.CourseForm(
        code=code, duration_minutes=duration_minutes, title=title, provider_code=provider,
        competency_codes=tuple(c.strip().upper() for c in competencies.replace("|", ",").split(",") if c.strip()),
    )  # fmt: skip
    try:
        data = await _read_upload(file, limit)
        with db.begin_nested():
            course = scorm.upload_course(
                db, principal=principal, data=data, form=form, base_url=settings.base_url, max_bytes=limit
            )
    except SaptahError as exc:
        ctx = {"national": principal.is_national, "error": exc.message, "form": form}
        return render(request, "scorm_upload.html", ctx, status_code=exc.status_code)
    response = RedirectResponse(f"/courses/{course.id}", status_code=303)
    flash(request, response, "The SCORM package was checked and stored; the course is a draft until you publish it.")
    return response


@router.get("/courses/{course_id}/scorm-module", response_class=HTMLResponse)
def module_form(request: Request, db: DB, principal: CurrentPrincipal, course_id: int) -> Response:
    """Add a SCORM package as the last module of a native course."""
    course = service.visible_course(db, principal, course_id)
    if not service.may_manage(principal, course):
        raise Forbidden("Only the course's provider or a national organiser may add a module.")
    return render(request, "scorm_module.html", {"course": course})


@router.post("/courses/{course_id}/scorm-module", dependencies=[CSRF])
async def add_module(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    course_id: int,
    file: UploadFile,
    title: Annotated[str, Form(max_length=300)] = "",
    minutes: Annotated[int | None, Form(ge=1, le=10_000)] = None,
) -> Response:
    """Check the package and add it as a module; the form again with the reason when refused."""
    course = service.visible_course(db, principal, course_id)
    limit = settings.max_upload_mb * MB
    try:
        data = await _read_upload(file, limit)
        with db.begin_nested():
            scorm.upload_module(
                db, principal=principal, course=course, data=data, title=title, minutes=minutes, max_bytes=limit
            )
    except SaptahError as exc:
        ctx = {"course": course, "error": exc.message}
        return render(request, "scorm_module.html", ctx, status_code=exc.status_code)
    response = RedirectResponse(f"/courses/{course.id}", status_code=303)
    flash(request, response, "The SCORM package was checked and added as the course's last module.")
    return response


@router.get("/scorm/{package_id}/content/{path:path}")
def content(db: DB, principal: CurrentPrincipal, package_id: int, path: str) -> Response:
    """A file of a package, for learners enrolled in its course (and its managers), with the content type fixed
    at upload and a policy that keeps the content on Saptah's origin."""
    found = scorm.file_of(db, principal, package_id, path)
    headers = {
        "Content-Security-Policy": CONTENT_POLICY,
        "X-Frame-Options": "SAMEORIGIN",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, max-age=3600",
    }
    if found.content_type == "application/octet-stream":
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])}"
    return Response(found.data, media_type=found.content_type, headers=headers)


def launch_target(db: DB, course_id: int, kind: str) -> str | None:
    """Where the course page's launch goes for a SCORM course (its package's player), else None."""
    if kind != LaunchKind.SCORM.value:
        return None
    packages = scorm.packages_of(db, course_id)
    return f"/scorm/{packages[0].id}/play" if packages else None
