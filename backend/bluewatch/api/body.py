"""Request bodies: a size cap for every request, and strict JSON parsing."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bluewatch.api.responses import problem
from bluewatch.errors import (
    InvalidInput,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
    validation_errors,
)
from bluewatch.parsing import whole_number

JSON_MEDIA_TYPES = {"application/json", "application/geo+json"}


class BodyLimit:
    """Refuse bodies over ``max_bytes`` (413), by Content-Length or while streaming.

    Paths under a prefix of ``larger`` (file imports) have that limit instead.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next(
            (size for prefix, size in self.larger.items() if path.startswith(prefix)),
            self.max_bytes,
        )
        detail = f"The body is over the limit of {limit} bytes."
        for name, value in scope["headers"]:
            if name == b"content-length" and whole_number(value, upper=limit) is None:
                response = problem(413, "payload-too-large", "Request body too large", detail)
                await response(scope, receive, send)
                return
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(detail)
            return message

        await self.app(scope, capped_receive, send)


async def read_json(request: Request) -> Any:
    """The body as JSON; GeoJSON or JSON media types only (a CSRF defence as well)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(
            "Send JSON: Content-Type application/geo+json or application/json."
        )
    raw = await request.body()
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedBody(
            "The body is not valid JSON (NaN, Infinity and out-of-range numbers are not JSON)."
        ) from None
    if b"\\u0000" in raw and _holds_nul(parsed):
        raise MalformedBody("Text may not contain NUL characters (\\u0000).")
    return parsed


def _holds_nul(value: Any) -> bool:
    """PostgreSQL text cannot store NUL; only walked when the raw body mentions one."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


Model = TypeVar("Model", bound=BaseModel)


async def read_model(request: Request, model: type[Model]) -> Model:
    """A JSON body validated by ``model``; errors point into the body, input is not echoed."""
    raw = await read_json(request)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise InvalidInput("The body is not valid.", validation_errors(error, "")) from None


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a route that reads its body with ``read_model``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model_schema(model)}},
        }
    }


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its ``$defs`` (enums such as Role or Classification)
    written in place: a ``#/$defs/...`` reference has nothing to point at inside an
    OpenAPI document."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inlined(schema, definitions)
    return inlined


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            target = definitions[reference.removeprefix("#/$defs/")]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inlined({**target, **rest}, definitions)
        return {key: _inlined(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    return node
