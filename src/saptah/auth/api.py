"""JSON routes for API tokens."""

from __future__ import annotations

from fastapi import APIRouter

from saptah.auth import repository as repo
from saptah.auth import service
from saptah.auth.schemas import TokenCreate, TokenOut
from saptah.core.errors import Forbidden
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenOut])
def list_tokens(db: DB, principal: CurrentPrincipal) -> list[TokenOut]:
    """Your API tokens."""
    return [TokenOut.model_validate(t) for t in repo.api_tokens_of(db, principal.person_id)]


@router.post("", response_model=TokenOut, status_code=201)
def create_token(body: TokenCreate, db: DB, principal: CurrentPrincipal) -> TokenOut:
    """A new token; its value is shown only in this answer."""
    if principal.token_scopes is not None:
        raise Forbidden("Tokens cannot create tokens; sign in to make one.")
    raw, row = service.create_api_token(db, person_id=principal.person_id, name=body.name, scopes=set(body.scopes))
    out = TokenOut.model_validate(row)
    out.token = raw
    return out


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: int, db: DB, principal: CurrentPrincipal) -> None:
    """Revoke one of your tokens."""
    service.revoke_api_token(db, person_id=principal.person_id, token_id=token_id)
