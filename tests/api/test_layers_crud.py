"""Create, read, patch and delete round trips for every layer, checked as GeoJSON."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, LineString, Point, Polygon

from tests.factories import FACTORIES, GEOJSON, camp, incident, route, square, stored

FEATURE_MODELS: dict[str, Any] = {
    "incidents": Feature[Point, dict[str, Any]],
    "routes": Feature[LineString, dict[str, Any]],
    "camps": Feature[Polygon, dict[str, Any]],
    "roads": Feature[LineString, dict[str, Any]],
    "facilities": Feature[Point, dict[str, Any]],
    "units": Feature[Point, dict[str, Any]],
}
COLLECTION_MODELS: dict[str, Any] = {
    "incidents": FeatureCollection[Feature[Point, dict[str, Any]]],
    "routes": FeatureCollection[Feature[LineString, dict[str, Any]]],
    "camps": FeatureCollection[Feature[Polygon, dict[str, Any]]],
    "roads": FeatureCollection[Feature[LineString, dict[str, Any]]],
    "facilities": FeatureCollection[Feature[Point, dict[str, Any]]],
    "units": FeatureCollection[Feature[Point, dict[str, Any]]],
}
LAYERS = list(FACTORIES)


def as_feature(layer: str, body: object) -> Any:
    return FEATURE_MODELS[layer].model_validate(body)


@pytest.mark.parametrize("layer", LAYERS)
def test_create_get_list_patch_delete(client: TestClient, layer: str) -> None:
    posted = FACTORIES[layer]()
    created = client.post(f"/api/v1/{layer}", json=posted, headers=GEOJSON)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/geo+json"
    feature = as_feature(layer, created.json())
    assert created.headers["location"].endswith(f"/api/v1/{layer}/{feature.id}")
    assert feature.geometry is not None
    assert created.json()["geometry"]["coordinates"] == posted["geometry"]["coordinates"]
    for key, value in posted["properties"].items():
        kept = feature.properties[key] if feature.properties else None
        assert kept == value or _same_instant(kept, value), key
    assert feature.properties and feature.properties["classification"] == "confidential"

    fetched = client.get(f"/api/v1/{layer}/{feature.id}")
    assert fetched.status_code == 200
    assert fetched.json() == stored(created.json())

    listed = client.get(f"/api/v1/{layer}")
    page = COLLECTION_MODELS[layer].model_validate(listed.json())
    assert listed.headers["content-type"] == "application/geo+json"
    assert [f.id for f in page.features] == [feature.id]
    assert listed.json()["numberReturned"] == 1

    patched = client.patch(
        f"/api/v1/{layer}/{feature.id}",
        json={"properties": {"classification": "unclassified"}},
        headers=GEOJSON,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["classification"] == "unclassified"
    assert patched.json()["geometry"] == created.json()["geometry"]
    assert client.get(f"/api/v1/{layer}/{feature.id}").json() == stored(patched.json())

    deleted = client.delete(f"/api/v1/{layer}/{feature.id}")
    assert deleted.status_code == 204
    gone = client.get(f"/api/v1/{layer}/{feature.id}")
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert client.delete(f"/api/v1/{layer}/{feature.id}").status_code == 404


def _same_instant(stored: object, posted: object) -> bool:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(stored)) == datetime.fromisoformat(str(posted))
    except ValueError:
        return False


def test_patch_geometry_only_moves_the_incident(client: TestClient) -> None:
    created = client.post("/api/v1/incidents", json=incident(), headers=GEOJSON).json()
    moved = client.patch(
        f"/api/v1/incidents/{created['id']}",
        json={"geometry": {"type": "Point", "coordinates": [29.5, -1.2]}},
        headers=GEOJSON,
    )
    assert moved.status_code == 200
    assert moved.json()["geometry"]["coordinates"] == [29.5, -1.2]
    assert moved.json()["properties"]["title"] == created["properties"]["title"]
    assert moved.json()["properties"]["updated_at"] >= created["properties"]["updated_at"]


def test_patch_is_validated_against_the_whole_record(client: TestClient) -> None:
    window = route(active_from="2026-11-20T00:00:00Z", active_until="2026-11-21T00:00:00Z")
    created = client.post("/api/v1/routes", json=window, headers=GEOJSON).json()
    refused = client.patch(
        f"/api/v1/routes/{created['id']}",
        json={"properties": {"active_until": "2026-11-19T00:00:00Z"}},
        headers=GEOJSON,
    )
    assert refused.status_code == 422
    assert "active_until" in refused.json()["errors"][0]["message"]
    assert client.get(f"/api/v1/routes/{created['id']}").json() == stored(created)


def test_polygon_exteriors_are_stored_counter_clockwise(client: TestClient) -> None:
    clockwise = list(reversed(square(29.0, -1.5)))
    created = client.post("/api/v1/camps", json=camp(clockwise), headers=GEOJSON)
    assert created.status_code == 201
    ring = created.json()["geometry"]["coordinates"][0]
    signed_area = sum((x2 - x1) * (y2 + y1) for (x1, y1), (x2, y2) in pairwise(ring))
    assert signed_area < 0  # counter-clockwise, as RFC 7946 §3.1.6 asks


def test_altitude_is_accepted_and_dropped(client: TestClient) -> None:
    feature = incident()
    feature["geometry"]["coordinates"] = [29.2, -1.6, 1520.0]
    created = client.post("/api/v1/incidents", json=feature, headers=GEOJSON)
    assert created.status_code == 201
    assert created.json()["geometry"]["coordinates"] == [29.2, -1.6]


def test_read_only_properties_are_ignored_on_write(client: TestClient) -> None:
    feature = incident(created_at="1999-01-01T00:00:00Z", id=77)
    created = client.post("/api/v1/incidents", json=feature, headers=GEOJSON)
    assert created.status_code == 201
    assert not created.json()["properties"]["created_at"].startswith("1999")
