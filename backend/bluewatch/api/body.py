"""Request bodies: a size cap for every request, and strict JSON parsing."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bluewatch.api.responses import problem
from bluewatch.errors import MalformedBody, PayloadTooLarge, UnsupportedMediaType

JSON_MEDIA_TYPES = {"application/json", "application/geo+json"}


class BodyLimit:
    """Refuse bodies over ``max_bytes`` (413), by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                response = problem(
                    413, "payload-too-large", "Request body too large", self._detail()
                )
                await response(scope, receive, send)
                return
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self._detail())
            return message

        await self.app(scope, capped_receive, send)

    def _detail(self) -> str:
        return f"The body is over the limit of {self.max_bytes} bytes."


async def read_json(request: Request) -> Any:
    """The body as JSON; GeoJSON or JSON media types only (a CSRF defence as well)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(
            "Send JSON: Content-Type application/geo+json or application/json."
        )
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedBody(
            "The body is not valid JSON (NaN, Infinity and out-of-range numbers are not JSON)."
        ) from None
