"""The OpenAPI document says what the API really answers: every operation's error statuses with the one error
shape (`web.errors`), 400 rather than FastAPI's 422 for invalid input (422 only for a number beyond what the
database holds), and file downloads by their media types."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
ICS = "text/calendar"

# Statuses any operation may answer, whatever it does: bad input, no or wrong credentials, not allowed, nothing
# there (or not visible to the caller), a clash with stored data, a body over the limit, a number out of range,
# too many sign-in failures, and overload.
ERRORS = {
    "400": "The request is malformed or breaks a rule (the message says which).",
    "401": "No valid sign-in or API token.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not visible to the caller.",
    "409": "The request clashes with what is stored.",
    "413": "The body is larger than the configured limit.",
    "422": "A number is beyond what Saptah stores (such as a whole number beyond 64 bits).",
    "429": "Too many requests of this kind; try later.",
    "503": "Saptah is busy; try again after Retry-After seconds.",
}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
        }
    },
}


def files(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route answering a file download in one of these media types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "The file.", "content": {media: binary for media in media_types}}}


def install(app: FastAPI) -> None:
    """Make `app.openapi()` add the error statuses, in place of FastAPI's 422 (its validation error shape)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
            error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    responses.pop("422", None)
                    for status, text in ERRORS.items():
                        responses.setdefault(status, {"description": text, **error})
            spec["components"]["schemas"].pop("HTTPValidationError", None)
            spec["components"]["schemas"].pop("ValidationError", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
