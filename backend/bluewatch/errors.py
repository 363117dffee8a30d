"""Domain errors. Domain code raises these; ``api.problems`` maps them to HTTP.

BluewatchError            safe ``detail`` for the client, never raw input
├── InvalidParameter      a query parameter is malformed or unknown
├── InvalidInput          a request body fails validation (carries ``errors``)
│   └── InvalidGeometry   a geometry breaks RFC 7946 or is not valid
├── MalformedBody         the body is not JSON, or not the expected media type
├── PayloadTooLarge       the body is over the configured size
├── NotFound              absent, or above the principal's clearance
└── Conflict              the change collides with stored state
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    """One reason a body was refused: a JSON pointer into the body and a message."""

    pointer: str
    message: str


# Pydantic's messages an analyst meets most, in plain words (its own text otherwise);
# the limits come from the model, never from the input.
PLAIN_MESSAGES = {
    "missing": "is required",
    "string_too_long": "must be at most {max_length} characters",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
}


def _plain(detail: Mapping[str, Any]) -> str:
    kind = detail["type"]
    limits = detail.get("ctx", {})
    if kind == "string_too_short":
        return "is required" if limits.get("min_length") == 1 else str(detail["msg"])
    try:
        return PLAIN_MESSAGES[kind].format(**limits)
    except KeyError:  # another kind, or one without the limit its words name
        return str(detail["msg"])


def validation_errors(error: ValidationError, pointer: str) -> list[FieldError]:
    """Pydantic errors as JSON pointers and messages, never with the offending input."""
    found = []
    for detail in error.errors(include_input=False, include_url=False):
        path = "/".join(str(part) for part in detail["loc"])
        found.append(FieldError(f"{pointer}/{path}" if path else pointer or "/", _plain(detail)))
    return found


class BluewatchError(Exception):
    """Base class. ``detail`` is written for the client and never contains its input."""

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        # Extra problem members (RFC 9457 §3.2), built by the server, never from raw input.
        self.extensions: dict[str, Any] = {}
        # Response headers the error calls for, built by the server too.
        self.headers: dict[str, str] = {}


class InvalidParameter(BluewatchError):
    pass


class InvalidInput(BluewatchError):
    pass


class InvalidGeometry(InvalidInput):
    pass


class MalformedBody(BluewatchError):
    pass


class UnsupportedMediaType(BluewatchError):
    pass


class PayloadTooLarge(BluewatchError):
    pass


class NotFound(BluewatchError):
    pass


class Conflict(BluewatchError):
    pass


class Unauthorized(BluewatchError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors)
        self.headers["WWW-Authenticate"] = 'Bearer realm="bluewatch"'


class Forbidden(BluewatchError):
    pass


class ServiceUnavailable(BluewatchError):
    pass


class RangeNotSatisfiable(BluewatchError):
    """A byte range beyond the end of a file (HTTP 416 names the file's size)."""

    def __init__(self, detail: str, size: int) -> None:
        super().__init__(detail)
        self.headers["Content-Range"] = f"bytes */{size}"


class TooManyRequests(BluewatchError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after)
