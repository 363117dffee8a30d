"""Stored times lie from 1900-01-01T00:00:00Z up to 2100-01-01T00:00:00Z (issue 14, 10),
and an incident is neither in the future nor reported before it happened (issue 18, 4).

Before, an incident dated 9999-12-31T23:59:59-14:00 (year 10000 in UTC) was stored, and
then the OGC collections, the GeoPackage/KML/Shapefile exports and the bundle failed for
everyone; one dated 2030 raised a live surge. Each limit is tested at the limit and one
step past it. Routes may be planned ahead, up to the stored range.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.factories import GEOJSON, incident, route

ACCEPTED = ["1900-01-01T00:00:00Z", "2099-12-31T23:59:59Z", "2100-01-01T13:59:59+14:00"]
PAST = ACCEPTED[0]
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


def _in(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def test_the_earliest_time_is_stored_and_incidents_end_at_the_servers_clock(
    client: TestClient,
) -> None:
    assert _post_at(client, PAST) == 201
    assert _post_at(client, _in(9)) == 201  # within the 10-minute clock skew
    for future in (_in(11), ACCEPTED[1], "2030-01-01T00:00:00Z"):
        response = client.post("/api/v1/incidents", json=incident(occurred_at=future),
                               headers=GEOJSON)  # fmt: skip
        assert response.status_code == 422, future
        [error] = response.json()["errors"]
        assert "occurred_at lies in the future" in error["message"]
    assert len(client.get("/api/v1/incidents").json()["features"]) == 2


def test_an_incident_is_reported_after_it_happens(client: TestClient) -> None:
    when = "2026-11-20T08:00:00Z"
    same = incident(occurred_at=when, reported_at=when)
    assert client.post("/api/v1/incidents", json=same, headers=GEOJSON).status_code == 201
    early = incident(occurred_at=when, reported_at="2026-11-20T07:59:59Z")
    refused = client.post("/api/v1/incidents", json=early, headers=GEOJSON)
    assert refused.status_code == 422
    assert "reported_at is before occurred_at" in refused.json()["errors"][0]["message"]
    ahead = incident(occurred_at=when, reported_at=_in(11))
    assert client.post("/api/v1/incidents", json=ahead, headers=GEOJSON).status_code == 422


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


def test_outputs_keep_working_with_times_at_both_limits(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Written by SQL, which the API's checks do not guard: the outputs still hold."""
    for occurred_at in ACCEPTED:
        db.execute(
            "INSERT INTO incident (geom, occurred_at, category, severity, title, classification)"
            " VALUES (ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326), %s, 'ied', 3, 'Limit',"
            " 'unclassified')",
            (occurred_at,),
        )
    assert len(client.get("/api/v1/incidents").json()["features"]) == len(ACCEPTED)
    for path in (
        "/ogc/collections",
        "/ogc/collections/incidents",
        "/api/v1/export/incidents.gpkg",
        "/api/v1/export/incidents.kml",
        "/api/v1/export/incidents.shp.zip",
        "/api/v1/export/bundle.zip",
    ):
        assert client.get(path).status_code == 200, path
