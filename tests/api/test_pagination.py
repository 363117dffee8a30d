"""Cursor pagination returns every feature exactly once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import GEOJSON, collection, incident


def test_walk_2500_features_in_pages(client: TestClient) -> None:
    batch = [incident(29 + i * 1e-4, -1.5, title=f"Incident {i}") for i in range(2500)]
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2500

    seen: list[int] = []
    url: str | None = "/api/v1/incidents?limit=300&bbox=28,-2,30,-1"
    pages = 0
    while url:
        pages += 1
        assert pages <= 10, "the next links do not end: a cursor is ignored"
        page = client.get(url)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["numberReturned"] == len(body["features"])
        seen.extend(feature["id"] for feature in body["features"])
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert pages == 9  # 8 full pages of 300 and one of 100
    assert len(seen) == 2500
    assert len(set(seen)) == 2500


def test_default_and_maximum_limit(client: TestClient) -> None:
    batch = [incident(29 + i * 1e-4, -1.5) for i in range(150)]
    posted = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert posted.json()["created"] == 150
    assert client.get("/api/v1/incidents").json()["numberReturned"] == 100
    assert client.get("/api/v1/incidents?limit=10000").json()["numberReturned"] == 150
    assert client.get("/api/v1/incidents?limit=10001").status_code == 400
    assert client.get("/api/v1/incidents?limit=0").status_code == 400


def test_last_page_has_no_next_link(client: TestClient) -> None:
    posted = client.post(
        "/api/v1/incidents", json=collection(incident(), incident(), incident()), headers=GEOJSON
    )
    assert posted.json()["created"] == 3
    first = client.get("/api/v1/incidents?limit=2").json()
    assert [link["rel"] for link in first["links"]] == ["self", "next"]  # a page with more
    follow = next(link["href"] for link in first["links"] if link["rel"] == "next")
    last = client.get(follow).json()
    assert last["numberReturned"] == 1
    assert [link["rel"] for link in last["links"]] == ["self"]
    exact = client.get("/api/v1/incidents?limit=3").json()
    assert (exact["numberReturned"], [link["rel"] for link in exact["links"]]) == (3, ["self"])
