"""GeoPackage, KML, zipped Shapefile, alert exports and the JMAC bundle, read back by GDAL."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, Point
from lxml import etree

from tests.conftest import bearer, make_key
from tests.factories import GEOJSON, camp, collection, facility, incident, road, route, unit
from tests.gdal import feature_counts, ogrinfo

LEVELS = ("unclassified", "confidential", "strictly_confidential")
FILES = ("gpkg", "kml", "shp.zip")


@pytest.fixture
def scene(client: TestClient) -> dict[str, int]:
    """A camp, a route, a road, a facility, a unit, 12 incidents (4 per level), some close enough
    to the camp for alerts."""
    client.post("/api/v1/camps", json=camp(classification="unclassified"), headers=GEOJSON)
    client.post("/api/v1/routes", json=route(classification="confidential"), headers=GEOJSON)
    client.post("/api/v1/roads", json=road(classification="unclassified"), headers=GEOJSON)
    client.post("/api/v1/facilities", json=facility(capacity=40), headers=GEOJSON)
    client.post("/api/v1/units", json=unit(available=False), headers=GEOJSON)
    batch = [
        incident(29.235 + i * 0.004, -1.67, classification=LEVELS[i % 3], external_source="t",
                 external_id=f"E{i}", title=f"Event {i}", category="ied" if i % 2 else "protest")
        for i in range(12)
    ]  # fmt: skip
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 200  # a batch answers with its report
    alerts = client.get("/api/v1/alerts", params={"limit": 1000}).json()["features"]
    return {
        "incidents": 12, "routes": 1, "camps": 1, "roads": 1, "facilities": 1,
        "units": 1, "alerts": len(alerts),
    }  # fmt: skip


def _download(client: TestClient, url: str, tmp_path: Path, **kwargs: Any) -> Path:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    name = response.headers["content-disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


@pytest.mark.parametrize("fmt", [*FILES, "geojson", "geojsonseq", "csv"])
@pytest.mark.parametrize(
    "layer", ["incidents", "routes", "camps", "roads", "facilities", "units", "alerts"]
)
def test_every_export_format_holds_every_feature_for_gdal(
    client: TestClient, scene: dict[str, int], tmp_path: Path, layer: str, fmt: str
) -> None:
    path = _download(client, f"/api/v1/export/{layer}.{fmt}", tmp_path)
    dataset = f"/vsizip/{path}" if fmt == "shp.zip" else path
    options: tuple[str, ...] = ()
    if fmt == "csv" and layer in ("routes", "camps"):
        options = ("-oo", "GEOM_POSSIBLE_NAMES=wkt")
    elif fmt == "csv":  # incidents and alerts carry longitude and latitude columns
        options = ("-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude")
    assert sum(feature_counts(dataset, *options).values()) == scene[layer]
    assert path.name.startswith(f"bluewatch-{layer}-")


def test_each_format_carries_the_marking_in_its_metadata(
    client: TestClient, scene: dict[str, int], tmp_path: Path
) -> None:
    gpkg = _download(client, "/api/v1/export/incidents.gpkg", tmp_path)
    assert "CLASSIFICATION=UN STRICTLY CONFIDENTIAL" in ogrinfo(gpkg)
    kml = _download(client, "/api/v1/export/incidents.kml", tmp_path)
    assert "<name>Bluewatch incidents: UN STRICTLY CONFIDENTIAL</name>" in kml.read_text()
    shp = _download(client, "/api/v1/export/incidents.shp.zip", tmp_path)
    with zipfile.ZipFile(shp) as archive:
        assert archive.read("CLASSIFICATION.txt") == b"UN STRICTLY CONFIDENTIAL\n"
        assert "ext_source,external_source" in archive.read("fields.csv").decode()
    for path in (gpkg, kml, shp):
        assert "UN_STRICTLY_CONFIDENTIAL" in path.name


def test_gis_files_hold_only_what_the_reader_may_see(
    client: TestClient, database_url: str, scene: dict[str, int], tmp_path: Path
) -> None:
    analyst = bearer(make_key(database_url, "analyst", "unclassified"))
    for fmt in FILES:
        path = _download(client, f"/api/v1/export/incidents.{fmt}", tmp_path, headers=analyst)
        dataset = f"/vsizip/{path}" if fmt == "shp.zip" else path
        assert sum(feature_counts(dataset).values()) == 4
        listing = ogrinfo(dataset, "-geom=NO", summary=False).lower()
        assert listing.count("unclassified") >= 4, listing
        assert "confidential" not in listing.replace("unclassified", "")
        assert "UNCLASSIFIED" in path.name


def test_an_empty_selection_is_a_valid_empty_file(
    client: TestClient, scene: dict[str, int], tmp_path: Path
) -> None:
    path = _download(client, "/api/v1/export/incidents.gpkg?category=uxo", tmp_path)
    assert feature_counts(path) == {"incidents": 0}


def test_alerts_export_as_geojson_with_the_alert_filters(
    client: TestClient, scene: dict[str, int]
) -> None:
    response = client.get("/api/v1/export/alerts.geojson", params={"status": "open"})
    body = FeatureCollection[Feature[Point, dict[str, Any]]].model_validate(response.json())
    assert len(body.features) == scene["alerts"] > 0
    listed = client.get("/api/v1/alerts", params={"limit": 1000}).json()["features"]
    assert {f.id for f in body.features} == {f["id"] for f in listed}
    resolved = client.get("/api/v1/export/alerts.csv", params={"status": "resolved"})
    assert resolved.text.strip().splitlines()[0].startswith("id,longitude,latitude,level")
    assert len(resolved.text.strip().splitlines()) == 1


def test_bundle_holds_every_layer_and_an_honest_manifest(
    client: TestClient,
    scene: dict[str, int],
    tmp_path: Path,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:
    path = _download(
        client, "/api/v1/export/bundle.zip", tmp_path, headers={"X-Request-ID": "bundle-1"}
    )
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        archive.extractall(tmp_path / "bundle")
    layers = ("incidents", "routes", "camps", "roads", "facilities", "units", "alerts")
    expected = {f"{layer}.{fmt}" for layer in layers for fmt in ("geojson", "csv", "kml")}
    assert names == expected | {"bluewatch.gpkg", "manifest.json"}
    assert {entry["path"] for entry in manifest["files"]} == names - {"manifest.json"}
    assert {name: layer["count"] for name, layer in manifest["layers"].items()} == scene
    assert feature_counts(tmp_path / "bundle" / "bluewatch.gpkg") == scene
    for layer in layers:
        features = json.loads((tmp_path / "bundle" / f"{layer}.geojson").read_text())["features"]
        assert len(features) == scene[layer]
    assert manifest["highest_classification"] == "strictly_confidential"
    assert manifest["classification"] == "UN STRICTLY CONFIDENTIAL"
    assert manifest["requested_by"]["role"] == "admin"
    assert manifest["time_range"]["incidents"]["start"] is not None
    assert manifest["generated_at"]
    audited = db.execute(
        "SELECT action, details->'layers' FROM audit_log WHERE request_id = 'bundle-1'"
    ).fetchone()
    assert audited == ("bundle.export", scene)


def test_bundle_follows_filters_and_clearance(
    client: TestClient, database_url: str, scene: dict[str, int], tmp_path: Path
) -> None:
    analyst = bearer(make_key(database_url, "analyst", "unclassified"))
    response = client.get("/api/v1/export/bundle.zip", params={"category": "ied"}, headers=analyst)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("manifest.json"))
    assert manifest["query"] == {"category": "ied"}
    assert manifest["layers"]["incidents"]["count"] == 2  # odd i with i % 3 == 0: 3 and 9
    assert manifest["layers"]["routes"]["count"] == 0  # the route is confidential
    assert manifest["classification"] == "UNCLASSIFIED"
    assert response.headers["x-classification"] == "UNCLASSIFIED"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/export/bundle.zip?limit=3",
        "/api/v1/export/bundle.zip?colour=red",
        "/api/v1/export/alerts.gpkg?level=purple",
        "/api/v1/export/alerts.kml?cursor=abc",
        "/api/v1/export/incidents.shp.tar",
    ],
)
def test_bad_file_export_requests(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


KML = {"kml": "http://www.opengis.net/kml/2.2"}


def test_kml_has_times_for_the_time_slider_and_declares_every_field(client: TestClient) -> None:
    """Issue 16: no TimeStamp/TimeSpan, and SimpleData 'id' missing from the Schema."""
    posted = client.post(
        "/api/v1/incidents",
        json=incident(occurred_at="2026-11-03T08:15:00Z", external_source="k", external_id="1"),
        headers=GEOJSON,
    )
    assert posted.status_code == 201, posted.text
    window = {"active_from": "2026-11-01T06:00:00Z", "active_until": "2026-11-02T18:00:00Z"}
    assert client.post("/api/v1/routes", json=route(None, **window), headers=GEOJSON).is_success
    for layer, times in (
        ("incidents", {"when": ["2026-11-03T08:15:00Z"]}),
        ("routes", {"begin": ["2026-11-01T06:00:00Z"], "end": ["2026-11-02T18:00:00Z"]}),
    ):
        document = etree.fromstring(client.get(f"/api/v1/export/{layer}.kml").content)
        declared = {f.get("name") for f in document.iterfind(".//kml:SimpleField", KML)}
        used = {d.get("name") for d in document.iterfind(".//kml:SimpleData", KML)}
        assert used and used <= declared, used - declared
        assert "record_id" in used
        for tag, expected in times.items():
            assert [e.text for e in document.iterfind(f".//kml:{tag}", KML)] == expected
