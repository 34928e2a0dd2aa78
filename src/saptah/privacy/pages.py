"""Personal-data pages: the download from one's own person page, and the erasure form of national organisers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from saptah.privacy import service
from saptah.privacy.api import json_download
from saptah.web.deps import CSRF, DB, CurrentPrincipal

router = APIRouter(include_in_schema=False)


@router.get("/me/personal-data.json")
def my_personal_data(db: DB, principal: CurrentPrincipal) -> Response:
    """Everything Saptah holds about the signed-in person, as a JSON file."""
    return json_download(service.download(db, principal), principal.person_id)


@router.post("/people/{person_id}/erase", dependencies=[CSRF])
def erase_person(
    db: DB, principal: CurrentPrincipal, person_id: int, reason: Annotated[str, Form(max_length=300)]
) -> Response:
    """Erase a person's personal data (national organisers), then show their now anonymous record."""
    service.erase(db, principal=principal, person_id=person_id, reason=reason)
    return RedirectResponse(f"/people/{person_id}", status_code=303)
