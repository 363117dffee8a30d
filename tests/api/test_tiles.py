"""Vector tiles decoded by an independent MVT reader: features, filters, clearance, caching."""

from __future__ import annotations

import math
import re
from typing import Any

import mapbox_vector_tile
import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, make_key
from tests.factories import GEOJSON, camp, collection, incident, route

GOMA = (29.2228, -1.6792)
LEVELS = ("unclassified", "confidential", "strictly_confidential")
Scene = dict[int, tuple[float, float]]  # incident positions by id


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    rad = math.radians(lat)
    y = int((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)
    return z, x, y


def decode(client: TestClient, layer: str, z: int, **kwargs: Any) -> list[dict[str, Any]]:
    _, x, y = tile_of(*GOMA, z)
    response = client.get(f"/api/v1/tiles/{layer}/{z}/{x}/{y}.pbf", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    return list(decoded.get(layer, {}).get("features", []))


@pytest.fixture
def scene(client: TestClient) -> dict[int, tuple[float, float]]:
    """The incidents' positions by id."""
    assert client.post(
        "/api/v1/camps", json=camp(classification="unclassified"), headers=GEOJSON
    ).is_success
    assert client.post("/api/v1/routes", json=route(), headers=GEOJSON).is_success
    batch = [
        incident(GOMA[0] + (i % 6) * 0.001, GOMA[1] + (i // 6) * 0.001, hours_ago=i,
                 classification=LEVELS[i % 3], category="ied" if i % 2 else "protest",
                 severity=1 + i % 5)
        for i in range(30)
    ]  # fmt: skip
    posted = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert posted.is_success
    ids = [item["id"] for item in posted.json()["items"]]
    return {
        i: tuple(feature["geometry"]["coordinates"]) for i, feature in zip(ids, batch, strict=True)
    }


def tile_position(lon: float, lat: float, tile: tuple[int, int, int]) -> tuple[float, float]:
    """Where (lon, lat) lies in the tile's 4096 grid, y up (as the MVT reader returns it)."""
    z, x, y = tile
    n = 2**z
    rad = math.radians(lat)
    mercator_y = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n
    return ((lon + 180) / 360 * n - x) * 4096, 4096 - (mercator_y - y) * 4096


def test_z12_tile_holds_each_feature_with_its_attributes(client: TestClient, scene: Scene) -> None:
    features = decode(client, "incidents", 12)
    assert len(features) == 30
    assert {"category", "severity", "status", "occurred_at", "title", "classification"} <= set(
        features[0]["properties"]
    )
    tile = tile_of(*GOMA, 12)
    for feature in features:
        expected = tile_position(*scene[feature["id"]], tile)
        assert feature["geometry"]["coordinates"] == pytest.approx(expected, abs=1.0)
    assert [f["geometry"]["type"] for f in decode(client, "camps", 12)] == ["Polygon"]
    assert decode(client, "routes", 12)[0]["properties"]["status"] == "active"


def test_tiles_follow_filters(client: TestClient, scene: Scene) -> None:
    ied = decode(client, "incidents", 12, params={"category": "ied"})
    assert len(ied) == 15 and {f["properties"]["category"] for f in ied} == {"ied"}
    recent = decode(client, "incidents", 12, params={"datetime": "../2100-01-01T00:00:00Z"})
    assert len(recent) == 30
    severe = decode(client, "incidents", 12, params={"severity_min": "5"})
    assert len(severe) == 6


def test_unclassified_viewer_sees_no_confidential_feature_in_tiles(
    client: TestClient, database_url: str, scene: Scene
) -> None:
    viewer = bearer(make_key(database_url, "viewer", "unclassified"))
    features = decode(client, "incidents", 12, headers=viewer)
    assert len(features) == 10
    assert {f["properties"]["classification"] for f in features} == {"unclassified"}
    aggregated = decode(client, "incidents", 5, headers=viewer)
    assert sum(f["properties"]["count"] for f in aggregated) == 10
    assert decode(client, "routes", 12, headers=viewer) == []  # the route is confidential


def test_low_zoom_aggregates_incidents_on_a_grid(client: TestClient, scene: Scene) -> None:
    cells = decode(client, "incidents", 5)
    assert 1 <= len(cells) < 30
    assert sum(cell["properties"]["count"] for cell in cells) == 30
    assert max(cell["properties"]["severity"] for cell in cells) == 5
    assert all(cell["properties"]["aggregated"] for cell in cells)
    assert len(decode(client, "incidents", 8)) == 30  # individual points from zoom 8


def test_tiles_are_privately_cacheable_with_an_etag(client: TestClient, scene: Scene) -> None:
    _, x, y = tile_of(*GOMA, 12)
    url = f"/api/v1/tiles/incidents/12/{x}/{y}.pbf"
    first = client.get(url)
    assert first.headers["cache-control"] == "private, max-age=60"
    assert "Authorization" in first.headers["vary"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    far = client.get("/api/v1/tiles/incidents/12/0/0.pbf")
    assert far.status_code == 200 and mapbox_vector_tile.decode(far.content) == {}


def test_tilejson_describes_the_layer_with_the_same_filters(
    client: TestClient, scene: Scene
) -> None:
    body = client.get("/api/v1/tiles/incidents.json", params={"category": "ied"}).json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/api/v1/tiles/incidents/{z}/{x}/{y}.pbf?category=ied")
    assert body["vector_layers"][0]["id"] == "incidents"
    assert "count" in body["vector_layers"][0]["fields"]
    ied_lons = [GOMA[0] + (i % 6) * 0.001 for i in range(1, 30, 2)]
    ied_lats = [GOMA[1] + (i // 6) * 0.001 for i in range(1, 30, 2)]
    expected = [min(ied_lons), min(ied_lats), max(ied_lons), max(ied_lats)]
    assert body["bounds"] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tiles/incidents/3/8/1.pbf",
        "/api/v1/tiles/incidents/23/0/0.pbf",
        "/api/v1/tiles/incidents/a/0/0.pbf",
        "/api/v1/tiles/incidents/2/0/0.pbf?bbox=0,0,1,1",
        "/api/v1/tiles/incidents/2/0/0.pbf?category=tanks",
        "/api/v1/tiles/camps/2/0/0.pbf?datetime=2026-01-01T00:00:00Z",
        "/api/v1/tiles/tanks/2/0/0.pbf",
        "/api/v1/tiles/tanks.json",
    ],
)
def test_bad_tile_requests(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == (404 if "tanks" in url.split("?")[0] else 400)
    assert response.headers["content-type"] == "application/problem+json"


def _lookups(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    found = re.findall(r'^bluewatch_tile_cache_lookups_total\{result="(\w+)"\} (\S+)$', text, re.M)
    return {result: float(value) for result, value in found}


def _version(db: psycopg.Connection[tuple[object, ...]], layer: str = "incident") -> int:
    row = db.execute("SELECT version FROM layer_version WHERE layer = %s", (layer,)).fetchone()
    assert row is not None
    return int(str(row[0]))


def test_an_unchanged_tile_is_served_from_memory_and_a_change_renders_it_anew(
    client: TestClient, scene: Scene, database_url: str
) -> None:
    before = _lookups(client)
    first = decode(client, "incidents", 12)
    second = decode(client, "incidents", 12)
    after = _lookups(client)
    assert first == second
    assert after.get("miss", 0) == before.get("miss", 0) + 1
    assert after.get("hit", 0) == before.get("hit", 0) + 1
    posted = client.post("/api/v1/incidents", json=incident(*GOMA, title="New in the tile"),
                         headers=GEOJSON)  # fmt: skip
    assert posted.is_success
    third = decode(client, "incidents", 12)
    assert len(third) == len(first) + 1
    assert _lookups(client).get("miss", 0) == after.get("miss", 0) + 1
    # Another reader's clearance is another tile, never the cached one.
    viewer = bearer(make_key(database_url, "viewer", "unclassified", name="tile-viewer"))
    assert len(decode(client, "incidents", 12, headers=viewer)) < len(third)


def test_the_layer_version_rises_once_per_committed_change(
    db: psycopg.Connection[tuple[object, ...]], client: TestClient
) -> None:
    start, camps = _version(db), _version(db, "camp")
    batch = [incident(GOMA[0] + i * 0.001, GOMA[1]) for i in range(5)]
    assert client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON).is_success
    assert _version(db) == start + 1  # five rows, one transaction
    with db.transaction():
        db.execute("UPDATE incident SET severity = 5")
        db.execute("UPDATE incident SET severity = 4")
    assert _version(db) == start + 2
    with pytest.raises(psycopg.errors.DivisionByZero), db.transaction():
        db.execute("UPDATE incident SET severity = 3")
        db.execute("SELECT 1 / 0")
    assert _version(db) == start + 2  # rolled back: nothing changed
    db.execute("TRUNCATE incident CASCADE")
    assert _version(db) == start + 3
    assert _version(db, "camp") == camps  # other layers keep their own


@pytest.mark.parametrize(("count", "aggregated"), [(4_000, False), (4_001, True)])
def test_a_tile_over_4000_incidents_is_aggregated_at_any_zoom(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], count: int, aggregated: bool
) -> None:
    db.execute(
        """
        INSERT INTO incident (geom, occurred_at, category, severity, title, classification)
        SELECT ST_SetSRID(ST_MakePoint(%s + (n %% 100) * 0.0001, %s + (n / 100) * 0.0001),
                          4326),
               now() - make_interval(mins => n), 'ied', 1 + n %% 5, 'Dense', 'unclassified'
        FROM generate_series(1, %s) AS n
        """,
        (GOMA[0], GOMA[1], count),
    )
    features = decode(client, "incidents", 12)
    if aggregated:
        assert all(f["properties"]["aggregated"] for f in features)
        assert sum(f["properties"]["count"] for f in features) == count
    else:
        assert len(features) == count
        assert not any("aggregated" in f["properties"] for f in features)
