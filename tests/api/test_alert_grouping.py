"""Cooldown and grouping (issue 19): with `cooldown_minutes` on a proximity rule, the
incidents within one band of a camp join one alert instead of raising one each."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.api.test_proximity import CAMP_RING, CORNER, assert_valid_cap, beyond
from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, collection, incident
from tests.factories import camp as camp_feature

COOLDOWN_LIMIT = 7 * 24 * 60


def camp_rule(client: TestClient) -> dict[str, Any]:
    rules: list[dict[str, Any]] = client.get("/api/v1/rules").json()["items"]
    [rule] = [r for r in rules if r["kind"] == "proximity" and r["params"]["target"] == "camp"]
    return rule


def set_cooldown(client: TestClient, minutes: float) -> int:
    rule = camp_rule(client)
    response = client.patch(
        f"/api/v1/rules/{rule['id']}",
        json={"params": {**rule["params"], "cooldown_minutes": minutes}},
    )
    return response.status_code


def proximity_alerts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    features = client.get("/api/v1/alerts", params={"limit": "1000", **params}).json()
    return [f for f in features["features"] if f["properties"]["rule_kind"] == "proximity"]


def members(client: TestClient, alert_id: int, limit: int = 1000) -> list[int]:
    """The alert's member incidents, every page read (bounded: 100 pages)."""
    found: list[int] = []
    url: str | None = f"/api/v1/alerts/{alert_id}/members?limit={limit}"
    for _ in range(100):
        if url is None:
            return found
        page = client.get(url)
        assert page.status_code == 200, page.text
        found += [feature["id"] for feature in page.json()["features"]]
        url = next((link["href"] for link in page.json()["links"] if link["rel"] == "next"), None)
    raise AssertionError("more than 100 pages of members")


def at(distance_m: float, **properties: Any) -> dict[str, Any]:
    """An incident `distance_m` beyond the camp's north-east corner."""
    properties = {"classification": "unclassified", **properties}
    return incident(*beyond(*CORNER, 45.0, distance_m), hours_ago=0.5, **properties)


@pytest.fixture
def camp_only(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> None:
    db.execute("UPDATE rule SET enabled = (kind = 'proximity' AND params->>'target' = 'camp')")
    made = client.post(
        "/api/v1/camps",
        json=camp_feature(CAMP_RING, name="Goma HQ", classification="unclassified"),
        headers=GEOJSON,
    )
    assert made.status_code == 201, made.text


def post(client: TestClient, *features: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/incidents", json=collection(*features), headers=GEOJSON)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_without_a_cooldown_each_incident_has_its_own_alert(
    client: TestClient, camp_only: None
) -> None:
    assert camp_rule(client)["params"]["cooldown_minutes"] == 0  # the default, shown
    post(client, at(3000), at(3500), at(4000), at(100))
    assert len(proximity_alerts(client)) == 4


def test_a_cooldown_groups_a_band_s_incidents_into_one_alert(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    assert set_cooldown(client, 60) == 200
    first = post(client, at(3000), at(3500), at(4000), at(100, category="ied"))
    ids = [item["id"] for item in first["items"]]
    grouped = {a["properties"]["level"]: a for a in proximity_alerts(client)}
    assert set(grouped) == {"warning", "critical"}
    warning = grouped["warning"]["properties"]
    assert members(client, grouped["warning"]["id"]) == sorted(ids[:3])
    assert (warning["member_count"], warning["incident_id"]) == (3, ids[0])  # the closest
    km = f"{warning['distance_m'] / 1000:.1f}"
    assert warning["headline"] == f"3 incidents near Goma HQ, the closest {km} km from it"
    assert warning["headline_fr"] == (
        f"3 incidents près du camp Goma HQ, le plus proche à {km.replace('.', ',')} km"
    )
    critical = grouped["critical"]["properties"]
    assert members(client, grouped["critical"]["id"]) == [ids[3]]
    assert critical["headline"].startswith("IED ") and "Goma HQ" in critical["headline"]

    # A later incident in the same band joins the alert: an update, not a new alert.
    later = post(client, at(4500))
    assert [(a["id"], a["properties"]["member_count"]) for a in later["alerts"]] == [
        (grouped["warning"]["id"], 4)
    ]
    types = db.execute(
        "SELECT type FROM event WHERE alert_id = %s ORDER BY id", (grouped["warning"]["id"],)
    ).fetchall()
    assert [t[0] for t in types] == ["alert.created", "alert.updated"]
    assert len(proximity_alerts(client)) == 2
    # Evaluated again (an edit), a member stays a member, once.
    edited = client.patch(
        f"/api/v1/incidents/{ids[1]}", json={"properties": {"title": "Shots heard, confirmed"}}
    )
    assert edited.status_code == 200, edited.text
    [warning_now] = proximity_alerts(client, level="warning")
    assert warning_now["properties"]["member_count"] == 4
    assert members(client, warning_now["id"]) == sorted([*ids[:3], later["items"][0]["id"]])
    # Paged: two at a time, every member once, in order.
    assert members(client, warning_now["id"], limit=2) == members(client, warning_now["id"])
    assert_valid_cap(client, [grouped["warning"]["id"], grouped["critical"]["id"]])
    cap = client.get(f"/api/v1/alerts/{grouped['warning']['id']}/cap").text
    assert (
        f"<description>4 incidents reported near camp Goma HQ, the closest (Armed clash) {km} km"
        " from it.</description>"
    ) in cap
    assert cap.count("bluewatch-incident-") == 4


def test_after_the_cooldown_or_once_resolved_a_band_opens_a_new_alert(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    assert set_cooldown(client, 60) == 200
    post(client, at(3000))
    [opened] = proximity_alerts(client)
    post(client, at(3200))
    assert len(proximity_alerts(client)) == 1  # joined: the setup groups
    db.execute(
        "UPDATE alert SET created_at = now() - interval '61 minutes' WHERE id = %s",
        (opened["id"],),
    )
    post(client, at(3400))
    assert sorted(a["properties"]["member_count"] for a in proximity_alerts(client)) == [1, 2]
    newest = max(proximity_alerts(client), key=lambda a: a["id"])
    assert client.post(f"/api/v1/alerts/{newest['id']}/resolve").status_code == 200
    post(client, at(3600))
    assert len(proximity_alerts(client)) == 3  # the resolved alert took no new member


def test_switching_the_cooldown_off_raises_nothing_again_for_grouped_incidents(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    """A changed rule runs over the recent incidents: with the cooldown switched off, the
    incidents a group alert already covers at their band raise no alert of their own (no
    storm of old news to every subscriber); a new incident, or a member that comes
    closer, has its own."""
    assert set_cooldown(client, 60) == 200
    grouped = post(client, at(3000), at(3500), at(4000))
    ids = [item["id"] for item in grouped["items"]]
    [group] = proximity_alerts(client)
    assert members(client, group["id"]) == sorted(ids)  # the setup groups
    events = db.execute("SELECT count(*) FROM event WHERE alert_id IS NOT NULL").fetchone()

    assert set_cooldown(client, 0) == 200
    assert [a["id"] for a in proximity_alerts(client)] == [group["id"]]
    after = db.execute("SELECT count(*) FROM event WHERE alert_id IS NOT NULL").fetchone()
    assert after == events
    post(client, at(3800))
    assert len(proximity_alerts(client)) == 2
    moved = client.patch(f"/api/v1/incidents/{ids[2]}", json={"geometry": at(100)["geometry"]})
    assert moved.status_code == 200, moved.text
    levels = sorted(a["properties"]["level"] for a in proximity_alerts(client))
    assert levels == ["critical", "warning", "warning"]


def test_a_grouped_alert_is_marked_as_its_most_sensitive_member(
    client: TestClient, camp_only: None, role_keys: RoleKeys
) -> None:
    """Every output path is a leak path: a member reclassified upward raises the group's
    marking, and readers below it no longer see the alert."""
    assert set_cooldown(client, 60) == 200
    ids = [item["id"] for item in post(client, at(3000), at(3500))["items"]]
    low = bearer(role_keys.unclassified_viewer)
    assert len(proximity_alerts(client, status="open")) == 1
    seen = client.get("/api/v1/alerts", headers=low).json()["features"]
    assert len(seen) == 1  # the reader saw it while every source was unclassified
    secret = client.patch(
        f"/api/v1/incidents/{ids[1]}",  # not the alert's own incident: a member
        json={"properties": {"classification": "strictly_confidential"}},
    )
    assert secret.status_code == 200, secret.text
    [group] = proximity_alerts(client)
    assert group["properties"]["classification"] == "strictly_confidential"
    assert client.get("/api/v1/alerts", headers=low).json()["features"] == []
    hidden = client.get(f"/api/v1/alerts/{group['id']}/cap", headers=low)
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("minutes", "status"),
    [(0, 200), (COOLDOWN_LIMIT, 200), (COOLDOWN_LIMIT + 1, 422), (-1, 422), ("soon", 422)],
)
def test_the_cooldown_is_bounded(
    client: TestClient, camp_only: None, minutes: object, status: int
) -> None:
    assert set_cooldown(client, minutes) == status  # type: ignore[arg-type]


def test_members_are_read_in_pages_within_bounds(client: TestClient, camp_only: None) -> None:
    assert set_cooldown(client, 60) == 200
    ids = [item["id"] for item in post(client, at(3000), at(3500), at(4000))["items"]]
    [alert] = proximity_alerts(client)
    assert members(client, alert["id"], limit=1) == sorted(ids)  # three pages of one
    path = f"/api/v1/alerts/{alert['id']}/members"
    assert client.get(path, params={"limit": "1000"}).status_code == 200
    for wrong in ({"limit": "1001"}, {"limit": "0"}, {"cursor": "not-a-cursor"}):
        refused = client.get(path, params=wrong)
        assert refused.status_code in (400, 422), wrong
        assert refused.headers["content-type"] == "application/problem+json"
    missing = client.get(f"/api/v1/alerts/{alert['id'] + 1000}/members")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404, "application/problem+json",
    )  # fmt: skip
