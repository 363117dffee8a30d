"""Response classes: orjson for JSON, GeoJSON and problem details."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
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
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"urn:bluewatch:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status)
