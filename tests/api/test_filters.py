"""Every list filter, each shown to include what matches and exclude what does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import GEOJSON, NOW, camp, collection, incident, route, square


def post(client: TestClient, layer: str, *features: dict[str, Any]) -> list[int]:
    response = client.post(f"/api/v1/{layer}", json=collection(*features), headers=GEOJSON)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def ids(client: TestClient, url: str, **params: str) -> list[int]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return [feature["id"] for feature in response.json()["features"]]


@pytest.fixture
def incidents(client: TestClient) -> dict[str, int]:
    named = {
        "goma_clash": incident(29.22, -1.68, hours_ago=2, category="armed_clash", severity=4),
        "beni_ied": incident(29.47, 0.49, hours_ago=30, category="ied", severity=5),
        "bunia_protest": incident(30.25, 1.57, hours_ago=200, category="protest", severity=1),
        "fiji_other": incident(179.5, -17.0, hours_ago=5, category="other", severity=2),
        "samoa_other": incident(-179.5, -14.0, hours_ago=5, category="other", severity=2),
    }
    named["beni_ied"]["properties"]["status"] = "verified"
    return dict(zip(named, post(client, "incidents", *named.values()), strict=True))


def test_bbox(client: TestClient, incidents: dict[str, int]) -> None:
    assert ids(client, "/api/v1/incidents", bbox="29,-2,29.5,0") == [incidents["goma_clash"]]
    around_drc = ids(client, "/api/v1/incidents", bbox="28,-3,31,3")
    assert sorted(around_drc) == sorted(
        incidents[k] for k in ("goma_clash", "beni_ied", "bunia_protest")
    )


def test_bbox_across_the_antimeridian(client: TestClient, incidents: dict[str, int]) -> None:
    found = ids(client, "/api/v1/incidents", bbox="179,-20,-179,-10")
    assert sorted(found) == sorted([incidents["fiji_other"], incidents["samoa_other"]])


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((-6, None), ["goma_clash", "fiji_other", "samoa_other"]),
        ((-3, None), ["goma_clash"]),
        ((None, -100), ["bunia_protest"]),
        ((-40, -10), ["beni_ied"]),
        ((-40, ".."), ["goma_clash", "beni_ied", "fiji_other", "samoa_other"]),
        (("..", -25), ["beni_ied", "bunia_protest"]),
    ],
)
def test_datetime_intervals_with_open_ends(
    client: TestClient, incidents: dict[str, int], window: tuple[Any, Any], expected: list[str]
) -> None:
    def end(hours: Any) -> str:
        if hours is None:
            return ""
        if hours == "..":
            return ".."
        return (NOW + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    found = ids(client, "/api/v1/incidents", datetime=f"{end(window[0])}/{end(window[1])}")
    assert sorted(found) == sorted(incidents[name] for name in expected)


def test_datetime_instant_matches_exactly(client: TestClient, incidents: dict[str, int]) -> None:
    stored = client.get(f"/api/v1/incidents/{incidents['beni_ied']}").json()
    instant = stored["properties"]["occurred_at"]
    assert ids(client, "/api/v1/incidents", datetime=instant) == [incidents["beni_ied"]]


def test_category_severity_and_status(client: TestClient, incidents: dict[str, int]) -> None:
    assert sorted(ids(client, "/api/v1/incidents", category="ied,protest")) == sorted(
        [incidents["beni_ied"], incidents["bunia_protest"]]
    )
    assert sorted(ids(client, "/api/v1/incidents", severity_min="4")) == sorted(
        [incidents["goma_clash"], incidents["beni_ied"]]
    )
    assert ids(client, "/api/v1/incidents", status="verified") == [incidents["beni_ied"]]
    combined = ids(client, "/api/v1/incidents", category="armed_clash,ied", severity_min="5")
    assert combined == [incidents["beni_ied"]]


def test_route_status_and_movement_window(client: TestClient) -> None:
    def at(hours: int) -> str:
        return (NOW + timedelta(hours=hours)).isoformat()

    active, planned, closed = post(
        client,
        "routes",
        route(status="active"),
        route(status="planned", active_from=at(10), active_until=at(20)),
        route(status="closed", active_from=at(-100), active_until=at(-90)),
    )
    assert ids(client, "/api/v1/routes", status="planned,closed") == [planned, closed]
    upcoming = f"{at(15).replace('+00:00', 'Z')}/.."
    assert ids(client, "/api/v1/routes", datetime=upcoming) == [active, planned]
    past = f"../{at(-95).replace('+00:00', 'Z')}"
    assert ids(client, "/api/v1/routes", datetime=past) == [active, closed]


def test_camp_kind_and_bbox(client: TestClient) -> None:
    hq, poc = post(
        client,
        "camps",
        camp(square(29.235, -1.67), kind="hq"),
        camp(square(30.53, 1.87), name="Rhoe IDP site", kind="poc_site"),
    )
    assert ids(client, "/api/v1/camps", kind="poc_site") == [poc]
    assert ids(client, "/api/v1/camps", bbox="29.2,-1.7,29.3,-1.6") == [hq]


def test_camps_have_no_time_dimension(client: TestClient) -> None:
    refused = client.get("/api/v1/camps", params={"datetime": "2026-01-01T00:00:00Z/.."})
    assert refused.status_code == 400
