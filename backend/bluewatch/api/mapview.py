"""What the analyst's map needs beside the layers: its basemap, place names and alert zones."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import GeoJSONResponse, JSONResponse
from bluewatch.rules import zones

router = APIRouter(prefix="/map", tags=["Map"])


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


@router.get("", summary="The map's configuration: online basemap (if any) and place labels")
async def map_configuration(settings: SettingsDep, actor: ViewerDep) -> Response:
    basemap = None
    if settings.basemap_url is not None:
        basemap = {
            "url": settings.basemap_url,
            "kind": settings.basemap_kind,
            "mode": settings.basemap_mode,
            "attribution": settings.basemap_attribution,
        }
    return JSONResponse({"basemap": basemap, "places": places(settings.resolved_places_file)})


@router.get(
    "/zones",
    summary="Alert zones of the enabled proximity rules: rings around camps, route corridors",
    response_class=GeoJSONResponse,
)
async def alert_zones(database: DatabaseDep, actor: ViewerDep) -> Response:
    async with database.read() as connection:
        body = await zones.feature_collection(connection, actor.principal.clearance)
    return GeoJSONResponse(body)
