"""Response classes: orjson for JSON, GeoJSON and problem details."""

from __future__ import annotations

from typing import Any

import orjson
from starlette import responses


class JSONResponse(responses.JSONResponse):
    """orjson rendering; bytes pass through untouched (GeoJSON assembled by PostGIS)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


class GeoJSONResponse(JSONResponse):
    """RFC 7946 media type; content may be pre-serialised bytes straight from PostGIS."""

    media_type = "application/geo+json"


class ProblemResponse(JSONResponse):
    """RFC 9457 problem details."""

    media_type = "application/problem+json"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": f"urn:bluewatch:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "message"],
                "properties": {"pointer": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
PROBLEM_STATUSES = {
    400: "Malformed request or query parameter",
    401: "No valid credential",
    403: "The role does not allow this",
    404: "Not found (or above your clearance)",
    405: "Method not allowed",
    409: "Conflict with stored state",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Body fails validation",
    429: "Rate limited (see Retry-After)",
    500: "Server failure (logged)",
    503: "Not ready, or retry",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }
    for status, description in PROBLEM_STATUSES.items()
}
