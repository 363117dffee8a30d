"""What the analyst's map needs beside the layers: its basemap, place names and alert zones."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from bluewatch import basemap_archive
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import GeoJSONResponse, JSONResponse
from bluewatch.errors import InvalidParameter, NotFound, RangeNotSatisfiable
from bluewatch.rules import zones

router = APIRouter(prefix="/map", tags=["Map"])
logger = logging.getLogger(__name__)
PMTILES = "application/vnd.pmtiles"


def _place(feature: Any) -> dict[str, Any] | None:
    """A labelled point, or None for anything else (a places file is the operator's input)."""
    try:
        lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
        if feature["geometry"]["type"] != "Point" or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return None
        properties = feature["properties"]
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "name": str(properties["name"])[:100],
                "rank": int(properties.get("rank", 1)),
            },
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


@lru_cache(maxsize=4)
def places(path: Path) -> dict[str, Any]:
    """Named points from the operator's places file; anything else in it is left out."""
    try:
        collection = orjson.loads(path.read_bytes())
        features = collection["features"] if isinstance(collection, dict) else []
    except (OSError, orjson.JSONDecodeError, KeyError):
        features = []
    found = [_place(feature) for feature in (features if isinstance(features, list) else [])]
    return {"type": "FeatureCollection", "features": [place for place in found if place]}


@router.get(
    "",
    summary="The map's configuration: online basemap, local PMTiles archive (if any), places",
)
async def map_configuration(settings: SettingsDep, actor: ViewerDep) -> Response:
    archive = None
    if settings.basemap_pmtiles is not None:
        try:
            info = basemap_archive.read_info(settings.basemap_pmtiles)
            archive = {"url": "/api/v1/map/basemap.pmtiles", **info.as_dict()}
        except basemap_archive.UnreadableArchive as error:
            # The operator's file, not the user's request: the map still starts without it.
            logger.warning("BLUEWATCH_BASEMAP_PMTILES: %s", error)
    basemap = None
    if settings.basemap_url is not None:
        basemap = {
            "url": settings.basemap_url,
            "kind": settings.basemap_kind,
            "mode": settings.basemap_mode,
            "attribution": settings.basemap_attribution,
        }
    return JSONResponse(
        {
            "basemap": basemap,
            "archive": archive,
            "places": places(settings.resolved_places_file),
        }
    )


# A PMTiles reader asks for a few kilobytes (header, directories) or one tile at a time.
MAX_RANGE_BYTES = 16 * 1024 * 1024


@router.get(
    "/basemap.pmtiles",
    summary="The local PMTiles basemap archive (BLUEWATCH_BASEMAP_PMTILES), with byte ranges",
    responses={
        200: {"description": "The whole archive", "content": {PMTILES: {}}},
        206: {"description": "The bytes asked for with Range", "content": {PMTILES: {}}},
        416: {"description": "The range lies beyond the end of the file"},
    },
)
async def basemap_tiles(request: Request, settings: SettingsDep, actor: ViewerDep) -> Response:
    path = settings.basemap_pmtiles
    if path is None or not path.is_file():
        raise NotFound("No local basemap archive is configured (BLUEWATCH_BASEMAP_PMTILES).")
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    asked = request.headers.get("range")
    if asked is None:
        return FileResponse(path, media_type=PMTILES, headers=headers)
    chosen = basemap_archive.byte_range(asked, size)
    if chosen is None:
        raise InvalidParameter("Range is one byte range: bytes=first-last, first- or -suffix.")
    first, last = chosen
    if first >= size:
        raise RangeNotSatisfiable(f"The archive has {size} bytes.", size)
    last = min(last, first + MAX_RANGE_BYTES - 1)
    with path.open("rb") as handle:
        handle.seek(first)
        body = handle.read(last - first + 1)
    headers["Content-Range"] = f"bytes {first}-{first + len(body) - 1}/{size}"
    return Response(body, status_code=206, media_type=PMTILES, headers=headers)


@router.get(
    "/zones",
    summary="Alert zones of the enabled proximity rules: rings around camps, route corridors",
    response_class=GeoJSONResponse,
)
async def alert_zones(database: DatabaseDep, actor: ViewerDep) -> Response:
    async with database.read() as connection:
        body = await zones.feature_collection(connection, actor.principal.clearance)
    return GeoJSONResponse(body)
