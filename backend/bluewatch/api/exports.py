"""Exports (analyst): every matching record, with its classification marking.

GeoJSON, GeoJSON text sequences and CSV stream straight from the database; the
GIS files (GeoPackage, KML, zipped Shapefile) and the JMAC bundle are written to
a temporary directory first, then sent and deleted.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response, StreamingResponse

from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import AnalystDep
from bluewatch.db.engine import Database
from bluewatch.errors import NotFound
from bluewatch.io import bundle, exports, files, spool
from bluewatch.io.sources import Source, alert_source, layer_source
from bluewatch.layers import LAYERS
from bluewatch.security import audit
from bluewatch.security.principal import Actor

router = APIRouter(prefix="/export", tags=["Exports"])
MEDIA_TYPES = {**exports.STREAMED, **files.MEDIA_TYPES}
EXPORTABLE = (*LAYERS, "alerts")


def _headers(name: str, summary: exports.Summary) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Classification": summary.marking,
        "X-Record-Count": str(summary.count),
    }


async def _audit(
    database: Database,
    actor: Actor,
    action: str,
    summary: exports.Summary,
    details: dict[str, Any],
) -> None:
    async with database.transaction() as connection:
        await audit.record(
            connection, actor, action, object_type="export",
            classification=summary.highest, details=details | {"count": summary.count},
        )  # fmt: skip


def _cleanup(directory: Path) -> BackgroundTask:
    return BackgroundTask(shutil.rmtree, directory, ignore_errors=True)


@router.get(
    "/bundle.zip",
    summary="JMAC bundle: every layer as GeoJSON, CSV, KML and one GeoPackage, with a manifest",
    responses={200: {"content": {"application/zip": {}}}},
)
async def export_bundle(
    request: Request, database: DatabaseDep, settings: SettingsDep, actor: AnalystDep
) -> Response:
    params = dict(request.query_params)
    chosen = bundle.sources(params, actor.principal)  # refuses bad filters before any work
    directory = spool.new_folder(settings.resolved_spool_dir, "bundle")
    try:
        archive, summary, manifest = await bundle.build(
            database, chosen, params, actor.principal, directory
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    details = {
        "format": "bundle.zip",
        "filters": params,
        "layers": {name: layer["count"] for name, layer in manifest["layers"].items()},
        "files": {part["path"]: part["sha256"] for part in manifest["files"]},
    }
    await _audit(database, actor, "bundle.export", summary, details)
    return FileResponse(
        archive,
        media_type="application/zip",
        headers=_headers(exports.file_name("bundle", summary, "zip"), summary),
        background=_cleanup(directory),
    )


def _source(layer: str, params: Mapping[str, str], actor: Actor) -> Source:
    if layer == "alerts":
        return alert_source(params, actor.principal.clearance)
    return layer_source(LAYERS[layer], params, actor.principal.clearance)


@router.get(
    "/{name}",
    summary="Export a layer as GeoJSON, GeoJSONSeq, CSV, GeoPackage, KML or zipped Shapefile",
    description="`{name}` is `{layer}.{format}`: layers "
    + ", ".join(EXPORTABLE)
    + "; formats "
    + ", ".join(MEDIA_TYPES)
    + ". Takes the list endpoint's filters, without cursor or limit.",
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
async def export_layer(
    name: str, request: Request, database: DatabaseDep, settings: SettingsDep, actor: AnalystDep
) -> Response:
    layer, _, fmt = name.partition(".")
    if layer not in EXPORTABLE or fmt not in MEDIA_TYPES:
        raise NotFound(f"Exports are {', '.join(EXPORTABLE)} as {', '.join(MEDIA_TYPES)}.")
    params = dict(request.query_params)
    source = _source(layer, params, actor)
    details = {"format": fmt, "layer": layer, "filters": params}
    if fmt in files.MEDIA_TYPES:
        folder = spool.new_folder(settings.resolved_spool_dir, "export")
        return await _export_file(database, source, fmt, actor, details, folder)
    decided: list[exports.Summary] = []
    body = exports.stream(database, actor.principal.name, source, fmt, decided.append)
    # Runs the summary query, so the headers can carry the marking; an empty export of a
    # format without a header (GeoJSONSeq) yields no chunk at all.
    first = await anext(body, b"")
    summary = decided[0]
    await _audit(database, actor, f"{layer}.export", summary, details)

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in body:
            yield chunk

    return StreamingResponse(
        rest(),
        media_type=MEDIA_TYPES[fmt],
        headers=_headers(exports.file_name(layer, summary, fmt), summary),
    )


async def _export_file(
    database: Database,
    source: Source,
    fmt: str,
    actor: Actor,
    details: dict[str, Any],
    directory: Path,
) -> Response:
    try:
        async with exports.snapshot(database, actor.principal.name) as connection:
            summary = await exports.summarise(connection, source)
            path = await files.write_file(connection, source, fmt, directory, summary)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    await _audit(database, actor, f"{source.name}.export", summary, details)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[fmt],
        headers=_headers(exports.file_name(source.name, summary, fmt), summary),
        background=_cleanup(directory),
    )
