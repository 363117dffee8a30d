"""OGC API - Features at /ogc, read by GDAL (ogrinfo OAPIF) and OWSLib over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, Point
from owslib.ogcapi.features import Features

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, camp, collection, facility, incident, road, route, unit
from tests.gdal import feature_counts

LEVELS = ("unclassified", "confidential", "strictly_confidential")
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


@pytest.fixture
def scene(client: TestClient) -> None:
    client.post("/api/v1/camps", json=camp(), headers=GEOJSON)
    client.post("/api/v1/routes", json=route(classification="unclassified"), headers=GEOJSON)
    client.post("/api/v1/roads", json=road(classification="unclassified"), headers=GEOJSON)
    client.post("/api/v1/facilities", json=facility(classification="confidential"), headers=GEOJSON)
    client.post("/api/v1/units", json=unit(classification="unclassified"), headers=GEOJSON)
    batch = [
        incident(29.0 + i * 0.01, -1.5, hours_ago=i, classification=LEVELS[i % 3],
                 category="ied" if i % 2 else "protest")
        for i in range(25)
    ]  # fmt: skip
    assert client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON).is_success


def test_gdal_reads_every_collection_through_oapif(
    live_server: str, role_keys: RoleKeys, scene: None
) -> None:
    headers = f"Authorization: Bearer {role_keys.viewer}"
    counts = feature_counts(f"OAPIF:{live_server}/ogc", "-oo", "PAGE_SIZE=7", headers=headers)
    assert counts == {
        "incidents": 25,
        "routes": 1,
        "camps": 1,
        "roads": 1,
        "facilities": 1,
        "units": 1,
    }


def test_gdal_sees_only_what_an_unclassified_viewer_may(
    live_server: str, role_keys: RoleKeys, scene: None
) -> None:
    headers = f"Authorization: Bearer {role_keys.unclassified_viewer}"
    counts = feature_counts(f"OAPIF:{live_server}/ogc", headers=headers)
    assert counts == {
        "incidents": 9,
        "routes": 1,
        "camps": 0,
        "roads": 1,
        "facilities": 0,
        "units": 1,
    }


def test_owslib_lists_collections_and_pages_through_items(
    live_server: str, role_keys: RoleKeys, scene: None
) -> None:
    api = Features(f"{live_server}/ogc", headers=bearer(role_keys.viewer))
    assert CORE in api.conformance()["conformsTo"]
    assert sorted(c["id"] for c in api.collections()["collections"]) == [
        "camps", "facilities", "incidents", "roads", "routes", "units",
    ]  # fmt: skip
    assert api.api()["openapi"].startswith("3.0")
    seen: list[Any] = []
    params: dict[str, Any] = {"limit": 10}
    while True:
        page = api.collection_items("incidents", **params)
        FeatureCollection[Feature[Point, dict[str, Any]]].model_validate(page)
        seen.extend(feature["id"] for feature in page["features"])
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        params = {k: v[0] for k, v in parse_qs(urlsplit(following[0]["href"]).query).items()}
    assert len(seen) == len(set(seen)) == 25
    one = api.collection_item("incidents", str(seen[0]))
    assert one["id"] == seen[0]


def test_items_filter_by_bbox_and_datetime(client: TestClient, scene: None) -> None:
    base = "/ogc/collections/incidents/items"
    boxed = client.get(base, params={"bbox": "28.995,-1.6,29.045,-1.4"}).json()
    assert boxed["numberReturned"] == 5
    assert any(link["rel"] == "collection" for link in boxed["links"])
    assert "timeStamp" in boxed
    recent = client.get(base, params={"datetime": "2000-01-01T00:00:00Z/.."}).json()
    assert recent["numberReturned"] == 25
    none = client.get(base, params={"datetime": "../2000-01-01T00:00:00Z"}).json()
    assert none["numberReturned"] == 0


def test_collection_documents_have_extents_and_links(client: TestClient, scene: None) -> None:
    body = client.get("/ogc/collections/incidents").json()
    [[west, _, east, _]] = body["extent"]["spatial"]["bbox"]
    assert (west, east) == pytest.approx((29.0, 29.24))
    assert body["extent"]["temporal"]["interval"][0][0] is not None
    assert {link["rel"] for link in body["links"]} == {"self", "items", QUERYABLES}
    landing = client.get("/ogc").json()
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}


def test_ogc_needs_a_key(live_server: str, scene: None) -> None:
    import httpx

    response = httpx.get(f"{live_server}/ogc/collections/incidents/items")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/collections/incidents/items?colour=red",
        "/ogc/collections/incidents/items?limit=0",
        "/ogc/collections/incidents/items?limit=abc",
        "/ogc/collections/incidents/items?bbox=1,2,3",
        "/ogc/collections/incidents/items?datetime=yesterday",
        "/ogc/collections/incidents/items?bbox-crs=EPSG:3857",
        "/ogc/collections/incidents/items?f=html",
        "/ogc/collections/tanks/items",
        "/ogc/collections/incidents/items/999999",
        "/ogc/conformance?x=1",
    ],
)
def test_unknown_or_invalid_parameters_are_refused(
    client: TestClient, scene: None, url: str
) -> None:
    response = client.get(url)
    expected = 404 if ("tanks" in url or "999999" in url) else 400
    assert response.status_code == expected
    assert response.headers["content-type"] == "application/problem+json"


# What the OGC abstract test suite asks of Part 1 core (issue 16).


def test_a_six_number_bbox_is_the_same_box_with_heights(client: TestClient, scene: None) -> None:
    base = "/ogc/collections/incidents/items"
    flat = client.get(base, params={"bbox": "28.995,-1.6,29.045,-1.4"}).json()
    tall = client.get(base, params={"bbox": "28.995,-1.6,-100,29.045,-1.4,9000"}).json()
    assert flat["numberReturned"] == 5
    assert [f["id"] for f in tall["features"]] == [f["id"] for f in flat["features"]]


def test_features_without_time_match_any_datetime(client: TestClient, scene: None) -> None:
    camps = client.get("/ogc/collections/camps/items").json()
    assert camps["numberReturned"] == 1
    timed = client.get(
        "/ogc/collections/camps/items", params={"datetime": "2001-01-01T00:00:00Z/P1D"}
    )
    assert timed.status_code == 200
    assert timed.json()["numberReturned"] == 1
    bad = client.get("/ogc/collections/camps/items", params={"datetime": "yesterday"})
    assert bad.status_code == 400  # still a datetime, even where it filters nothing


def test_intervals_with_durations(client: TestClient, scene: None) -> None:
    base = "/ogc/collections/incidents/items"
    everything = client.get(base, params={"datetime": "2000-01-01/P100Y"}).json()
    assert everything["numberReturned"] == 25
    nothing = client.get(base, params={"datetime": "P1D/2000-01-02"}).json()
    assert nothing["numberReturned"] == 0


def test_number_matched_counts_every_page_and_a_limit_above_the_maximum_is_clamped(
    client: TestClient, scene: None
) -> None:
    base = "/ogc/collections/incidents/items"
    first = client.get(base, params={"limit": 10}).json()
    assert (first["numberReturned"], first["numberMatched"]) == (10, 25)
    follow = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(follow).json()
    assert (second["numberReturned"], second["numberMatched"]) == (10, 25)
    boxed = client.get(base, params={"bbox": "28.995,-1.6,29.045,-1.4", "limit": 2}).json()
    assert boxed["numberMatched"] == 5
    clamped = client.get(base, params={"limit": 10_001})
    assert clamped.status_code == 200
    assert clamped.json()["numberReturned"] == 25
    assert client.get(base, params={"limit": 10_000}).json()["numberReturned"] == 25


def test_number_matched_stays_within_clearance(
    client: TestClient, scene: None, role_keys: RoleKeys
) -> None:
    limited = client.get(
        "/ogc/collections/incidents/items", headers=bearer(role_keys.unclassified_viewer)
    ).json()
    assert limited["numberMatched"] == limited["numberReturned"] == 9  # i % 3 == 0 of 25


def test_the_definition_declares_what_the_items_take(client: TestClient) -> None:
    document = client.get("/ogc/api").json()
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    parameters = {p["name"]: p for p in items["parameters"]}
    assert {"bbox", "datetime", "limit", "cursor", "category", "status", "kind",
            "severity_min"} <= set(parameters)  # fmt: skip
    assert (parameters["bbox"]["schema"]["minItems"], parameters["bbox"]["schema"]["maxItems"]) == (
        4, 6,
    )  # fmt: skip
    assert {"200", "400", "401", "404"} <= set(items["responses"])


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/incidents",
        "/ogc/collections/incidents/items?limit=3",
        "/ogc/collections/incidents/items/1",
        "/ogc/api",
        "/api/v1/incidents?limit=2",
        "/api/v1/alerts",
        "/api/v1/export/incidents.csv",
        "/healthz",
    ],
)
def test_head_answers_wherever_get_does(client: TestClient, scene: None, path: str) -> None:
    got = client.get(path)
    assert got.status_code == 200, got.text
    head = client.head(path)
    after = client.get(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        # A count (numberMatched) may change between the calls when something else
        # writes meanwhile (it did once in a full run): HEAD matches a GET beside it.
        lengths = {got.headers["content-length"], after.headers["content-length"]}
        assert head.headers["content-length"] in lengths
    assert client.head("/ogc/collections/tanks").status_code == 404  # as GET


def test_head_on_the_endless_stream_is_refused(client: TestClient) -> None:
    assert client.head("/api/v1/alerts/stream").status_code == 405
