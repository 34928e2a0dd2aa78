"""JSON routes of bulk onboarding under /api/v1/onboarding."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import FormData

from saptah.core.errors import Forbidden, InvalidInput
from saptah.directory import service as directory
from saptah.directory.onboarding import files, results, service
from saptah.directory.onboarding.schemas import ResultRows, UploadOut
from saptah.web import openapi
from saptah.web.deps import CSRF_FIELD, DB, CurrentPrincipal, SettingsDep, csrf_matches

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def received_upload(request: Request, principal: CurrentPrincipal) -> files.Received:
    """The uploaded file streamed to disk under the size limit (after sign-in and role are checked)."""
    directory.require_admin(principal)
    settings = request.app.state.settings
    received = await files.receive_upload(request, settings.upload_dir, settings.max_upload_mb)
    request._form = FormData(list(received.fields.items()))  # so the CSRF check reads the parsed fields
    return received


async def received_form_upload(
    request: Request, received: Annotated[files.Received, Depends(received_upload)]
) -> files.Received:
    """A page's upload: refuse (and drop the file) when its CSRF token does not match the cookie."""
    if not csrf_matches(request, received.fields.get(CSRF_FIELD)):
        path = files.storage_dir(request.app.state.settings.upload_dir) / received.stored_name
        path.unlink(missing_ok=True)
        raise Forbidden("This form has expired or did not come from Saptah. Reload the page and try again.")
    return received


UploadedFile = Annotated[files.Received, Depends(received_upload)]


def parse_mode(mode: str, preview_as: str = "create") -> tuple[str, bool]:
    """'create', 'upsert' or 'preview' (of preview_as) to (mode, dry_run)."""
    if mode == "preview":
        if preview_as not in service.MODES:
            raise InvalidInput("preview_as must be 'create' or 'upsert'.")
        return preview_as, True
    if mode not in service.MODES:
        raise InvalidInput("Mode must be 'create', 'upsert' or 'preview'.")
    return mode, False


@router.post("/uploads", response_model=UploadOut, status_code=202)
def upload(
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    received: UploadedFile,
    org: Annotated[str | None, Query(description="organisation code (required)")] = None,
    mode: Annotated[str, Query(description="create, upsert or preview")] = "create",
    preview_as: Annotated[str, Query(description="with mode=preview: create or upsert")] = "create",
    sheet: Annotated[str | None, Query(description="XLSX sheet name (default: first)")] = None,
) -> UploadOut:
    """Upload a staff list (multipart field 'file', CSV or XLSX) into an organisation you administer."""
    # parameters are checked here, not by FastAPI, so that a refused request leaves no file behind
    path = files.storage_dir(settings.upload_dir) / received.stored_name
    try:
        if not org or len(org) > 40:
            raise InvalidInput("Give the organisation code: ?org=CODE.")
        if sheet is not None and len(sheet) > 100:
            raise InvalidInput("The sheet name is longer than 100 characters.")
        the_mode, dry_run = parse_mode(mode, preview_as)
        target = directory.org_by_code(db, org)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    up, resumed = service.start_upload(
        db, settings, principal=principal, org=target, received=received, mode=the_mode, dry_run=dry_run, sheet=sheet
    )
    return UploadOut.model_validate(service.describe(db, up, resumed=resumed))


@router.get("/uploads", response_model=list[UploadOut])
def list_uploads(db: DB, principal: CurrentPrincipal) -> list[UploadOut]:
    """Recent uploads into your subtree, newest first."""
    return [UploadOut.model_validate(d) for d in service.history(db, principal)]


@router.get("/uploads/{upload_id}", response_model=UploadOut)
def get_upload(upload_id: int, db: DB, principal: CurrentPrincipal) -> UploadOut:
    """One upload: status, counts and live progress (poll this)."""
    return UploadOut.model_validate(service.describe(db, service.visible_upload(db, principal, upload_id)))


@router.get("/uploads/{upload_id}/rows", response_model=ResultRows)
def result_rows(
    upload_id: int,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    failed: Annotated[bool, Query(description="only rows that failed")] = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ResultRows:
    """Row-by-row outcome (the preview table)."""
    up = service.visible_upload(db, principal, upload_id)
    rows = results.result_rows(settings, up, only_failed=failed, offset=offset, limit=limit)
    return ResultRows.model_validate({"upload_id": up.id, "items": rows})


@router.post("/uploads/{upload_id}/import", response_model=UploadOut, status_code=202)
def import_previewed(upload_id: int, db: DB, principal: CurrentPrincipal, settings: SettingsDep) -> UploadOut:
    """Import a finished preview for real."""
    up = service.visible_upload(db, principal, upload_id)
    new = service.import_previewed(db, settings, principal=principal, upload=up)
    return UploadOut.model_validate(service.describe(db, new))


@router.get(
    "/uploads/{upload_id}/result.{fmt}", response_class=Response, responses=openapi.files(openapi.CSV, openapi.XLSX)
)
def result_file(
    upload_id: int, fmt: Literal["csv", "xlsx"], db: DB, principal: CurrentPrincipal, settings: SettingsDep
) -> Response:
    """The uploaded rows with Status and Error Details, as CSV or XLSX."""
    up = service.visible_upload(db, principal, upload_id)
    path, name = results.result_file(settings, up, fmt)
    service.record_result_download(db, principal, up, fmt)
    return FileResponse(path, filename=name, media_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX)


@router.get("/template.{fmt}", response_class=Response, responses=openapi.files(openapi.CSV, openapi.XLSX))
def template(
    fmt: Literal["csv", "xlsx"],
    principal: CurrentPrincipal,
    kind: Annotated[Literal["igot", "circular"], Query()] = "igot",
) -> Response:
    """A blank staff-list template."""
    directory.require_admin(principal)
    data, name, media = results.blank_template(kind, fmt)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
