"""The bad-input corpus: each case is a 4xx problem+json and the database is unchanged."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.app import create_app
from tests.conftest import RoleKeys, bearer, row_counts, settings_for
from tests.factories import GEOJSON, camp, collection, incident, route, square, stored

Mutation = Callable[[dict[str, Any]], Any]


def geometry(value: Any) -> Mutation:
    def mutate(feature: dict[str, Any]) -> Any:
        feature["geometry"] = value
        return feature

    return mutate


def coordinates(value: Any) -> Mutation:
    def mutate(feature: dict[str, Any]) -> Any:
        feature["geometry"]["coordinates"] = value
        return feature

    return mutate


UNCLOSED = [[29.0, -1.0], [29.1, -1.0], [29.1, -1.1], [29.0, -1.1]]
BOW_TIE = [[29.0, -1.0], [29.1, -1.1], [29.1, -1.0], [29.0, -1.1], [29.0, -1.0]]
LONG_LINE = [[29.0 + i * 1e-6, -1.0] for i in range(100_000)]

# (layer, base feature, mutation, expected status, words the detail or errors must hold)
CORPUS: dict[str, tuple[str, Callable[[], dict[str, Any]], Mutation, int, str]] = {
    "lat 91": ("incidents", incident, coordinates([29.0, 91.0]), 422, "latitude"),
    "lon -181": ("incidents", incident, coordinates([-181.0, 1.0]), 422, "longitude"),
    "string coordinate": ("incidents", incident, coordinates(["29", -1]), 422, "numbers"),
    "one number": ("incidents", incident, coordinates([29.0]), 422, "2 or 3"),
    "unclosed ring": ("camps", camp, coordinates([UNCLOSED]), 422, "not closed"),
    "bow-tie polygon": ("camps", camp, coordinates([BOW_TIE]), 422, "Self-intersection"),
    "ring of 3 positions": (
        "camps", camp, coordinates([[[29, -1], [29.1, -1], [29, -1]]]), 422, "at least 4",
    ),
    "100k-vertex line": ("routes", route, coordinates(LONG_LINE), 422, "vertices"),
    "empty point": ("incidents", incident, coordinates([]), 422, "empty"),
    "empty polygon": ("camps", camp, coordinates([]), 422, "empty"),
    "null geometry": ("incidents", incident, geometry(None), 422, "required"),
    "GeometryCollection": (
        "incidents", incident,
        geometry({"type": "GeometryCollection", "geometries": []}), 422, "GeometryCollection",
    ),
    "crs member in geometry": (
        "incidents", incident,
        geometry({"type": "Point", "coordinates": [29, -1], "crs": {"type": "name"}}), 422, "crs",
    ),
    "crs member on the feature": (
        "incidents", incident, lambda f: f | {"crs": {"type": "name"}}, 422, "crs",
    ),
    "wrong type for the layer": (
        "camps", camp, geometry({"type": "Point", "coordinates": [29, -1]}), 422, "Polygon",
    ),
    "line on the incident layer": (
        "incidents", incident,
        geometry({"type": "LineString", "coordinates": [[29, -1], [30, -1]]}), 422, "Point",
    ),
    "degenerate line": ("routes", route, coordinates([[29, -1], [29, -1]]), 422, "distinct"),
    "unknown category": (
        "incidents", incident, lambda f: _prop(f, "category", "witchcraft"), 422, "category",
    ),
    "severity 0": (
        "incidents", incident, lambda f: _prop(f, "severity", 0), 422, "must be at least 1",
    ),
    "severity 6": (
        "incidents", incident, lambda f: _prop(f, "severity", 6), 422, "must be at most 5",
    ),
    # Issue 18, defect 7: "String should have at least 1 character".
    "empty title": ("incidents", incident, lambda f: _prop(f, "title", ""), 422, "is required"),
    "no title": ("incidents", incident, lambda f: _drop(f, "title"), 422, "is required"),
    "naive time": (
        "incidents", incident, lambda f: _prop(f, "occurred_at", "2026-11-01T10:00:00"), 422,
        "occurred_at",
    ),
    "unknown property": ("incidents", incident, lambda f: _prop(f, "colour", "red"), 422, "colour"),
    "not a feature": ("incidents", incident, lambda f: {"type": "Point"}, 422, "Feature"),
    "array body": ("incidents", incident, lambda f: [f], 422, "Feature"),
    "features not an array": (
        "incidents", incident,
        lambda f: {"type": "FeatureCollection", "features": {}}, 422, "array",
    ),
    "empty collection": (
        "incidents", incident, lambda f: collection(), 422, "no features",
    ),
}  # fmt: skip


def _drop(feature: dict[str, Any], key: str) -> dict[str, Any]:
    del feature["properties"][key]
    return feature


def _prop(feature: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    feature["properties"][key] = value
    return feature


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


@pytest.mark.parametrize("case", list(CORPUS))
def test_bad_feature_is_refused_and_nothing_changes(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], case: str
) -> None:
    layer, make, mutate, status, words = CORPUS[case]
    client.post(f"/api/v1/{layer}", json=make(), headers=GEOJSON)  # something already stored
    before = row_counts(db)
    body = mutate(copy.deepcopy(make()))
    response = client.post(f"/api/v1/{layer}", json=body, headers=GEOJSON)
    problem = assert_problem(response, status)
    explained = problem["detail"] + " ".join(
        e["message"] + e["pointer"] for e in problem.get("errors", [])
    )
    assert words in explained
    assert row_counts(db) == before


@pytest.mark.parametrize(
    "raw",
    [b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 1]}}',
     b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [Infinity, 1]}}',
     b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1e999, 1]}}',
     b'{"type": "Feature", ',
     b"\xff\xfe"],
    ids=["NaN", "Infinity", "overflow", "truncated", "not utf-8"],
)  # fmt: skip
def test_non_json_numbers_and_broken_json(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], raw: bytes
) -> None:
    response = client.post("/api/v1/incidents", content=raw, headers=GEOJSON)
    problem = assert_problem(response, 400)
    assert "NaN" not in problem["detail"].replace("(NaN,", "")
    assert row_counts(db)["incident"] == 0


def test_twenty_megabyte_body_is_413(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    padding = "x" * (20 * 1024 * 1024)
    body = orjson.dumps(incident(description=padding))
    response = client.post("/api/v1/incidents", content=body, headers=GEOJSON)
    assert_problem(response, 413)
    assert row_counts(db)["incident"] == 0


def test_streamed_oversize_body_without_length_is_413(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b" " * (1024 * 1024)

    response = client.post("/api/v1/incidents", content=chunks(), headers=GEOJSON)
    assert_problem(response, 413)
    assert row_counts(db)["incident"] == 0


@pytest.mark.parametrize("streamed", [False, True])
def test_the_body_limit_at_and_one_past_it(
    database_url: str, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]],
    streamed: bool,
) -> None:  # fmt: skip
    limit = 4096
    body = orjson.dumps(incident(title="Body at the limit"))
    at_limit = body[:-1] + b" " * (limit - len(body)) + body[-1:]  # padded JSON, still valid
    assert len(at_limit) == limit
    one_past = body[:-1] + b" " * (limit + 1 - len(body)) + body[-1:]
    with TestClient(create_app(settings_for(database_url, max_body_bytes=limit))) as small:
        small.headers.update(bearer(role_keys.admin) | GEOJSON)

        def send(content: bytes) -> Any:
            if streamed:  # no Content-Length: counted while reading
                return small.post("/api/v1/incidents", content=iter([content]))
            return small.post("/api/v1/incidents", content=content)

        assert send(at_limit).status_code == 201
        assert_problem(send(one_past), 413)
    assert row_counts(db)["incident"] == 1


def test_other_media_types_are_415(client: TestClient) -> None:
    response = client.post(
        "/api/v1/incidents",
        content=orjson.dumps(incident()),
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(response, 415)


def test_too_many_features(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> None:
    batch = collection(*[incident() for _ in range(10_001)])
    response = client.post("/api/v1/incidents", json=batch, headers=GEOJSON)
    assert_problem(response, 422)
    assert row_counts(db)["incident"] == 0


def test_vertex_budget_per_request(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    line = [[29.0 + i * 1e-5, -1.0] for i in range(15_000)]
    batch = collection(*[route(line) for _ in range(14)])  # 210,000 vertices in all
    response = client.post("/api/v1/routes", json=batch, headers=GEOJSON)
    body = assert_problem(response, 422)
    assert "in all" in body["errors"][0]["message"]
    assert row_counts(db)["route"] == 0


SQL_META = ["' OR 1=1 --", "1; DROP TABLE incident", '"', "\\", "%", "$1", "../..", "\x00"]
FILTERS = ["bbox", "datetime", "category", "severity_min", "status", "limit", "cursor"]


@pytest.mark.parametrize("name", FILTERS)
def test_sql_meta_characters_in_every_filter(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], name: str
) -> None:
    assert client.post("/api/v1/incidents", json=incident(), headers=GEOJSON).status_code == 201
    before = row_counts(db)
    # What a plainly wrong value gets: the answer to hostile input may differ only in
    # which fixed message it picks, never by carrying the input.
    reference = assert_problem(client.get("/api/v1/incidents", params={name: "zzz"}), 400)
    for value in SQL_META:
        response = client.get("/api/v1/incidents", params={name: value})
        problem = assert_problem(response, 400)
        assert problem["detail"] == reference["detail"] or value not in problem["detail"], value
    assert row_counts(db) == before


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "0,10,1,5"},
        {"bbox": "0,0,200,1"},
        {"bbox": "nan,0,1,1"},
        {"datetime": "yesterday"},
        {"datetime": "2026-11"},
        {"datetime": "2026-11-01T00:00:00"},
        {"datetime": "2026-11-02T00:00:00Z/2026-11-01T00:00:00Z"},
        {"datetime": "../.."},
        {"datetime": "a/b/c"},
        {"categroy": "ied"},
        {"<script>": "1"},
    ],
)
def test_malformed_filters(client: TestClient, params: dict[str, str]) -> None:
    problem = assert_problem(client.get("/api/v1/incidents", params=params), 400)
    assert "<script>" not in problem["detail"]


def test_unknown_ids_and_bad_paths(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/incidents/999999"), 404)
    assert_problem(client.get("/api/v1/incidents/abc"), 400)
    assert_problem(client.get("/api/v1/incidents/-1"), 400)
    assert_problem(client.get("/api/v1/nowhere"), 404)
    assert_problem(client.put("/api/v1/incidents/1", json={}), 405)


def test_patch_corpus(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> None:
    created = client.post("/api/v1/camps", json=camp(square(29.2, -1.6)), headers=GEOJSON).json()
    url = f"/api/v1/camps/{created['id']}"
    for body in [
        {},
        {"properties": []},
        {"geometry": {"type": "Polygon", "coordinates": [BOW_TIE]}},
        {"geometry": {"type": "Point", "coordinates": [29, -1]}},
        {"properties": {"kind": "castle"}},
        {"properties": {"name": ""}},
        {"type": "FeatureCollection", "features": []},
        {"geometry": None},
    ]:
        response = client.patch(url, json=body, headers=GEOJSON)
        assert 400 <= response.status_code < 500, body
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(url).json() == stored(created)


def test_nul_characters_are_refused_not_500(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    body = orjson.dumps(incident(title="Clash\u0000near Goma"))
    assert_problem(client.post("/api/v1/incidents", content=body, headers=GEOJSON), 400)
    sign_in = client.post("/api/v1/session", json={"username": "a\u0000b", "password": "x"})
    assert_problem(sign_in, 400)
    audit = client.get("/api/v1/audit", params={"action": "a\u0000b"})
    assert 400 <= audit.status_code < 500
    assert row_counts(db)["incident"] == 0


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/incidents", "GET, HEAD, POST"),
        ("POST", "/api/v1/incidents/1", "DELETE, GET, HEAD, PATCH"),
        ("DELETE", "/api/v1/rules", "GET, HEAD, POST"),
        ("PUT", "/ogc/collections", "GET, HEAD"),
    ],
)
def test_405_names_every_method_the_resource_takes(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    """Issue 16: Allow said only GET where POST, PATCH and DELETE work too."""
    response = client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/rules/1", {"enabled": 0}),
        ("/api/v1/rules/1", {"enabled": "false"}),
        ("/api/v1/users/1", {"disabled": 1}),
    ],
)
def test_flags_must_be_json_booleans(client: TestClient, path: str, body: dict[str, Any]) -> None:
    assert client.patch("/api/v1/rules/1", json={"enabled": False}).status_code == 200
    response = client.patch(path, json=body)
    assert response.status_code == 422, response.text
