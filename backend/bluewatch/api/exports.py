"""Exports (analyst): every matching record, streamed, with its classification marking."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from bluewatch.api.deps import DatabaseDep
from bluewatch.api.policy import AnalystDep
from bluewatch.errors import InvalidParameter, NotFound
from bluewatch.io import exports
from bluewatch.layers import LAYERS
from bluewatch.layers.query import parse_list_query
from bluewatch.security import audit

router = APIRouter(prefix="/export", tags=["Exports"])


@router.get(
    "/{layer}.{fmt}",
    summary="Export a layer as GeoJSON, GeoJSON text sequence (RFC 8142) or CSV",
    responses={200: {"content": {media: {} for media in exports.FORMATS.values()}}},
)
async def export_layer(
    layer: str, fmt: str, request: Request, database: DatabaseDep, actor: AnalystDep
) -> Response:
    spec = LAYERS.get(layer)
    if spec is None or fmt not in exports.FORMATS:
        raise NotFound(f"Exports are {', '.join(LAYERS)} as {', '.join(exports.FORMATS)}.")
    if {"cursor", "limit"} & set(request.query_params):
        raise InvalidParameter("Exports stream every matching record: no cursor or limit.")
    query = parse_list_query(spec, request.query_params)
    query.clearance = actor.principal.clearance
    decided: list[exports.Summary] = []
    body = exports.stream(database, spec, query, fmt, decided.append)
    first = await anext(body)  # runs the summary query: headers can now carry the marking
    summary = decided[0]
    async with database.transaction() as connection:
        await audit.record(
            connection, actor, f"{spec.name}.export", object_type=spec.table,
            classification=summary.highest,
            details={"format": fmt, "filters": dict(request.query_params), "count": summary.count},
        )  # fmt: skip

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in body:
            yield chunk

    name = exports.file_name(spec, summary, fmt)
    return StreamingResponse(
        rest(),
        media_type=exports.FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Classification": summary.marking,
            "X-Record-Count": str(summary.count),
        },
    )
