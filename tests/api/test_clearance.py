"""Records above a principal's clearance do not exist for that principal."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer, make_key
from tests.factories import FACTORIES, GEOJSON, collection, incident

LEVELS = ("unclassified", "confidential", "strictly_confidential")


@pytest.fixture
def seeded(client: TestClient) -> dict[str, dict[str, int]]:
    """One record per level in each layer, written by a fully cleared admin."""
    ids: dict[str, dict[str, int]] = {}
    for layer, make in FACTORIES.items():
        features = [make(classification=level) for level in LEVELS]
        response = client.post(f"/api/v1/{layer}", json=collection(*features), headers=GEOJSON)
        assert response.status_code == 200, response.text
        ids[layer] = dict(zip(LEVELS, [i["id"] for i in response.json()["items"]], strict=True))
    return ids


@pytest.mark.parametrize("layer", list(FACTORIES))
def test_unclassified_viewer_sees_only_unclassified(
    client: TestClient, role_keys: RoleKeys, seeded: dict[str, dict[str, int]], layer: str
) -> None:
    viewer = bearer(role_keys.unclassified_viewer)
    listed = client.get(f"/api/v1/{layer}", headers=viewer).json()
    assert [f["id"] for f in listed["features"]] == [seeded[layer]["unclassified"]]
    assert listed["numberReturned"] == 1
    in_box = client.get(f"/api/v1/{layer}", params={"bbox": "-180,-90,180,90"}, headers=viewer)
    assert [f["id"] for f in in_box.json()["features"]] == [seeded[layer]["unclassified"]]
    for level in ("confidential", "strictly_confidential"):
        hidden = client.get(f"/api/v1/{layer}/{seeded[layer][level]}", headers=viewer)
        assert hidden.status_code == 404  # not 403: the record does not exist for them
    everything = client.get(f"/api/v1/{layer}", headers=bearer(role_keys.viewer)).json()
    assert len(everything["features"]) == 3


def test_confidential_analyst_cannot_write_above_clearance(
    client: TestClient, database_url: str, seeded: dict[str, dict[str, int]]
) -> None:
    analyst = bearer(make_key(database_url, "analyst", "confidential"))
    too_high = client.post(
        "/api/v1/incidents",
        json=incident(classification="strictly_confidential"),
        headers=GEOJSON | analyst,
    )
    assert too_high.status_code == 422
    assert too_high.json()["errors"][0]["pointer"] == "/properties/classification"

    own = seeded["incidents"]["confidential"]
    raise_it = client.patch(
        f"/api/v1/incidents/{own}",
        json={"properties": {"classification": "strictly_confidential"}},
        headers=GEOJSON | analyst,
    )
    assert raise_it.status_code == 422

    hidden = seeded["incidents"]["strictly_confidential"]
    lower_it = client.patch(
        f"/api/v1/incidents/{hidden}",
        json={"properties": {"classification": "unclassified"}},
        headers=GEOJSON | analyst,
    )
    assert lower_it.status_code == 404
    stored = client.get(f"/api/v1/incidents/{hidden}").json()
    assert stored["properties"]["classification"] == "strictly_confidential"


def test_reingest_cannot_overwrite_a_record_above_clearance(
    client: TestClient, database_url: str
) -> None:
    key: dict[str, Any] = {"external_source": "acled", "external_id": "X1"}
    secret = incident(classification="strictly_confidential", title="Secret", **key)
    created = client.post("/api/v1/incidents", json=secret, headers=GEOJSON).json()
    analyst = bearer(make_key(database_url, "analyst", "confidential"))
    overwrite = incident(classification="unclassified", title="Leaked", **key)
    refused = client.post("/api/v1/incidents", json=overwrite, headers=GEOJSON | analyst)
    assert refused.status_code == 404
    stored = client.get(f"/api/v1/incidents/{created['id']}").json()["properties"]
    assert (stored["title"], stored["classification"]) == ("Secret", "strictly_confidential")


@pytest.mark.parametrize("layer", list(FACTORIES))
def test_tiles_and_ogc_items_hold_nothing_above_clearance(
    client: TestClient, role_keys: RoleKeys, seeded: dict[str, dict[str, int]], layer: str
) -> None:
    viewer = bearer(role_keys.unclassified_viewer)
    visible = [seeded[layer]["unclassified"]]
    ogc = client.get(f"/ogc/collections/{layer}/items", headers=viewer).json()
    assert [f["id"] for f in ogc["features"]] == visible
    for level in ("confidential", "strictly_confidential"):
        hidden = client.get(
            f"/ogc/collections/{layer}/items/{seeded[layer][level]}", headers=viewer
        )
        assert hidden.status_code == 404
    z, x, y = 12, 2380, 2067  # the tile over Goma that holds every factory feature
    tile = client.get(f"/api/v1/tiles/{layer}/{z}/{x}/{y}.pbf", headers=viewer)
    decoded = mapbox_vector_tile.decode(tile.content)[layer]["features"]
    assert [f["id"] for f in decoded] == visible
    full = client.get(f"/api/v1/tiles/{layer}/{z}/{x}/{y}.pbf", headers=bearer(role_keys.viewer))
    assert len(mapbox_vector_tile.decode(full.content)[layer]["features"]) == 3
