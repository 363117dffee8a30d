"""Batches are atomic; re-ingest by external key updates and never duplicates."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.conftest import row_counts
from tests.factories import GEOJSON, collection, incident


def keyed(number: int, **properties: Any) -> dict[str, Any]:
    return incident(
        29 + number * 0.01,
        -1.5,
        external_source="acled",
        external_id=f"DRC{number:05d}",
        **properties,
    )


def test_one_bad_feature_stores_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    batch = [keyed(n) for n in range(5)]
    batch[3]["properties"]["severity"] = 9
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["pointer"] for e in errors] == ["/features/3/properties/severity"]
    assert row_counts(db)["incident"] == 0


def test_one_invalid_polygon_in_a_batch_stores_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    from tests.factories import camp, square

    bow_tie = [[29.0, -1.0], [29.1, -1.1], [29.1, -1.0], [29.0, -1.1], [29.0, -1.0]]
    response = client.post(
        "/api/v1/camps",
        json=collection(camp(square(29.2, -1.6)), camp(bow_tie)),
        headers=GEOJSON,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["pointer"] == "/features/1/geometry"
    assert "Self-intersection" in body["errors"][0]["message"]
    assert row_counts(db)["camp"] == 0


def test_reingest_updates_and_never_duplicates(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    first = client.post(
        "/api/v1/incidents", json=collection(*[keyed(n) for n in range(4)]), headers=GEOJSON
    )
    assert first.status_code == 200
    counts = {key: first.json()[key] for key in ("created", "updated", "unchanged")}
    assert counts == {"created": 4, "updated": 0, "unchanged": 0}
    first_ids = [item["id"] for item in first.json()["items"]]

    again = [keyed(n) for n in range(4)] + [keyed(10)]
    again[1]["properties"]["severity"] = 5  # a correction from the source
    second = client.post("/api/v1/incidents", json=collection(*again), headers=GEOJSON)
    body = second.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 1, 3)
    assert [item["result"] for item in body["items"]] == [
        "unchanged",
        "updated",
        "unchanged",
        "unchanged",
        "created",
    ]
    assert [item["id"] for item in body["items"][:4]] == first_ids
    assert row_counts(db)["incident"] == 5
    stored = client.get(f"/api/v1/incidents/{first_ids[1]}").json()
    assert stored["properties"]["severity"] == 5


def test_single_feature_reingest_answers_200_with_the_same_id(client: TestClient) -> None:
    created = client.post("/api/v1/incidents", json=keyed(1), headers=GEOJSON)
    assert created.status_code == 201
    updated = client.post("/api/v1/incidents", json=keyed(1, severity=5), headers=GEOJSON)
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["properties"]["severity"] == 5


def test_repeated_external_key_in_one_batch_is_refused(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    response = client.post(
        "/api/v1/incidents", json=collection(keyed(1), keyed(1)), headers=GEOJSON
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/features/1/properties/external_id"
    assert row_counts(db)["incident"] == 0


def test_external_key_needs_both_halves(client: TestClient) -> None:
    response = client.post("/api/v1/incidents", json=incident(external_id="X1"), headers=GEOJSON)
    assert response.status_code == 422
