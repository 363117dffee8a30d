"""OGC API - Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) at ``/ogc``, for GIS clients.

Collections are the three layers; items come from the same SQL as the list
endpoints (filters, clearance, keyset ``next`` links). Every route needs a
viewer credential: GDAL, QGIS and OWSLib send the same bearer keys as header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request
from sqlalchemy import text
from starlette.responses import Response

from bluewatch.api.deps import DatabaseDep
from bluewatch.api.layers import feature_collection
from bluewatch.api.ogc_definition import OPENAPI_MEDIA, SCHEMA_MEDIA, openapi_document
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import GeoJSONResponse, JSONResponse
from bluewatch.errors import InvalidParameter, NotFound
from bluewatch.layers import LAYERS, cql, store
from bluewatch.layers.query import (
    MAX_LIMIT,
    SqlFilter,
    encode_cursor,
    parse_datetime,
    parse_list_query,
    visible_to,
)
from bluewatch.layers.spec import LayerSpec
from bluewatch.parsing import whole_number

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    *cql.CONFORMANCE,
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
FORMATS = {"json", "geojson"}  # ``f=``: JSON only; no HTML class is declared
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _check_format(request: Request, allowed: frozenset[str] = frozenset()) -> None:
    unknown = set(request.query_params) - allowed - {"f"}
    if unknown:
        raise InvalidParameter("Unknown query parameter(s) for this OGC API resource.")
    if request.query_params.get("f", "json") not in FORMATS:
        raise InvalidParameter("This API serves JSON only: f=json.")


def _collection_spec(collection_id: str) -> LayerSpec:
    spec = LAYERS.get(collection_id)
    if spec is None:
        raise NotFound(f"Collections are: {', '.join(LAYERS)}.")
    return spec


@router.get("", summary="Landing page")
@router.get("/", include_in_schema=False)  # the definition's "/" under its server URL
async def landing(request: Request, actor: ViewerDep) -> Response:
    _check_format(request)
    base = _base(request)
    return JSONResponse(
        {
            "title": "Bluewatch",
            "description": "Incidents, convoy routes and camp perimeters (OGC API – Features)",
            "links": [
                {"rel": "self", "href": base, "type": "application/json"},
                {"rel": "service-desc", "href": f"{base}/api", "type": OPENAPI_MEDIA},
                {"rel": "conformance", "href": f"{base}/conformance", "type": "application/json"},
                {"rel": "data", "href": f"{base}/collections", "type": "application/json"},
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes")
async def conformance(request: Request, actor: ViewerDep) -> Response:
    _check_format(request)
    return JSONResponse({"conformsTo": CONFORMANCE})


async def _extent(
    database: DatabaseDep, reader: str, spec: LayerSpec, sql_filter: SqlFilter
) -> dict[str, Any]:
    time_column = {"instant": "t.occurred_at", "window": "t.active_from"}.get(spec.time_filter)
    times = f"min({time_column}) AS start, max({time_column}) AS end" if time_column else (
        "NULL::timestamptz AS start, NULL::timestamptz AS end"
    )  # fmt: skip
    statement = text(f"""
        SELECT ST_XMin(e) AS w, ST_YMin(e) AS s, ST_XMax(e) AS e_, ST_YMax(e) AS n, start, "end"
        FROM (SELECT ST_Extent(t.geom) AS e, {times} FROM {spec.table} t
              WHERE {sql_filter.where}) found
    """)
    async with database.replica_read(reader) as connection:
        row = (await connection.execute(statement, sql_filter.params)).one()
    bbox = [-180.0, -90.0, 180.0, 90.0] if row.w is None else [
        round(v, 7) for v in (row.w, row.s, row.e_, row.n)
    ]  # fmt: skip
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    if time_column:
        interval = [t.isoformat() if t else None for t in (row.start, row.end)]
        extent["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return extent


def _collection(base: str, spec: LayerSpec, extent: dict[str, Any]) -> dict[str, Any]:
    here = f"{base}/collections/{spec.name}"
    return {
        "id": spec.name,
        "title": spec.title,
        "description": f"{spec.title} ({spec.geometry_type}), within your clearance",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            {"rel": "self", "href": here, "type": "application/json"},
            {"rel": "items", "href": f"{here}/items", "type": "application/geo+json"},
            {"rel": QUERYABLES_REL, "href": f"{here}/queryables", "type": SCHEMA_MEDIA},
        ],
    }


@router.get("/collections", summary="The feature collections")
async def collections(request: Request, database: DatabaseDep, actor: ViewerDep) -> Response:
    _check_format(request)
    base = _base(request)
    found = []
    for spec in LAYERS.values():
        clearance = actor.principal.clearance
        extent = await _extent(database, actor.principal.name, spec, visible_to("t", clearance))
        found.append(_collection(base, spec, extent))
    return JSONResponse(
        {
            "collections": found,
            "links": [{"rel": "self", "href": f"{base}/collections", "type": "application/json"}],
        }
    )


@router.get("/collections/{collection_id}", summary="One feature collection")
async def collection(
    collection_id: str, request: Request, database: DatabaseDep, actor: ViewerDep
) -> Response:
    _check_format(request)
    spec = _collection_spec(collection_id)
    clearance = actor.principal.clearance
    extent = await _extent(database, actor.principal.name, spec, visible_to("t", clearance))
    return JSONResponse(_collection(_base(request), spec, extent))


@router.get(
    "/collections/{collection_id}/queryables",
    summary="What a CQL2 filter on this collection may name (JSON Schema)",
    responses={200: {"content": {SCHEMA_MEDIA: {}}}},
)
async def queryables(collection_id: str, request: Request, actor: ViewerDep) -> Response:
    _check_format(request)
    spec = _collection_spec(collection_id)
    here = f"{_base(request)}/collections/{spec.name}/queryables"
    return JSONResponse(cql.queryables_document(spec, here), media_type=SCHEMA_MEDIA)


@router.get(
    "/collections/{collection_id}/items",
    summary="Features: bbox, datetime, limit and the layer's filters; 'next' links page on",
    response_class=GeoJSONResponse,
)
async def items(
    collection_id: str, request: Request, database: DatabaseDep, actor: ViewerDep
) -> Response:
    spec = _collection_spec(collection_id)
    params = {k: v for k, v in request.query_params.items() if k != "f"}
    _check_format(request, frozenset(params))  # the layer's own filters are checked below
    if "bbox-crs" in params or "crs" in params:
        raise InvalidParameter("Only CRS84 is served (OGC API – Features Part 2 is not).")
    if spec.time_filter == "none" and "datetime" in params:
        # Features without a time dimension match any datetime (Part 1, 7.15.4).
        parse_datetime(params.pop("datetime"))
    limit = whole_number(params.get("limit", ""))
    if limit is not None and limit > MAX_LIMIT:
        params["limit"] = str(MAX_LIMIT)  # the standard clamps a limit above the maximum
    query = parse_list_query(spec, params, actor.principal.clearance)
    async with database.replica_read(actor.principal.name) as connection:
        page = await store.list_page(connection, spec, query)
        matched = await store.count_matching(connection, spec, query)
    next_cursor = None if page.next_after_id is None else encode_cursor(page.next_after_id)
    here = f"{_base(request)}/collections/{spec.name}"
    extra = {
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": matched,
        "links": [{"rel": "collection", "href": here, "type": "application/json"}],
    }
    return GeoJSONResponse(
        feature_collection(request, page.features_json, page.number_returned, next_cursor, extra)
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=GeoJSONResponse,
)
async def item(
    collection_id: str, feature_id: RecordId, request: Request, database: DatabaseDep,
    actor: ViewerDep,
) -> Response:  # fmt: skip
    _check_format(request)
    spec = _collection_spec(collection_id)
    async with database.replica_read(actor.principal.name) as connection:
        feature = await store.get_feature(connection, spec, feature_id, actor.principal.clearance)
    here = f"{_base(request)}/collections/{spec.name}"
    links = [
        {"rel": "self", "href": f"{here}/items/{feature_id}", "type": "application/geo+json"},
        {"rel": "collection", "href": here, "type": "application/json"},
    ]
    return GeoJSONResponse(feature[:-1] + b',"links":' + orjson.dumps(links) + b"}")


@router.get(
    "/api",
    summary="OpenAPI 3.0 definition of this OGC API",
    responses={200: {"content": {OPENAPI_MEDIA: {}}}},
)
async def api_definition(request: Request, actor: ViewerDep) -> Response:
    _check_format(request)
    return JSONResponse(openapi_document(_base(request)), media_type=OPENAPI_MEDIA)
