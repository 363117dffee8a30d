"""Vector tiles (viewer): one tile per request, and the TileJSON that describes a layer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from bluewatch import tiles
from bluewatch.api.deps import DatabaseDep
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import JSONResponse
from bluewatch.errors import NotFound
from bluewatch.layers import LAYERS
from bluewatch.layers.spec import LayerSpec
from bluewatch.tile_cache import TileCache

router = APIRouter(prefix="/tiles", tags=["Tiles"])
Zoom = Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)]
Index = Annotated[int, Path(ge=0, le=2**tiles.MAX_ZOOM - 1)]
# Tiles depend on the reader's clearance: private caches only, keyed on the credential.
CACHE_HEADERS = {"Cache-Control": "private, max-age=60", "Vary": "Authorization, Cookie"}


def _layer(name: str) -> LayerSpec:
    spec = LAYERS.get(name)
    if spec is None:
        raise NotFound(f"Tiles are served for: {', '.join(LAYERS)}.")
    return spec


@router.get(
    "/{layer}/{z}/{x}/{y}.pbf",
    summary=f"A Mapbox Vector Tile (ST_AsMVT); incidents aggregated on a grid at "
    f"z ≤ {tiles.AGGREGATE_MAX_ZOOM} and in any tile that would carry more than "
    f"{tiles.DENSE_TILE_FEATURES:,} of them",
    description="Takes `datetime` and the layer's filters (`category`, `severity_min`, ...).",
    responses={200: {"content": {tiles.MEDIA_TYPE: {}}}, 304: {"description": "Not modified"}},
)
async def get_tile(
    layer: str, z: Zoom, x: Index, y: Index, request: Request, database: DatabaseDep,
    actor: ViewerDep,
) -> Response:  # fmt: skip
    spec = _layer(layer)
    address = tiles.TileAddress(z, x, y)
    sql_filter = tiles.tile_filter(spec, request.query_params, actor.principal.clearance)
    cache: TileCache = request.app.state.tile_cache
    lookups = request.app.state.service_metrics.tile_cache
    async with database.replica_read(actor.principal.name) as connection:
        version = await tiles.layer_version(connection, spec)
        key = cache.key(spec.name, version, z, x, y, sql_filter.where, sql_filter.params)
        tile = cache.get(key)
        if tile is None:
            lookups.labels("miss").inc()
            tile = cache.put(key, await tiles.render(connection, spec, address, sql_filter))
        else:
            lookups.labels("hit").inc()
    headers = CACHE_HEADERS | {"ETag": tile.etag}
    if request.headers.get("if-none-match") == tile.etag:
        return Response(status_code=304, headers=headers)
    return Response(tile.body, media_type=tiles.MEDIA_TYPE, headers=headers)


@router.get("/{layer}.json", summary="TileJSON 3.0.0 for a layer, with the same filters")
async def get_tilejson(
    layer: str, request: Request, database: DatabaseDep, actor: ViewerDep
) -> Response:
    spec = _layer(layer)
    sql_filter = tiles.tile_filter(spec, request.query_params, actor.principal.clearance)
    async with database.replica_read(actor.principal.name) as connection:
        bounds = await tiles.extent(connection, spec, sql_filter)
    query = f"?{urlencode(sorted(request.query_params.items()))}" if request.query_params else ""
    base = str(request.base_url).rstrip("/")
    template = f"{base}/api/v1/tiles/{spec.name}/{{z}}/{{x}}/{{y}}.pbf{query}"
    return JSONResponse(tiles.tilejson(spec, template, bounds), headers=CACHE_HEADERS)
