"""The OpenAPI 3.0 definition of ``/ogc`` (the oas30 conformance class), with the schema
of every response, so clients and schemathesis can check what the server answers."""

from __future__ import annotations

from typing import Any

from bluewatch.api.responses import PROBLEM_SCHEMA
from bluewatch.layers import LAYERS, cql
from bluewatch.layers.query import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_MEDIA = "application/schema+json"

_LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                   "type": {"type": "string"}, "title": {"type": "string"}},
}  # fmt: skip
_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
_SCHEMAS: dict[str, Any] = {
    "link": _LINK,
    "landingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": _LINKS,
        },
    },
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    },
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string", "enum": list(LAYERS)},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "itemType": {"type": "string", "enum": ["feature"]},
            "crs": {"type": "array", "items": {"type": "string"}},
            "extent": {"type": "object"},
            "links": _LINKS,
        },
    },
    "collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": _LINKS,
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}},
        },
    },
    "geometry": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point", "LineString", "Polygon"]},
            "coordinates": {"type": "array"},
        },
    },
    "feature": {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer", "minimum": 1},
            "geometry": {"$ref": "#/components/schemas/geometry"},
            "properties": {"type": "object"},
            "links": _LINKS,
        },
    },
    "featureCollection": {
        "type": "object",
        "required": ["type", "features", "links", "numberReturned"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
            "links": _LINKS,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
    "queryables": {
        "type": "object",
        "required": ["type", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["object"]},
            "properties": {"type": "object"},
            "title": {"type": "string"},
        },
    },
    "problem": PROBLEM_SCHEMA,
}


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "style": "form", "explode": False}  # fmt: skip


def _ref(schema: str) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{schema}"}}


def _answers(media: str, schema: str) -> dict[str, Any]:
    refusals = {
        "400": "A query parameter is not valid",
        "401": "No valid credential",
        "404": "Not found, or above your clearance",
        "405": "Method not allowed (see Allow)",
        "503": "The database does not answer; retry (see Retry-After)",
    }
    return {
        "200": {"description": "OK", "content": {media: _ref(schema)}},
        **{
            status: {"description": text, "content": {"application/problem+json": _ref("problem")}}
            for status, text in refusals.items()
        },
    }


def _get(
    operation_id: str, parameters: list[dict[str, Any]], answers: dict[str, Any]
) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "parameters": parameters, "responses": answers}}


def _choice_parameters() -> list[dict[str, Any]]:
    names = sorted({name for spec in LAYERS.values() for name in spec.choice_filters})
    return [
        _parameter(name, f"only these {name} values, comma-separated", {
            "type": "array",
            "items": {"type": "string", "enum": sorted(
                {choice.value for spec in LAYERS.values()
                 for key, choices in spec.choice_filters.items() if key == name
                 for choice in choices})},
        })
        for name in names
    ]  # fmt: skip


def openapi_document(base: str) -> dict[str, Any]:
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(LAYERS)}}  # fmt: skip
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1}}  # fmt: skip
    item_parameters = [
        collection_id,
        _parameter("limit", "features per page; above the maximum it is clamped",
                   {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}),
        _parameter("bbox", "minLon,minLat,maxLon,maxLat (CRS84), or six numbers with heights",
                   {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        _parameter("datetime", "RFC 3339 instant or interval, '..' for an open end, or an "
                   "ISO 8601 duration beside one end", {"type": "string"}),
        _parameter("cursor", "where the next page starts: follow the 'next' link",
                   {"type": "string"}),
        *_choice_parameters(),
        _parameter("severity_min", "incidents of at least this severity",
                   {"type": "integer", "minimum": 1, "maximum": 5}),
        *(_parameter(name, text, schema) for name, text, schema in cql.PARAMETERS),
    ]  # fmt: skip
    json_media, geojson = "application/json", "application/geo+json"
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Bluewatch OGC API – Features",
            "version": "1.0.0",
            "description": f"At most {MAX_LIMIT} features a page.",
        },
        "servers": [{"url": base}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _SCHEMAS,
        },
        "security": [{"bearer": []}],
        "paths": {
            "/": _get("getLandingPage", [], _answers(json_media, "landingPage")),
            "/conformance": _get("getConformance", [], _answers(json_media, "confClasses")),
            "/collections": _get("getCollections", [], _answers(json_media, "collections")),
            "/collections/{collectionId}": _get(
                "describeCollection", [collection_id], _answers(json_media, "collection")
            ),
            "/collections/{collectionId}/queryables": _get(
                "getQueryables", [collection_id], _answers(SCHEMA_MEDIA, "queryables")
            ),
            "/collections/{collectionId}/items": _get(
                "getFeatures", item_parameters, _answers(geojson, "featureCollection")
            ),
            "/collections/{collectionId}/items/{featureId}": _get(
                "getFeature", [collection_id, feature_id], _answers(geojson, "feature")
            ),
        },
    }
