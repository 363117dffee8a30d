"""Stored times lie from 1900-01-01T00:00:00Z up to 2100-01-01T00:00:00Z (issue 14, 10).

Before, an incident dated 9999-12-31T23:59:59-14:00 (year 10000 in UTC) was stored, and
then the OGC collections, the GeoPackage/KML/Shapefile exports and the bundle failed for
everyone. Each limit is tested at the limit and one second past it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import GEOJSON, incident, route

ACCEPTED = ["1900-01-01T00:00:00Z", "2099-12-31T23:59:59Z", "2100-01-01T13:59:59+14:00"]
REFUSED = [
    "1899-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "1900-01-01T00:00:00+00:01",  # 1899-12-31T23:59Z
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
]


def _post_at(client: TestClient, occurred_at: str) -> int:
    body = incident(occurred_at=occurred_at, reported_at=occurred_at)
    return client.post("/api/v1/incidents", json=body, headers=GEOJSON).status_code


@pytest.mark.parametrize("occurred_at", ACCEPTED)
def test_times_at_the_limits_are_stored(client: TestClient, occurred_at: str) -> None:
    assert _post_at(client, occurred_at) == 201


@pytest.mark.parametrize("occurred_at", REFUSED)
def test_times_past_the_limits_are_refused(client: TestClient, occurred_at: str) -> None:
    body = incident(occurred_at=occurred_at)
    response = client.post("/api/v1/incidents", json=body, headers=GEOJSON)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/properties/occurred_at"
    assert client.get("/api/v1/incidents").json()["features"] == []


@pytest.mark.parametrize("field", ["active_from", "active_until"])
def test_route_windows_are_bounded_too(client: TestClient, field: str) -> None:
    inside = client.post(
        "/api/v1/routes", json=route(None, **{field: ACCEPTED[1]}), headers=GEOJSON
    )
    assert inside.status_code == 201, inside.text
    outside = client.post(
        "/api/v1/routes", json=route(None, **{field: REFUSED[1]}), headers=GEOJSON
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["pointer"] == f"/properties/{field}"


def test_outputs_keep_working_with_times_at_both_limits(client: TestClient) -> None:
    for occurred_at in ACCEPTED:
        assert _post_at(client, occurred_at) == 201
    for path in (
        "/ogc/collections",
        "/ogc/collections/incidents",
        "/api/v1/export/incidents.gpkg",
        "/api/v1/export/incidents.kml",
        "/api/v1/export/incidents.shp.zip",
        "/api/v1/export/bundle.zip",
    ):
        assert client.get(path).status_code == 200, path
