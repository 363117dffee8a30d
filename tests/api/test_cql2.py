"""CQL2 filtering (OGC API - Features Part 3): queryables, cql2-text and cql2-json.

Expected results are computed here from the posted records, never written out by hand,
and compared with what the server returns over every path that lists a layer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, NOW, collection, incident, route
from tests.gdal import feature_counts

ITEMS = "/ogc/collections/incidents/items"
LEVELS = ("unclassified", "confidential", "strictly_confidential")
CATEGORIES = ("ied", "ambush", "protest", "armed_clash")


@pytest.fixture
def posted(client: TestClient) -> list[dict[str, Any]]:
    """24 incidents along a line of longitude: severities 1..5, four categories, three
    markings, one in four without a source. Returns their properties with id and lon."""
    batch = [
        incident(
            29.0 + i * 0.01, -1.5, hours_ago=i * 10,
            severity=1 + i % 5, category=CATEGORIES[i % 4], classification=LEVELS[i % 3],
            title=f"Report {i:02d} {'convoy' if i % 6 == 0 else 'patrol'}",
            source=None if i % 4 == 0 else "UNPOL",
        )
        for i in range(24)
    ]  # fmt: skip
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.json()["created"] == 24, response.text
    stored = client.get("/api/v1/incidents", params={"limit": 100}).json()["features"]
    assert len(stored) == 24
    return [{**f["properties"], "id": f["id"], "lon": f["geometry"]["coordinates"][0]}
            for f in stored]  # fmt: skip


def ids(client: TestClient, **params: str) -> set[int]:
    response = client.get(ITEMS, params={"limit": "1000", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"]
    return {feature["id"] for feature in body["features"]}


def expect(records: list[dict[str, Any]], keep: Any, none_is_right: bool = False) -> set[int]:
    found = {record["id"] for record in records if keep(record)}
    # The filter must select, not pass all or none (unless selecting none is the point).
    assert (none_is_right or len(found) > 0) and len(found) < len(records)
    return found


def test_queryables_are_a_json_schema_listed_from_the_collection(client: TestClient) -> None:
    collection_doc = client.get("/ogc/collections/incidents").json()
    link = next(
        link["href"] for link in collection_doc["links"]
        if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    )  # fmt: skip
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    Draft202012Validator.check_schema(schema)
    properties = schema["properties"]
    assert properties["geometry"]["format"] == "geometry-point"
    assert properties["severity"] == {
        "title": "Severity", "type": "integer", "minimum": 1, "maximum": 5,
    }  # fmt: skip
    assert "ied" in properties["category"]["enum"]
    assert properties["occurred_at"]["format"] == "date-time"
    routes = client.get("/ogc/collections/routes/queryables").json()["properties"]
    assert routes["geometry"]["format"] == "geometry-linestring" and "active_from" in routes
    assert "severity" not in routes
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conformance


def test_text_and_json_encodings_select_the_same_records(
    client: TestClient, posted: list[dict[str, Any]]
) -> None:
    wanted = expect(posted, lambda r: r["severity"] >= 4 and r["category"] in ("ied", "ambush"))
    text = "severity >= 4 AND category IN ('ied','ambush')"
    assert ids(client, filter=text) == wanted
    tree = {"op": "and", "args": [
        {"op": ">=", "args": [{"property": "severity"}, 4]},
        {"op": "in", "args": [{"property": "category"}, ["ied", "ambush"]]},
    ]}  # fmt: skip
    assert ids(client, filter=json.dumps(tree), **{"filter-lang": "cql2-json"}) == wanted
    # A literal on the left is the same comparison mirrored.
    assert ids(client, filter="4 <= severity AND category IN ('ied','ambush')") == wanted


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("severity = 3", lambda r: r["severity"] == 3),
        ("severity <> 3", lambda r: r["severity"] != 3),
        ("severity < 2", lambda r: r["severity"] < 2),
        ("severity > 4.5", lambda r: r["severity"] > 4.5),
        ("severity BETWEEN 2 AND 3", lambda r: 2 <= r["severity"] <= 3),
        ("NOT severity BETWEEN 2 AND 3", lambda r: not 2 <= r["severity"] <= 3),
        ("title LIKE '%convoy'", lambda r: r["title"].endswith("convoy")),
        ("title LIKE '%CONVOY'", lambda r: False),  # LIKE is case-sensitive: nothing...
        ("CASEI(title) LIKE CASEI('%CONVOY')", lambda r: r["title"].endswith("convoy")),
        ("source IS NULL", lambda r: r["source"] is None),
        ("source IS NOT NULL", lambda r: r["source"] is not None),
        ("category = 'ied' OR severity = 5",
         lambda r: r["category"] == "ied" or r["severity"] == 5),
        ("classification <= 'confidential'", lambda r: r["classification"] != LEVELS[2]),
        ("classification IN ('unclassified')", lambda r: r["classification"] == LEVELS[0]),
        ("id > 20", lambda r: r["id"] > 20),
        ("S_INTERSECTS(geometry, BBOX(29.025, -1.6, 29.085, -1.4))",
         lambda r: 29.025 <= r["lon"] <= 29.085),
        ("S_WITHIN(geometry, POLYGON((29.105 -1.6, 29.155 -1.6, 29.155 -1.4, 29.105 -1.4, "
         "29.105 -1.6)))", lambda r: 29.105 <= r["lon"] <= 29.155),
        ("S_DISJOINT(geometry, BBOX(29.0, -1.6, 29.1, -1.4))", lambda r: r["lon"] > 29.1 + 1e-9),
    ],
)  # fmt: skip
def test_each_operator_selects_what_it_says(
    client: TestClient, posted: list[dict[str, Any]], text: str, keep: Any
) -> None:
    assert ids(client, filter=text) == expect(posted, keep, none_is_right="CONVOY'" in text)


def test_times_compare_as_instants_and_dates(
    client: TestClient, posted: list[dict[str, Any]]
) -> None:
    def when(record: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(record["occurred_at"]).astimezone(UTC)

    cut = NOW - timedelta(hours=95)
    wanted = expect(posted, lambda r: when(r) > cut)
    stamp = cut.isoformat().replace("+00:00", "Z")
    assert ids(client, filter=f"occurred_at > TIMESTAMP('{stamp}')") == wanted
    day = (NOW - timedelta(days=3)).date()
    assert ids(client, filter=f"occurred_at = DATE('{day}')") == expect(
        posted, lambda r: when(r).date() == day
    )


def test_a_filter_never_reaches_above_the_readers_clearance(
    app_client: TestClient, posted: list[dict[str, Any]], role_keys: RoleKeys
) -> None:
    everything = "classification >= 'unclassified'"
    headers = bearer(role_keys.unclassified_viewer)
    seen = app_client.get(ITEMS, params={"filter": everything, "limit": "100"}, headers=headers)
    assert seen.status_code == 200
    assert {f["id"] for f in seen.json()["features"]} == expect(
        posted, lambda r: r["classification"] == "unclassified"
    )
    asked = app_client.get(
        ITEMS, params={"filter": "classification = 'strictly_confidential'"}, headers=headers
    ).json()
    assert asked["numberMatched"] == 0 and asked["features"] == []


def test_the_filter_holds_on_the_api_lists_and_exports_and_numbers_match_across_pages(
    client: TestClient, posted: list[dict[str, Any]]
) -> None:
    wanted = expect(posted, lambda r: r["severity"] >= 3)
    listed = client.get("/api/v1/incidents", params={"filter": "severity >= 3"}).json()
    assert {f["id"] for f in listed["features"]} == wanted
    exported = client.get("/api/v1/export/incidents.geojson", params={"filter": "severity >= 3"})
    assert exported.status_code == 200
    assert {f["id"] for f in exported.json()["features"]} == wanted
    first = client.get(ITEMS, params={"filter": "severity >= 3", "limit": "5"}).json()
    assert (first["numberMatched"], first["numberReturned"]) == (len(wanted), 5)
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "filter=" in following


def test_routes_filter_on_their_window_and_status(client: TestClient) -> None:
    start = NOW.isoformat().replace("+00:00", "Z")
    for index, status in enumerate(("active", "planned", "closed")):
        line = [[29.0 + index, -1.5], [29.1 + index, -1.4]]
        feature = route(line, status=status, name=f"R{index}",
                        active_from=start if index else None)  # fmt: skip
        assert client.post("/api/v1/routes", json=feature, headers=GEOJSON).status_code == 201
    body = client.get(
        "/ogc/collections/routes/items",
        params={"filter": "status <> 'closed' AND active_from IS NOT NULL"},
    ).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["R1"]


BAD_FILTERS = [
    ("nonsense = 1", "not queryable"),
    ("severity = 'high'", "compared with numbers"),
    ("category = 'tank'", "is one of"),
    ("title = 3", "compared with text"),
    ("severity >>= 4", "not valid cql2-text (line 1, column 11)"),
    ("severity = severity", "a property on one side"),
    ("CASEI(title) = CASEI('x')", "a property on one side"),
    ("CASEI(title) LIKE '%x%'", "CASEI() goes on both sides"),
    ("severity + 1 > 2", "a property on one side"),
    ("T_INTERSECTS(occurred_at, INTERVAL('2026-01-01', '..'))", "not supported here"),
    ("occurred_at > TIMESTAMP('2026-13-01T00:00:00Z')", "RFC 3339"),
    ("occurred_at > TIMESTAMP('3026-01-01T00:00:00Z')", "1900 up to 2100"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "invalid geometry"),
    ("S_INTERSECTS(geometry, POINT(200 0))", "CRS84"),
    ("S_INTERSECTS(geometry, BBOX(10, 0, -10, 1))", "antimeridian"),
    ("S_INTERSECTS(severity, POINT(1 1))", "cannot be used that way"),
    ("severity IN (" + ",".join(["1"] * 201) + ")", "1 to 200 values"),
    ("(" * 60 + "severity = 1" + ")" * 60 + " AND " + "NOT " * 45 + "TRUE", "deeper than 40"),
]


@pytest.mark.parametrize(("text", "says"), BAD_FILTERS)
def test_bad_filters_are_refused_clearly_without_echo(
    client: TestClient, posted: list[dict[str, Any]], text: str, says: str
) -> None:
    response = client.get(ITEMS, params={"filter": text})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]
    assert "'high'" not in response.text and "tank" not in response.text


def test_filter_parameters_and_length_limits(
    client: TestClient, posted: list[dict[str, Any]]
) -> None:
    def status(**params: str) -> int:
        return client.get(ITEMS, params=params).status_code

    assert status(filter="severity = 1", **{"filter-lang": "cql2-text"}) == 200
    assert status(filter="severity = 1", **{"filter-lang": "cql-text"}) == 400
    crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert status(filter="severity = 1", **{"filter-crs": crs84}) == 200
    assert status(filter="severity = 1", **{"filter-crs": "EPSG:3857"}) == 400
    assert status(**{"filter-lang": "cql2-json"}) == 400  # a language needs a filter
    assert status(filter="{not json", **{"filter-lang": "cql2-json"}) == 400
    padded = "severity = 1" + " " * (4096 - len("severity = 1"))
    assert status(filter=padded) == 200  # at the limit
    assert status(filter=padded + " ") == 400  # one past it


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("(" * 2040 + "severity = 1" + ")" * 2040, 200),  # brackets only group
        ("severity = " + "-" * 4084 + "1", 200),  # an even count of minus signs: 1
        ("NOT " * 1021 + "TRUE", 400),  # deeper than the nesting limit
    ],
)
def test_nesting_that_crashes_the_parser_on_a_normal_stack_is_answered_by_a_running_server(
    live_server: str, role_keys: RoleKeys, text: str, status: int
) -> None:
    """The first two overflow an 8 MB stack in the native parser (a segfault: the whole
    server gone); the parser's own thread has room for any filter within the length cap."""
    assert len(text) <= 4096
    response = httpx.get(
        f"{live_server}{ITEMS}", params={"filter": text}, headers=bearer(role_keys.viewer)
    )
    assert response.status_code == status
    health = httpx.get(f"{live_server}/healthz")
    assert health.status_code == 200


def test_gdal_reads_a_filtered_collection(
    live_server: str, role_keys: RoleKeys, posted: list[dict[str, Any]]
) -> None:
    wanted = expect(posted, lambda r: r["severity"] >= 4)
    headers = f"Authorization: Bearer {role_keys.admin}"
    counts = feature_counts(
        f"OAPIF:{live_server}/ogc", "-where", "severity >= 4", headers=headers,
        layers=("incidents",),
    )  # fmt: skip
    assert counts == {"incidents": len(wanted)}
