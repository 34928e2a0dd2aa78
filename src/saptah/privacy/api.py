"""JSON routes of personal data: a person's own download, and erasure by national organisers."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from saptah.privacy import service
from saptah.privacy.schemas import ErasedOut, EraseIn
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["personal data"])


def json_download(data: dict[str, Any], person_id: int) -> Response:
    """The data as a JSON file to save."""
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    name = f"saptah-personal-data-{person_id}.json"
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/me/personal-data",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "everything Saptah holds about you"}},
)
def my_personal_data(db: DB, principal: CurrentPrincipal) -> Response:
    """Everything Saptah holds about the caller, as one JSON document (DPDP Act: the right to access)."""
    return json_download(service.download(db, principal), principal.person_id)


@router.post("/people/{person_id}/erase", response_model=ErasedOut)
def erase_person(person_id: int, body: EraseIn, db: DB, principal: CurrentPrincipal) -> ErasedOut:
    """Erase a person's personal data on their request (national organisers); their learning stays counted."""
    person = service.erase(db, principal=principal, person_id=person_id, reason=body.reason)
    return ErasedOut(id=person.id, status=person.status, full_name=person.full_name)
