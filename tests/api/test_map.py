"""What the map page needs from the API: the page itself, its configuration, alert zones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, Polygon
from pyproj import Geod
from shapely.geometry import shape

from bluewatch.app import create_app
from tests.conftest import RoleKeys, bearer, settings_for
from tests.factories import GEOJSON, camp, route, square

GOMA = (29.2228, -1.6792)
Zones = FeatureCollection[Feature[Polygon, dict[str, Any]]]


def test_zones_are_the_rule_bands_buffered_on_the_spheroid(client: TestClient) -> None:
    client.post(
        "/api/v1/camps", json=camp(square(*GOMA, half=0.001), name="Goma HQ"), headers=GEOJSON
    )
    client.post(
        "/api/v1/routes",
        json=route([[29.0, -1.6], [29.1, -1.6]], name="RN2", status="active"),
        headers=GEOJSON,
    )
    response = client.get("/api/v1/map/zones")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    Zones.model_validate(response.json())  # valid GeoJSON polygons
    zones: list[dict[str, Any]] = response.json()["features"]
    found = {
        (f["properties"]["target_type"], f["properties"]["level"], f["properties"]["distance_m"])
        for f in zones
    }
    assert found == {
        ("camp", "critical", 2000), ("camp", "warning", 5000), ("camp", "watch", 10000),
        ("route", "critical", 1000), ("route", "warning", 5000),
    }  # fmt: skip
    # Largest first, so the smaller rings draw on top.
    distances = [f["properties"]["distance_m"] for f in zones]
    assert distances == sorted(distances, reverse=True)
    # The 10 km ring lies 10 km (±1 %) from the camp's edge, measured on the ellipsoid.
    ring = next(f for f in zones if f["properties"]["distance_m"] == 10000)
    geod = Geod(ellps="WGS84")
    east_edge = GOMA[0] + 0.001
    outer_east = max(point[0] for point in ring["geometry"]["coordinates"][0])
    _, _, metres = geod.inv(east_edge, GOMA[1], outer_east, GOMA[1])
    assert abs(metres - 10_000) < 100
    assert shape(ring["geometry"]).is_valid


def test_zones_leave_out_targets_above_the_readers_clearance(
    client: TestClient, role_keys: RoleKeys
) -> None:
    client.post(
        "/api/v1/camps",
        json=camp(square(*GOMA), name="Hidden base", classification="strictly_confidential"),
        headers=GEOJSON,
    )
    seen = client.get("/api/v1/map/zones").json()["features"]
    assert {f["properties"]["name"] for f in seen} == {"Hidden base"}
    hidden = client.get("/api/v1/map/zones", headers=bearer(role_keys.unclassified_viewer)).json()[
        "features"
    ]
    assert hidden == []


def test_zones_follow_the_enabled_rules(client: TestClient) -> None:
    client.post("/api/v1/camps", json=camp(square(*GOMA), name="Goma HQ"), headers=GEOJSON)
    for rule in client.get("/api/v1/rules").json()["items"]:
        client.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": False})
    assert client.get("/api/v1/map/zones").json() == {"type": "FeatureCollection", "features": []}


def test_map_configuration_offers_the_places_and_no_online_basemap_by_default(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/map").json()
    assert body["basemap"] is None
    names = {f["properties"]["name"] for f in body["places"]["features"]}
    assert {"Goma", "Sake"} <= names


def test_an_online_basemap_is_offered_and_allowed_by_the_content_security_policy(
    database_url: str, role_keys: RoleKeys, tmp_path: Path
) -> None:
    places = tmp_path / "places.geojson"
    places.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [30, -1]},'
        ' "properties": {"name": "Kigali", "rank": 9, "secret": "dropped"}},'
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"},'
        ' "properties": {"name": "broken"}},'
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 0]},'
        ' "properties": {"name": "off the globe"}},'
        '{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},'
        ' "properties": {"name": "not a place"}}]}'
    )
    settings = settings_for(
        database_url,
        basemap_url="https://tiles.example.org/{z}/{x}/{y}.png",
        basemap_attribution="© Example",
        places_file=places,
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/map", headers=bearer(role_keys.viewer))
        body = response.json()
        assert body["basemap"] == {
            "url": "https://tiles.example.org/{z}/{x}/{y}.png",
            "kind": "raster",
            "mode": "overlay",
            "attribution": "© Example",
        }
        assert body["places"]["features"] == [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [30, -1]},
                "properties": {"name": "Kigali", "rank": 9},
            }
        ]
        policy = response.headers["content-security-policy"]
        assert "img-src 'self' https://tiles.example.org" in policy
        assert "connect-src 'self' https://tiles.example.org" in policy


def test_the_page_is_served_at_the_root_and_its_assets_are_cached_for_good(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Bluewatch</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('map');")
    with TestClient(create_app(settings_for(database_url, frontend_dir=tmp_path))) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        asset = client.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith("text/javascript")
        assert "immutable" in asset.headers["cache-control"]
        for bad in ("/assets/..%2Findex.html", "/assets/.hidden.js", "/assets/missing.js",
                    "/assets/index.html"):  # fmt: skip
            refused = client.get(bad)
            assert refused.status_code == 404, bad
            assert refused.headers["content-type"] == "application/problem+json"


def test_an_unbuilt_page_says_how_to_build_it(database_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(database_url, frontend_dir=tmp_path))) as client:
        response = client.get("/")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "make run" in response.json()["detail"]
