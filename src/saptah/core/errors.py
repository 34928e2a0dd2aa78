"""One error hierarchy: each error carries an HTTP status and a message for people."""

from __future__ import annotations

from typing import Any

from saptah.core.text import Message


class SaptahError(Exception):
    """Base of every error a user may see."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, **params: Any) -> None:
        """`message` is a message id for the catalogues; `params` fill its `{named}` placeholders."""
        text = message if isinstance(message, Message) else Message(message, **params)
        super().__init__(text)
        self.message: Message = text
        self.details = details


class InvalidInput(SaptahError):
    """The request is malformed or breaks a rule."""

    status_code = 400
    code = "invalid_input"


class OutOfRange(InvalidInput):
    """A well-formed value that no stored thing can hold, such as a whole number beyond 64 bits."""

    status_code = 422
    code = "out_of_range"


class NotAuthenticated(SaptahError):
    """No valid sign-in or token."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(SaptahError):
    """Signed in, but not allowed to do this."""

    status_code = 403
    code = "forbidden"


class NotFound(SaptahError):
    """The thing does not exist, or the caller may not know it exists."""

    status_code = 404
    code = "not_found"


class Conflict(SaptahError):
    """The request clashes with what is stored."""

    status_code = 409
    code = "conflict"


class PreconditionFailed(SaptahError):
    """A conditional request's precondition does not hold."""

    status_code = 412
    code = "precondition_failed"


class PayloadTooLarge(SaptahError):
    """The upload or body is over the configured limit."""

    status_code = 413
    code = "payload_too_large"


class TooManyRequests(SaptahError):
    """Rate limit reached."""

    status_code = 429
    code = "too_many_requests"
