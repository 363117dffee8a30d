"""Baseline surges (issue 19): a camp's incidents this week against its own average over
the four weeks before, as ACLED's subnational surge tracker compares an area with its
history. A third rule kind: one module and one registry entry."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from tests.api.test_proximity import assert_valid_cap
from tests.factories import GEOJSON, camp, collection, incident, square

GOMA = (29.2228, -1.6792)
BENI = (29.4731, 0.4911)


def baseline_rule(client: TestClient) -> dict[str, Any]:
    rules: list[dict[str, Any]] = client.get("/api/v1/rules").json()["items"]
    [rule] = [r for r in rules if r["kind"] == "baseline" and r["params"]["target"] == "camp"]
    return rule


@pytest.fixture
def baseline_only(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> dict[str, Any]:
    rule = baseline_rule(client)
    assert rule["enabled"] is False  # seeded off: a mission switches it on
    db.execute("UPDATE rule SET enabled = (kind = 'baseline')")
    for name, (lon, lat) in (("Goma HQ", GOMA), ("Beni TS", BENI)):
        made = client.post(
            "/api/v1/camps", json=camp(square(lon, lat), name=name, classification="unclassified"),
            headers=GEOJSON,
        )  # fmt: skip
        assert made.status_code == 201, made.text
    return rule


def report(client: TestClient, near: tuple[float, float], days_ago: list[float]) -> dict[str, Any]:
    features = [
        incident(
            near[0] + 0.01 * (n % 5), near[1], hours_ago=24 * days, classification="unclassified"
        )
        for n, days in enumerate(days_ago)
    ]
    response = client.post("/api/v1/incidents", json=collection(*features), headers=GEOJSON)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def baseline_alerts(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/v1/alerts", params={"limit": "1000"}).json()[
        "features"
    ]
    return [a for a in found if a["properties"]["rule_kind"] == "baseline"]


def test_a_camp_above_its_own_average_raises_one_alert_that_grows(
    client: TestClient, baseline_only: dict[str, Any]
) -> None:
    report(client, GOMA, [10, 16, 23, 30])  # the four weeks before: 1 a week
    report(client, GOMA, [1, 2, 3, 4])  # this week: 4, below the 5 that make a surge
    assert baseline_alerts(client) == []
    fifth = report(client, GOMA, [0.5])
    [alert] = fifth["alerts"]
    p = alert["properties"]
    assert (p["rule_kind"], p["level"], p["member_count"]) == ("baseline", "warning", 5)
    assert p["target"]["name"] == "Goma HQ"
    assert (
        p["headline"]
        == "Incidents up near Goma HQ: 5 in 7 d, 5.0× the average of 1.0 over 4 windows"
    )
    assert p["headline_fr"] == (
        "Hausse des incidents près du camp Goma HQ : 5 en 7 j, "
        "5,0× la moyenne de 1,0 sur 4 périodes"
    )
    sixth = report(client, GOMA, [0.2])
    assert [(a["id"], a["properties"]["member_count"]) for a in sixth["alerts"]] == [
        (alert["id"], 6)
    ]
    assert len(baseline_alerts(client)) == 1
    assert_valid_cap(client, [alert["id"]])
    cap = client.get(f"/api/v1/alerts/{alert['id']}/cap").text
    assert "<event>Security incidents above their usual rate</event>" in cap
    assert "<circle>" in cap and " 10.000</circle>" in cap  # the rule's radius


def test_a_busy_place_must_exceed_its_ratio_and_a_quiet_one_its_count(
    client: TestClient, baseline_only: dict[str, Any]
) -> None:
    report(client, BENI, [8 + 2 * n for n in range(12)])  # 12 in four weeks: 3 a week
    report(client, BENI, [1, 1.5, 2, 2.5, 3])  # 5 this week: under twice 3
    assert baseline_alerts(client) == []
    report(client, BENI, [3.5])  # 6, twice 3: at the ratio, raised
    [busy] = baseline_alerts(client)
    assert busy["properties"]["headline"].endswith("2.0× the average of 3.0 over 4 windows")
    report(client, GOMA, [1, 2, 3, 4, 5])  # no history: 5 is enough
    quiet = [a for a in baseline_alerts(client) if a["properties"]["target"]["name"] == "Goma HQ"]
    assert quiet[0]["properties"]["headline"] == "Incidents up near Goma HQ: 5 in 7 d, none before"


@pytest.mark.parametrize(
    ("change", "status"),
    [({"min_ratio": 1}, 200), ({"min_ratio": 0.9}, 422), ({"window_days": 90}, 200),
     ({"window_days": 91}, 422), ({"baseline_windows": 0}, 422), ({"bands": []}, 422)],
)  # fmt: skip
def test_baseline_params_are_bounded(
    client: TestClient, baseline_only: dict[str, Any], change: dict[str, Any], status: int
) -> None:
    rule = baseline_only
    changed = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"params": {**rule["params"], **change}}
    )
    assert changed.status_code == status, changed.text


NORTH = (25.0, 60.0)  # at 60° a degree of longitude is half as long as at the equator


def test_the_count_reaches_the_radius_and_the_windows_and_no_further(
    client: TestClient, baseline_only: dict[str, Any]
) -> None:
    """The incidents counted come from (lon, lat, days) boxes about the camp, this week's
    and the baseline windows': at and one step past the radius east, west and north
    (where a degree of longitude is shortest), and the first baseline day."""
    northern = camp(square(*NORTH), name="Northern TS", classification="unclassified")
    made = client.post("/api/v1/camps", json=northern, headers=GEOJSON)
    assert made.status_code == 201, made.text
    geod = Geod(ellps="WGS84")
    half = 0.003  # the square's half side

    def beyond(azimuth: float, metres: float, days: float) -> dict[str, Any]:
        """An incident `metres` from the camp's edge facing `azimuth`, `days` ago."""
        edge = {90: (NORTH[0] + half, NORTH[1]), 270: (NORTH[0] - half, NORTH[1]),
                0: (NORTH[0], NORTH[1] + half)}[int(azimuth)]  # fmt: skip
        lon, lat, _ = geod.fwd(edge[0], edge[1], azimuth, metres)
        return incident(lon, lat, hours_ago=24 * days, classification="unclassified")

    history = [
        *(beyond(azimuth, 9_950, 20) for azimuth in (90, 270, 0)),  # within 10 km: counted
        *(beyond(azimuth, 10_050, 20) for azimuth in (90, 270, 0)),  # past it: not
        incident(*NORTH, hours_ago=24 * 34.8, classification="unclassified"),  # counted
        incident(*NORTH, hours_ago=24 * 35.2, classification="unclassified"),  # before: not
    ]
    answered = client.post("/api/v1/incidents", json=collection(*history), headers=GEOJSON)
    assert answered.status_code == 200, answered.text
    recent = [
        *(incident(*NORTH, hours_ago=24 * days, classification="unclassified")
          for days in (1, 2, 3, 4, 5)),
        beyond(90, 9_950, 0.5),  # counted: six this week
        beyond(90, 10_050, 0.5),  # not
    ]  # fmt: skip
    answered = client.post("/api/v1/incidents", json=collection(*recent), headers=GEOJSON)
    assert answered.status_code == 200, answered.text
    [alert] = [a for a in answered.json()["alerts"] if a["properties"]["rule_kind"] == "baseline"]
    assert alert["properties"]["target"]["name"] == "Northern TS"
    assert alert["properties"]["headline"] == (
        "Incidents up near Northern TS: 6 in 7 d, 6.0× the average of 1.0 over 4 windows"
    )
    assert alert["properties"]["member_count"] == 6
