"""A prepared file's page: the job's progress while it runs, then the download (only for who asked)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from saptah.jobs import service
from saptah.web.deps import DB, CurrentPrincipal
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, db: DB, principal: CurrentPrincipal, job_id: int) -> Response:
    """Progress of a job the viewer asked for; the page refreshes itself until the file is ready."""
    job = service.requested(db, job_id, principal.person_id)
    failed = job.error if job.error and not job.error.startswith("Traceback") else None
    ctx = {"job": job, "file": service.file_info(db, job.id), "reason": failed}
    return render(request, "job.html", ctx)


@router.get("/jobs/{job_id}/file")
def job_file(db: DB, principal: CurrentPrincipal, job_id: int) -> Response:
    """The prepared file."""
    job = service.requested(db, job_id, principal.person_id)
    found = service.file_of(db, job.id)
    headers = {"Content-Disposition": f'attachment; filename="{found.name}"'}
    return Response(found.body, media_type=found.media_type, headers=headers)
