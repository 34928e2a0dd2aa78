"""Onboarding pages for MDO admins: upload, preview, live progress, history and downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from saptah.core.errors import SaptahError
from saptah.directory import service as directory
from saptah.directory.onboarding import files, results, service
from saptah.directory.onboarding.api import XLSX, parse_mode, received_form_upload
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
FormUpload = Annotated[files.Received, Depends(received_form_upload)]


def _form(request: Request, db: DB, principal: CurrentPrincipal, **extra: object) -> dict[str, object]:
    return {
        "orgs": service.upload_orgs(db, principal),
        "history": service.history(db, principal, limit=20),
        "max_mb": request.app.state.settings.max_upload_mb,
        **extra,
    }


@router.get("/onboarding", response_class=HTMLResponse)
def onboarding(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The upload form and the upload history."""
    return render(request, "onboarding.html", _form(request, db, principal))


@router.post("/onboarding", dependencies=[Depends(received_form_upload), CSRF])
def upload(
    request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep, received: FormUpload
) -> Response:
    """Receive a staff list and start its preview or import."""
    fields = received.fields
    try:
        mode, _ = parse_mode(fields.get("mode", "create"))
        org = directory.org_by_code(db, fields.get("org", ""))
        up, _resumed = service.start_upload(
            db,
            settings,
            principal=principal,
            org=org,
            received=received,
            mode=mode,
            dry_run=fields.get("action", "preview") == "preview",
            sheet=fields.get("sheet", "").strip() or None,
        )
    except SaptahError as exc:
        db.rollback()
        (files.storage_dir(settings.upload_dir) / received.stored_name).unlink(missing_ok=True)
        ctx = _form(request, db, principal, error=exc.message, chosen=fields)
        return render(request, "onboarding.html", ctx, status_code=exc.status_code)
    return RedirectResponse(f"/onboarding/{up.id}", status_code=303)


@router.get("/onboarding/template/{kind}.{fmt}")
def template(kind: Literal["igot", "circular"], fmt: Literal["csv", "xlsx"], principal: CurrentPrincipal) -> Response:
    """A blank template to fill in."""
    directory.require_admin(principal)
    data, name, media = results.blank_template(kind, fmt)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/onboarding/{upload_id}", response_class=HTMLResponse)
def upload_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    upload_id: int,
    failed: Annotated[bool, Query()] = False,
) -> Response:
    """Progress while it runs; then counts, the row-by-row table and the result downloads."""
    up = service.visible_upload(db, principal, upload_id)
    info = service.describe(db, up)
    rows = results.result_rows(settings, up, only_failed=failed, offset=0, limit=200)
    return render(request, "upload.html", {"up": info, "rows": rows, "failed_only": failed})


@router.post("/onboarding/{upload_id}/import", dependencies=[CSRF])
def import_previewed(db: DB, principal: CurrentPrincipal, settings: SettingsDep, upload_id: int) -> Response:
    """Import a finished preview."""
    up = service.visible_upload(db, principal, upload_id)
    new = service.import_previewed(db, settings, principal=principal, upload=up)
    return RedirectResponse(f"/onboarding/{new.id}", status_code=303)


@router.get("/onboarding/{upload_id}/result.{fmt}")
def result_file(
    request: Request,
    upload_id: int,
    fmt: Literal["csv", "xlsx"],
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    """Download the result file, its statuses and problems in the admin's language."""
    up = service.visible_upload(db, principal, upload_id)
    path, name = results.result_file(settings, up, fmt, lang=getattr(request.state, "lang", "en"))
    results.record_result_download(db, principal, up, fmt)
    return FileResponse(path, filename=name, media_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX)
