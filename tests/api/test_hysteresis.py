"""Hysteresis (issue 19): with `margin_m`, an incident's alert steps down or is resolved
only once the incident lies more than the margin beyond its band, so a position that
jitters at a band's edge does not raise and lower the alert in turn."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_alert_grouping import camp_only, camp_rule
from tests.api.test_proximity import CORNER, beyond
from tests.factories import GEOJSON, incident

__all__ = ["camp_only"]  # the fixture, used by name
MARGIN = 500.0


def set_margin(client: TestClient, margin: float | None) -> None:
    rule = camp_rule(client)
    changed = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"params": {**rule["params"], "margin_m": margin}}
    )
    assert changed.status_code == 200, changed.text


def place(client: TestClient, incident_id: int | None, distance_m: float) -> int:
    """Report (or move) the incident `distance_m` beyond the camp's corner."""
    lon, lat = beyond(*CORNER, 45.0, distance_m)
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    if incident_id is None:
        feature = incident(lon, lat, classification="unclassified")
        response = client.post("/api/v1/incidents", json=feature, headers=GEOJSON)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])
    moved = client.patch(f"/api/v1/incidents/{incident_id}", json={"geometry": geometry})
    assert moved.status_code == 200, moved.text
    return incident_id


def the_alert(client: TestClient, incident_id: int) -> dict[str, Any]:
    features = client.get("/api/v1/alerts", params={"incident": str(incident_id)}).json()
    found: list[dict[str, Any]] = features["features"]
    [alert] = [f for f in found if f["properties"]["rule_kind"] == "proximity"]
    return alert


def levels_over(db: psycopg.Connection[tuple[object, ...]], alert_id: int) -> list[str]:
    rows = db.execute("SELECT type FROM event WHERE alert_id = %s ORDER BY id", (alert_id,))
    return [str(row[0]) for row in rows]


def test_without_a_margin_an_alert_only_rises(client: TestClient, camp_only: None) -> None:
    assert camp_rule(client)["params"]["margin_m"] is None  # the default, shown
    moved = place(client, None, 1_500)
    place(client, moved, 8_000)
    assert the_alert(client, moved)["properties"]["level"] == "critical"


def test_an_alert_steps_down_and_closes_only_past_the_margin(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    set_margin(client, MARGIN)
    moved = place(client, None, 1_500)
    alert = the_alert(client, moved)
    assert alert["properties"]["level"] == "critical"
    place(client, moved, 2_000 + MARGIN - 10)  # beyond the band, within the margin
    assert the_alert(client, moved)["properties"]["level"] == "critical"
    place(client, moved, 2_000 + MARGIN + 10)  # past the margin: warning
    stepped = the_alert(client, moved)["properties"]
    assert (stepped["level"], stepped["status"]) == ("warning", "open")
    assert stepped["headline"].startswith("Armed clash 2.5 km from")
    place(client, moved, 1_900)  # back inside: critical again
    assert the_alert(client, moved)["properties"]["level"] == "critical"
    place(client, moved, 10_000 + MARGIN + 10)  # beyond every band and the margin
    closed = the_alert(client, moved)["properties"]
    assert (closed["status"], closed["resolved_by"]) == ("resolved", "bluewatch")
    assert levels_over(db, alert["id"]) == [
        "alert.created",
        "alert.updated",
        "alert.updated",
        "alert.resolved",
    ]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(jitter=st.lists(st.floats(-MARGIN + 20, MARGIN - 20), min_size=3, max_size=6))
def test_jitter_at_a_band_edge_does_not_flap(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None,
    jitter: list[float],
) -> None:  # fmt: skip
    """GPS jitter of less than the margin around the 2 km edge: once critical, the alert
    stays critical, whatever the order of the readings."""
    set_margin(client, MARGIN)
    moved = place(client, None, 1_990)
    alert_id = the_alert(client, moved)["id"]
    for offset in jitter:  # bounded by max_size
        place(client, moved, 2_000 + offset)
        assert the_alert(client, moved)["properties"]["level"] == "critical"
    assert levels_over(db, alert_id) == ["alert.created"]  # not one change


@pytest.mark.parametrize(("margin", "status"), [(0, 200), (50_000, 200), (50_001, 422), (-1, 422)])
def test_the_margin_is_bounded(
    client: TestClient, camp_only: None, margin: float, status: int
) -> None:
    rule = camp_rule(client)
    changed = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"params": {**rule["params"], "margin_m": margin}}
    )
    assert changed.status_code == status
