"""The OGC API - Features abstract test suite (Part 1: core, geojson, oas30; Part 3:
queryables and filter), one test per abstract test, over real HTTP.

Each test is named after its abstract test (``/conf/core/fc-limit-response`` becomes
``test_core_fc_limit_response``) and follows its "test method" from OGC 17-069r4
Annex A and OGC 19-079r2 Annex A, so a reader can check one against the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection
from openapi_spec_validator import validate
from shapely.geometry import box, shape

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, camp, collection, facility, incident, road, route, unit

CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
COLLECTIONS = ("incidents", "routes", "camps", "roads", "facilities", "units")
COUNT = 23


@pytest.fixture
def ogc(live_server: str, role_keys: RoleKeys, client: TestClient) -> Iterator[httpx.Client]:
    """A viewer's HTTP client on /ogc, with 23 incidents (one an hour), a route, a camp, a
    road, a facility and a unit."""
    client.post("/api/v1/camps", json=camp(), headers=GEOJSON)
    client.post("/api/v1/routes", json=route(), headers=GEOJSON)
    client.post("/api/v1/roads", json=road(), headers=GEOJSON)
    client.post("/api/v1/facilities", json=facility(), headers=GEOJSON)
    client.post("/api/v1/units", json=unit(), headers=GEOJSON)
    batch = [incident(29.0 + i * 0.01, -1.5 + i * 0.005, hours_ago=i) for i in range(COUNT)]
    posted = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert posted.is_success, posted.text
    with httpx.Client(base_url=f"{live_server}/ogc", headers=bearer(role_keys.viewer)) as http:
        yield http


def links(body: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    return [link for link in body["links"] if link["rel"] == rel]


def items(ogc: httpx.Client, **params: Any) -> dict[str, Any]:
    response = ogc.get("/collections/incidents/items", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body: dict[str, Any] = response.json()
    return body


def times(body: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(f["properties"]["occurred_at"]) for f in body["features"]]


# --- Core: landing page, API definition, conformance (A.2.2 - A.2.4) ---------------------


def test_core_root_op_and_root_success(ogc: httpx.Client) -> None:
    landing = ogc.get("/")
    assert landing.status_code == 200
    body = landing.json()
    for rel in ("self", "service-desc", "conformance", "data"):
        assert links(body, rel), rel
    assert all("href" in link for link in body["links"])


def test_core_api_definition_op_and_success(ogc: httpx.Client) -> None:
    href = links(ogc.get("/").json(), "service-desc")[0]["href"]
    definition = ogc.get(href)
    assert definition.status_code == 200
    assert definition.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = definition.json()
    validate(document)
    assert {"/", "/conformance", "/collections", "/collections/{collectionId}/items"} <= set(
        document["paths"]
    )


def test_core_conformance_op_and_success(ogc: httpx.Client) -> None:
    conforms = ogc.get("/conformance").json()["conformsTo"]
    for name in ("core", "geojson", "oas30"):
        assert CONF + name in conforms


# --- Core: collections (A.2.5) ------------------------------------------------------------


def test_core_fc_md_op_items_links_and_extent(ogc: httpx.Client) -> None:
    body = ogc.get("/collections").json()
    assert links(body, "self")
    listed = {c["id"]: c for c in body["collections"]}
    assert set(listed) == set(COLLECTIONS)
    for collection_id, described in listed.items():
        assert links(described, "items")[0]["href"].endswith(f"/{collection_id}/items")
        spatial = described["extent"]["spatial"]
        assert spatial["crs"] == CRS84
        west, south, east, north = spatial["bbox"][0]
        assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90
    start, end = listed["incidents"]["extent"]["temporal"]["interval"][0]
    assert datetime.fromisoformat(start) < datetime.fromisoformat(end)


def test_core_sfc_md_op_and_success(ogc: httpx.Client) -> None:
    listed = {c["id"]: c for c in ogc.get("/collections").json()["collections"]}
    for collection_id in COLLECTIONS:
        one = ogc.get(f"/collections/{collection_id}")
        assert one.status_code == 200
        assert one.json() == listed[collection_id]
    assert ogc.get("/collections/tanks").status_code == 404


# --- Core: features (A.2.6) ---------------------------------------------------------------


def test_core_fc_op_and_response(ogc: httpx.Client) -> None:
    body = items(ogc)
    FeatureCollection[Feature[Any, dict[str, Any]]].model_validate(body)
    assert links(body, "self")[0]["type"] == "application/geo+json"
    assert body["numberMatched"] == COUNT and body["numberReturned"] == len(body["features"])
    stamp = datetime.fromisoformat(body["timeStamp"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)
    assert ogc.get("/collections/tanks/items").status_code == 404


@pytest.mark.parametrize("limit", [1, 5, COUNT, COUNT + 1])
def test_core_fc_limit_response(ogc: httpx.Client, limit: int) -> None:
    body = items(ogc, limit=limit)
    assert body["numberReturned"] == min(limit, COUNT) == len(body["features"])
    assert bool(links(body, "next")) == (limit < COUNT)


def test_core_fc_limit_definition(ogc: httpx.Client) -> None:
    assert ogc.get("/collections/incidents/items", params={"limit": 0}).status_code == 400
    assert items(ogc, limit=10_001)["numberReturned"] == COUNT  # clamped, not refused


def test_core_fc_links_paging_visits_every_feature_once(ogc: httpx.Client) -> None:
    seen: list[int] = []
    body = items(ogc, limit=4)
    for _ in range(COUNT):  # bounded: at most one page a feature
        seen += [f["id"] for f in body["features"]]
        following = links(body, "next")
        if not following:
            break
        body = ogc.get(following[0]["href"]).json()
    assert len(seen) == len(set(seen)) == COUNT


@pytest.mark.parametrize(
    "bbox", ["29.02,-1.6,29.08,-1.4", "29.02,-1.6,0,29.08,-1.4,100", "29.1,-1.46,29.3,-1.3"]
)
def test_core_fc_bbox_response(ogc: httpx.Client, bbox: str) -> None:
    numbers = [float(n) for n in bbox.split(",")]
    area = box(*(numbers if len(numbers) == 4 else [*numbers[:2], *numbers[3:5]]))
    everything = items(ogc, limit=100)["features"]
    inside = {f["id"] for f in everything if area.intersects(shape(f["geometry"]))}
    assert 0 < len(inside) < COUNT
    assert {f["id"] for f in items(ogc, bbox=bbox, limit=100)["features"]} == inside


@pytest.mark.parametrize("bbox", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "29,-1,28,-2,0,1,2"])
def test_core_fc_bbox_definition_refuses_malformed_boxes(ogc: httpx.Client, bbox: str) -> None:
    response = ogc.get("/collections/incidents/items", params={"bbox": bbox})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_core_fc_time_response(ogc: httpx.Client) -> None:
    everything = items(ogc, limit=100)
    moments = sorted(times(everything))
    pivot = moments[10]
    stamp = pivot.astimezone(UTC).isoformat().replace("+00:00", "Z")
    cases: dict[str, Callable[[datetime], bool]] = {
        stamp: lambda t: t == pivot,
        f"{stamp}/..": lambda t: t >= pivot,
        f"../{stamp}": lambda t: t <= pivot,
        f"{stamp}/PT5H": lambda t: pivot <= t <= pivot + timedelta(hours=5),
        f"PT3H/{stamp}": lambda t: pivot - timedelta(hours=3) <= t <= pivot,
    }
    for value, keep in cases.items():
        expected = sorted(t for t in moments if keep(t))
        assert expected, value
        assert sorted(times(items(ogc, datetime=value, limit=100))) == expected, value
    # Features without a time dimension match any datetime.
    camps = ogc.get("/collections/camps/items", params={"datetime": f"{stamp}/.."})
    assert camps.status_code == 200 and len(camps.json()["features"]) == 1


@pytest.mark.parametrize("value", ["yesterday", "2026-11-01T00:00:00Z/now", "P2D/P3D"])
def test_core_fc_time_definition_refuses_malformed_times(ogc: httpx.Client, value: str) -> None:
    assert ogc.get("/collections/incidents/items", params={"datetime": value}).status_code == 400


def test_core_query_param_unknown_and_invalid(ogc: httpx.Client) -> None:
    for params in ({"colour": "sky"}, {"limit": "tenfold"}, {"f": "htmlish"}):
        response = ogc.get("/collections/incidents/items", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"
        assert not {"sky", "tenfold", "htmlish"} & set(re.findall(r"\w+", response.text))


def test_core_f_op_and_success(ogc: httpx.Client) -> None:
    first = items(ogc, limit=1)["features"][0]
    one = ogc.get(f"/collections/incidents/items/{first['id']}")
    assert one.status_code == 200
    assert one.headers["content-type"].startswith("application/geo+json")
    body = one.json()
    Feature[Any, dict[str, Any]].model_validate(body)
    assert links(body, "self") and links(body, "collection")
    assert body["geometry"] == first["geometry"]
    assert ogc.get("/collections/incidents/items/987654321").status_code == 404


def test_core_head_where_get_works(ogc: httpx.Client) -> None:
    for path in ("/", "/conformance", "/collections", "/collections/incidents/items"):
        head = ogc.head(path)
        assert head.status_code == 200 and head.content == b"", path


# --- GeoJSON and OpenAPI 3.0 requirement classes (A.3, A.5) ---------------------------


def test_geojson_content_and_definition(ogc: httpx.Client) -> None:
    for collection_id, kind in zip(
        COLLECTIONS, ("Point", "LineString", "Polygon", "LineString", "Point", "Point"), strict=True
    ):
        body = ogc.get(f"/collections/{collection_id}/items").json()
        assert {f["geometry"]["type"] for f in body["features"]} == {kind}
        FeatureCollection[Feature[Any, dict[str, Any]]].model_validate(body)


def test_oas30_completeness_every_operation_answers(ogc: httpx.Client) -> None:
    document = ogc.get("/api").json()
    assert document["openapi"].startswith("3.0")
    for template in document["paths"]:
        path = re.sub(r"\{collectionId\}", "incidents", template)
        path = re.sub(r"\{featureId\}", str(items(ogc, limit=1)["features"][0]["id"]), path)
        assert ogc.get(path).status_code == 200, template


# --- Part 3: queryables and filter (OGC 19-079r2, A.1 - A.3) --------------------------


def test_filter_queryables_op_and_response(ogc: httpx.Client) -> None:
    assert (
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
        in ogc.get("/conformance").json()["conformsTo"]
    )
    for collection_id in COLLECTIONS:
        described = ogc.get(f"/collections/{collection_id}").json()
        [link] = links(described, "http://www.opengis.net/def/rel/ogc/1.0/queryables")
        schema = ogc.get(link["href"])
        assert schema.headers["content-type"].startswith("application/schema+json")
        assert schema.json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_filter_param_and_lang(ogc: httpx.Client) -> None:
    newest = sorted(times(items(ogc, limit=100)))[-5]
    stamp = newest.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = items(ogc, filter=f"occurred_at >= TIMESTAMP('{stamp}')", limit=100)
    assert len(text["features"]) == 5
    tree = f'{{"op": ">=", "args": [{{"property": "occurred_at"}}, {{"timestamp": "{stamp}"}}]}}'
    as_json = items(ogc, filter=tree, limit=100, **{"filter-lang": "cql2-json"})
    assert [f["id"] for f in as_json["features"]] == [f["id"] for f in text["features"]]
    refused = ogc.get("/collections/incidents/items", params={"filter": "colour = 'blue'"})
    assert refused.status_code == 400
