"""GET/POST/PATCH/DELETE for incidents, convoy routes and camps, from one LayerSpec each."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from bluewatch.api.body import model_schema, read_json
from bluewatch.api.deps import DatabaseDep, LimitsDep
from bluewatch.api.policy import ADMIN, Policy, ViewerDep
from bluewatch.api.responses import GeoJSONResponse, JSONResponse
from bluewatch.layers import cql, service, store
from bluewatch.layers.group_commit import GroupCommit
from bluewatch.layers.query import DEFAULT_LIMIT, MAX_LIMIT, encode_cursor, parse_list_query
from bluewatch.layers.spec import LayerSpec
from bluewatch.security.principal import Actor

RecordId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the record's id")]


def geojson_body(schema: dict[str, Any]) -> dict[str, Any]:
    """A request body read by ``read_json``: GeoJSON, under either media type."""
    return {
        "required": True,
        "content": {"application/geo+json": {"schema": schema},
                    "application/json": {"schema": schema}},
    }  # fmt: skip


def _position() -> dict[str, Any]:
    """Longitude, latitude (and an ignored height), in degrees. The latitude's own range
    (±90) would need ``prefixItems``, which schemathesis's response checks cannot read."""
    return {
        "type": "array",
        "items": {"type": "number", "minimum": -180, "maximum": 180},
        "minItems": 2,
        "maxItems": 3,
    }


def geometry_schema(spec: LayerSpec) -> dict[str, Any]:
    coordinates = _position()
    if spec.geometry_type == "LineString":
        coordinates = {"type": "array", "items": coordinates, "minItems": 2}
    elif spec.geometry_type == "Polygon":  # closed rings: the last position is the first
        ring = {"type": "array", "items": coordinates, "minItems": 4}
        coordinates = {"type": "array", "items": ring, "minItems": 1}
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {"type": {"enum": [spec.geometry_type]}, "coordinates": coordinates},
    }


def feature_schema(spec: LayerSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": geometry_schema(spec),
            "properties": {"type": "object"},
        },
    }


def posted_feature_schema(spec: LayerSpec, *, partial: bool = False) -> dict[str, Any]:
    """A Feature to store, with the layer's own properties; ``partial`` for PATCH, where
    every member is optional and absent properties keep their stored values."""
    properties = model_schema(spec.properties_model)
    if partial:
        properties = {key: value for key, value in properties.items() if key != "required"}
    return {
        "type": "object",
        "required": ["type"] if partial else ["type", "geometry", "properties"],
        "properties": {
            "type": {"enum": ["Feature"]},
            "geometry": geometry_schema(spec),
            "properties": properties,
        },
    }


def posted_body_schema(spec: LayerSpec) -> dict[str, Any]:
    """One Feature, or a FeatureCollection of them (stored as one batch)."""
    return {
        "oneOf": [
            posted_feature_schema(spec),
            {
                "type": "object",
                "required": ["type", "features"],
                "properties": {
                    "type": {"enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": posted_feature_schema(spec)},
                },
            },
        ]
    }


def collection_schema(spec: LayerSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "features", "numberReturned", "links"],
        "properties": {
            "type": {"enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature_schema(spec)},
            "numberReturned": {"type": "integer", "minimum": 0},
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }


BATCH_SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["created", "updated", "unchanged", "items"],
    "properties": {
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
        "unchanged": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object"}},
        "alerts": {"type": "array", "items": {"type": "object"}},
    },
}


def geojson_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/geo+json": {"schema": schema}}}


def list_parameters(spec: LayerSpec) -> list[dict[str, Any]]:
    """OpenAPI descriptions of the list filters (parsed by ``parse_list_query``), with their
    real types: comma-separated lists are form-style arrays."""
    numbers = {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
    described: list[tuple[str, str, dict[str, Any]]] = [
        ("bbox", "minLon,minLat,maxLon,maxLat (WGS 84), or six numbers with heights", numbers),
        (
            "limit",
            f"features per page (default {DEFAULT_LIMIT})",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        ("cursor", "opaque; follow the 'next' link", {"type": "string", "minLength": 1}),
    ]
    if spec.time_filter != "none":
        described.append(
            (
                "datetime",
                "RFC 3339 instant or interval start/end, '..' open, "
                "or an ISO 8601 duration beside one end",
                {"type": "string"},
            )
        )
    for name, choices in spec.choice_filters.items():
        values = [choice.value for choice in choices]
        described.append(
            (
                name,
                "any of these",
                {"type": "array", "minItems": 1, "items": {"type": "string", "enum": values}},
            )
        )
    if spec.has_severity:
        described.append(
            (
                "severity_min",
                "at least this severity",
                {"type": "integer", "minimum": 1, "maximum": 5},
            )
        )
    described.extend(cql.PARAMETERS)
    return [
        {"name": name, "in": "query", "required": False, "schema": schema,
         "description": text, "style": "form", "explode": False}
        for name, text, schema in described
    ]  # fmt: skip


def feature_collection(
    request: Request,
    features_json: bytes,
    number_returned: int,
    next_cursor: str | None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """A FeatureCollection around features already serialised by PostGIS.

    ``extra`` members (OGC's ``timeStamp``, more links) are merged in, links appended.
    """
    links = [{"rel": "self", "href": str(request.url), "type": "application/geo+json"}]
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        links.append({"rel": "next", "href": str(next_url), "type": "application/geo+json"})
    members = dict(extra or {})
    links.extend(members.pop("links", []))
    head = orjson.dumps(
        {"type": "FeatureCollection", "numberReturned": number_returned, "links": links} | members
    )
    return head[:-1] + b',"features":' + features_json + b"}"


def with_alerts(document: bytes, alerts: list[bytes]) -> bytes:
    """Add the raised alerts as an ``alerts`` member (a foreign member on a Feature)."""
    return document[:-1] + b',"alerts":[' + b",".join(alerts) + b"]}"


def layer_router(spec: LayerSpec) -> APIRouter:
    router = APIRouter(prefix=f"/{spec.name}", tags=[spec.title])
    # Defaults, not annotations: the policy differs per layer (camps need admin).
    writer = Depends(Policy(spec.write_role))
    deleter = Depends(ADMIN)

    @router.get(
        "",
        name=f"list_{spec.name}",
        summary=f"List {spec.title.lower()} as a GeoJSON FeatureCollection",
        response_class=GeoJSONResponse,
        responses={200: geojson_response("a page of features", collection_schema(spec))},
        openapi_extra={"parameters": list_parameters(spec)},
    )
    async def list_features(request: Request, database: DatabaseDep, actor: ViewerDep) -> Response:
        query = parse_list_query(spec, request.query_params, actor.principal.clearance)
        async with database.replica_read(actor.principal.name) as connection:
            page = await store.list_page(connection, spec, query)
        next_cursor = None if page.next_after_id is None else encode_cursor(page.next_after_id)
        return GeoJSONResponse(
            feature_collection(request, page.features_json, page.number_returned, next_cursor)
        )

    @router.post(
        "",
        name=f"create_{spec.name}",
        summary=f"Create {spec.title.lower()}: a Feature, or a FeatureCollection (atomic)",
        response_class=GeoJSONResponse,
        status_code=201,
        responses={
            201: geojson_response("the stored Feature", feature_schema(spec)),
            200: {
                "description": "a batch's summary, or a re-ingested Feature",
                "content": {
                    "application/json": {"schema": BATCH_SUMMARY_SCHEMA},
                    "application/geo+json": {"schema": feature_schema(spec)},
                },
            },
        },
        openapi_extra={"requestBody": geojson_body(posted_body_schema(spec))},
    )
    async def create_features(
        request: Request, database: DatabaseDep, limits: LimitsDep, actor: Actor = writer
    ) -> Response:
        post = service.prepare(spec, await read_json(request), actor, limits)
        if post.single and spec.rule_subject:  # single incidents: a group commit
            group_commit: GroupCommit = request.app.state.group_commit
            result = await group_commit.create(post)
        else:
            result = (await service.write(database, [post]))[0]
        outcome = result.outcome
        if result.feature is not None:
            created = outcome.results[0] == "created"
            location = str(request.url_for(f"get_{spec.name}", record_id=outcome.ids[0]))
            return GeoJSONResponse(
                with_alerts(result.feature, result.alerts),
                status_code=201 if created else 200,
                headers={"Location": location},
            )
        summary = orjson.dumps(
            {
                "created": outcome.count("created"),
                "updated": outcome.count("updated"),
                "unchanged": outcome.count("unchanged"),
                "items": [
                    {"id": record_id, "result": outcome_result}
                    for record_id, outcome_result in zip(outcome.ids, outcome.results, strict=True)
                ],
            }
        )
        return JSONResponse(with_alerts(summary, result.alerts), status_code=200)

    @router.get(
        "/{record_id}",
        name=f"get_{spec.name}",
        summary=f"One of the {spec.title.lower()} as a GeoJSON Feature",
        response_class=GeoJSONResponse,
        responses={200: geojson_response("the Feature", feature_schema(spec))},
    )
    async def get_feature(record_id: RecordId, database: DatabaseDep, actor: ViewerDep) -> Response:
        clearance = actor.principal.clearance
        async with database.replica_read(actor.principal.name) as connection:
            feature = await store.get_feature(connection, spec, record_id, clearance)
        return GeoJSONResponse(feature)

    @router.patch(
        "/{record_id}",
        name=f"patch_{spec.name}",
        summary="Change properties and/or geometry (a partial Feature)",
        response_class=GeoJSONResponse,
        responses={200: geojson_response("the changed Feature", feature_schema(spec))},
        openapi_extra={"requestBody": geojson_body(posted_feature_schema(spec, partial=True))},
    )
    async def patch_feature(
        record_id: RecordId,
        request: Request,
        database: DatabaseDep,
        limits: LimitsDep,
        actor: Actor = writer,
    ) -> Response:
        body = await read_json(request)
        result = await service.patch(database, spec, record_id, body, actor, limits)
        return GeoJSONResponse(with_alerts(result.feature, result.alerts))

    @router.delete("/{record_id}", name=f"delete_{spec.name}", summary="Delete", status_code=204)
    async def delete_feature(
        record_id: RecordId, database: DatabaseDep, actor: Actor = deleter
    ) -> Response:
        await service.delete(database, spec, record_id, actor)
        return Response(status_code=204)

    return router
