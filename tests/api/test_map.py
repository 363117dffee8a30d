"""What the map page needs from the API: the page itself, its configuration, alert zones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, Polygon
from pyproj import Geod
from shapely.geometry import shape

from bluewatch.app import create_app
from tests.basemap_archive import vector_archive
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


def test_a_local_pmtiles_archive_is_served_with_byte_ranges(
    database_url: str, role_keys: RoleKeys, tmp_path: Path
) -> None:
    """Issue 18, defect 8: street-level detail with no internet, from the operator's
    PMTiles file (written here by the pmtiles package), read with range requests."""
    archive = vector_archive(tmp_path / "mission.pmtiles", *GOMA, "Avenue du Lac")
    whole = archive.read_bytes()
    size = len(whole)
    viewer = bearer(role_keys.viewer)
    url = "/api/v1/map/basemap.pmtiles"
    with TestClient(create_app(settings_for(database_url, basemap_pmtiles=archive))) as client:
        offered = client.get("/api/v1/map", headers=viewer).json()["archive"]
        bounds = offered.pop("bounds")
        assert offered == {
            "url": url,
            "kind": "vector",
            "format": "mvt",
            "minzoom": 10,
            "maxzoom": 12,
        }
        assert bounds == pytest.approx([GOMA[0] - 0.1, GOMA[1] - 0.1, GOMA[0] + 0.1, GOMA[1] + 0.1])
        full = client.get(url, headers=viewer)
        assert (full.status_code, full.content) == (200, whole)
        assert full.headers["accept-ranges"] == "bytes"
        for asked, first, last in [
            ("bytes=0-126", 0, 126),  # the header
            (f"bytes=100-{size - 1}", 100, size - 1),  # up to the last byte
            (f"bytes=100-{size}", 100, size - 1),  # one past it: cut at the end
            ("bytes=-10", size - 10, size - 1),
            (f"bytes={size - 1}-", size - 1, size - 1),  # the last byte alone
        ]:
            part = client.get(url, headers=viewer | {"Range": asked})
            assert part.status_code == 206, asked
            assert part.content == whole[first : last + 1], asked
            assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        beyond = client.get(url, headers=viewer | {"Range": f"bytes={size}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-type"] == "application/problem+json"
        assert beyond.headers["content-range"] == f"bytes */{size}"
        for malformed in ("bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,4-5", "bytes=-"):
            refused = client.get(url, headers=viewer | {"Range": malformed})
            assert refused.status_code == 400, malformed
            assert refused.headers["content-type"] == "application/problem+json"
            assert malformed not in refused.text
        assert client.get(url).status_code == 401  # a signed-in reader only


def test_without_an_archive_there_is_none_to_fetch(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/api/v1/map").json()["archive"] is None
    missing = client.get("/api/v1/map/basemap.pmtiles")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_a_file_that_is_not_pmtiles_is_left_out_not_a_failure(
    database_url: str, role_keys: RoleKeys, tmp_path: Path
) -> None:
    wrong = tmp_path / "not.pmtiles"
    wrong.write_bytes(b"PMTiles" + bytes([2]) + bytes(200))  # version 2: not read
    with TestClient(create_app(settings_for(database_url, basemap_pmtiles=wrong))) as client:
        response = client.get("/api/v1/map", headers=bearer(role_keys.viewer))
    assert response.status_code == 200 and response.json()["archive"] is None


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
