"""Proximity bands at known geodesic distances, computed independently with pyproj.

Incidents are placed beyond a camp's corner (or past a route's end) on a geodesic
from that vertex, so the vertex is the nearest point and pyproj's distance is the
true one. Each band edge is probed just inside and just outside.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from tests.cap_schema import XSD_SHA256, cap_problems, xsd_digest
from tests.factories import GEOJSON, NOW, camp, collection, incident, route

WGS84 = Geod(ellps="WGS84")
MARGIN_M = 10.0
CORNER = (29.2400, -1.6650)  # north-east corner of the camp below
CAMP_RING = [[29.2300, -1.6750], [29.2400, -1.6750], [29.2400, -1.6650], [29.2300, -1.6650],
             [29.2300, -1.6750]]  # fmt: skip
ROUTE_LINE = [[29.0000, -1.0000], [29.1000, -1.0000], [29.2000, -1.0000]]


def beyond(lon: float, lat: float, azimuth: float, distance_m: float) -> tuple[float, float]:
    end_lon, end_lat, _ = WGS84.fwd(lon, lat, azimuth, distance_m)
    return round(end_lon, 7), round(end_lat, 7)


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(WGS84.inv(a[0], a[1], b[0], b[1])[2])


def alerts_by_incident(client: TestClient, rule_kind: str = "proximity") -> dict[int, Any]:
    features = client.get("/api/v1/alerts", params={"limit": "1000"}).json()["features"]
    return {
        f["properties"]["incident_id"]: f
        for f in features
        if f["properties"]["rule_kind"] == rule_kind
    }


def assert_valid_cap(client: TestClient, alert_ids: list[int]) -> None:
    for alert_id in alert_ids:
        response = client.get(f"/api/v1/alerts/{alert_id}/cap")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/cap+xml"
        assert cap_problems(response.content) == [], alert_id


CAMP_CASES = [  # (distance from the corner, expected level)
    (2000 - MARGIN_M, "critical"),
    (2000 + MARGIN_M, "warning"),
    (5000 - MARGIN_M, "warning"),
    (5000 + MARGIN_M, "watch"),
    (10000 - MARGIN_M, "watch"),
    (10000 + MARGIN_M, None),
]


def test_camp_bands_at_geodesic_distances(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    db.execute("UPDATE rule SET enabled = false WHERE kind = 'cluster'")
    created = client.post("/api/v1/camps", json=camp(CAMP_RING, name="Goma HQ"), headers=GEOJSON)
    assert created.status_code == 201, created.text
    points = [beyond(*CORNER, 45.0, distance) for distance, _ in CAMP_CASES]
    inside = (29.2350, -1.6700)
    batch = [incident(lon, lat, title=f"probe {i}") for i, (lon, lat) in enumerate(points)]
    batch.append(incident(*inside, title="inside"))
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["items"]]
    assert len(ids) == len(batch)
    raised = alerts_by_incident(client)

    for incident_id, point, (_, level) in zip(ids, points, CAMP_CASES, strict=False):
        if level is None:
            assert incident_id not in raised
            continue
        properties = raised[incident_id]["properties"]
        assert properties["level"] == level
        assert properties["target"]["name"] == "Goma HQ"
        assert properties["distance_m"] == pytest.approx(geodesic_m(CORNER, point), abs=0.5)
    inside_alert = raised[ids[-1]]["properties"]
    assert (inside_alert["level"], inside_alert["distance_m"]) == ("critical", 0)
    assert inside_alert["headline"] == "Armed clash inside Goma HQ"
    assert inside_alert["headline_fr"] == "Affrontement armé dans le camp Goma HQ"
    nearest = raised[ids[0]]["properties"]
    km = f"{nearest['distance_m'] / 1000:.1f}"
    assert nearest["headline"] == f"Armed clash {km} km from Goma HQ"
    assert (
        nearest["headline_fr"] == f"Affrontement armé à {km.replace('.', ',')} km du camp Goma HQ"
    )
    assert len(response.json()["alerts"]) == len(raised) == 6
    assert_valid_cap(client, [feature["id"] for feature in raised.values()])


ROUTE_CASES = [
    (1000 - MARGIN_M, "critical"),
    (1000 + MARGIN_M, "warning"),
    (5000 - MARGIN_M, "warning"),
    (5000 + MARGIN_M, None),
]


def _window(start_hours: float, end_hours: float) -> dict[str, str]:
    return {
        "active_from": (NOW + timedelta(hours=start_hours)).isoformat(),
        "active_until": (NOW + timedelta(hours=end_hours)).isoformat(),
    }


@pytest.mark.parametrize(
    ("status", "window", "counts"),
    [
        ("active", {}, True),
        ("planned", _window(20, 40), True),  # starts within the 24 h lead
        ("planned", _window(30, 40), False),  # starts after the lead
        ("planned", _window(-48, -30), False),  # already over
        ("suspended", _window(-1, 10), False),
        ("closed", {}, False),
    ],
)
def test_route_bands_and_which_routes_count(
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    status: str,
    window: dict[str, str],
    counts: bool,
) -> None:
    db.execute("UPDATE rule SET enabled = false WHERE kind = 'cluster'")
    made = client.post(
        "/api/v1/routes", json=route(ROUTE_LINE, status=status, **window), headers=GEOJSON
    )
    assert made.status_code == 201, made.text
    end = tuple(ROUTE_LINE[-1])
    points = [beyond(end[0], end[1], 90.0, distance) for distance, _ in ROUTE_CASES]
    batch = [incident(lon, lat, hours_ago=0.5) for lon, lat in points]
    posted = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert posted.status_code == 200, posted.text
    ids = [item["id"] for item in posted.json()["items"]]
    assert len(ids) == len(batch)
    raised = alerts_by_incident(client)
    if not counts:
        assert raised == {}
        # The positive control: the same incidents beside the same route, made active.
        activated = client.patch(
            f"/api/v1/routes/{made.json()['id']}", json={"properties": {"status": "active"}}
        )
        assert activated.status_code == 200, activated.text
        assert len(alerts_by_incident(client)) == 3  # 2 critical/warning bands + 1 warning
        return
    for incident_id, point, (_, level) in zip(ids, points, ROUTE_CASES, strict=True):
        if level is None:
            assert incident_id not in raised
            continue
        properties = raised[incident_id]["properties"]
        assert properties["level"] == level
        assert properties["target"]["type"] == "route"
        km = f"{properties['distance_m'] / 1000:.1f}"
        assert properties["headline"] == f"Armed clash {km} km from route RN2 Goma – Sake"
        assert properties["headline_fr"] == (
            f"Affrontement armé à {km.replace('.', ',')} km de l'axe RN2 Goma – Sake"
        )
        assert properties["distance_m"] == pytest.approx(geodesic_m(end, point), abs=0.5)  # type: ignore[arg-type]
    assert_valid_cap(client, [feature["id"] for feature in raised.values()])


def test_old_and_dismissed_incidents_raise_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    assert client.post("/api/v1/camps", json=camp(CAMP_RING), headers=GEOJSON).status_code == 201
    near = beyond(*CORNER, 45.0, 500)
    old = incident(*near, hours_ago=80)  # past the default 72 h
    dismissed = incident(*near, status="dismissed")
    posted = client.post("/api/v1/incidents", json=collection(old, dismissed), headers=GEOJSON)
    assert posted.status_code == 200, posted.text
    assert alerts_by_incident(client) == {}
    fresh = client.post("/api/v1/incidents", json=incident(*near), headers=GEOJSON)
    assert fresh.json()["id"] in alerts_by_incident(client)  # the same place, recent: alert


def test_the_cap_schema_is_the_pinned_official_copy() -> None:
    assert xsd_digest() == XSD_SHA256


UNCERTAIN_CASES = [  # (geo_precision, metres from the corner, level, uncertain)
    (1, 3_000, "warning", False),  # exact: the band it is in
    (1, 12_000, None, False),  # exact and beyond every band
    (2, 6_000, "warning", True),  # exactly watch; maybe 1 km: critical, less one level
    (2, 15_000 - MARGIN_M, "watch", True),  # maybe just inside 10 km: watch (the lowest)
    (2, 15_000 + MARGIN_M, None, False),  # even 5 km nearer, beyond every band
    (3, 30_000 - MARGIN_M, "watch", True),  # maybe inside 5 km: warning, less one level
    (3, 35_000 + MARGIN_M, None, False),
]


def test_an_approximate_position_widens_the_test_and_lowers_the_level(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Issue 19: an incident known only to a place (geo_precision 2) or a district (3)
    may be nearer than drawn; a band it reaches only so counts one level lower, and the
    alert says its position is approximate."""
    db.execute("UPDATE rule SET enabled = false WHERE kind = 'cluster'")
    created = client.post("/api/v1/camps", json=camp(CAMP_RING, name="Goma HQ"), headers=GEOJSON)
    assert created.status_code == 201, created.text
    batch = [
        incident(*beyond(*CORNER, 45.0, distance), geo_precision=precision)
        for precision, distance, _, _ in UNCERTAIN_CASES
    ]
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["items"]]
    raised = alerts_by_incident(client)
    for incident_id, (precision, distance, level, uncertain) in zip(
        ids, UNCERTAIN_CASES, strict=True
    ):
        if level is None:
            assert incident_id not in raised, (precision, distance)
            continue
        p = raised[incident_id]["properties"]
        assert (p["level"], p["uncertain"]) == (level, uncertain), (precision, distance)
        assert p["headline"].endswith(" (approximate position)") == uncertain
        assert p["headline_fr"].endswith(" (position approximative)") == uncertain
        assert p["distance_m"] == pytest.approx(
            geodesic_m(CORNER, beyond(*CORNER, 45.0, distance)), abs=0.5
        )
    assert_valid_cap(client, [feature["id"] for feature in raised.values()])
    cap = client.get(f"/api/v1/alerts/{raised[ids[2]]['id']}/cap").text
    assert "<certainty>Possible</certainty>" in cap

    # With the rule's uncertainty at 0, a place-level position counts where it is drawn.
    [rule] = [
        r for r in client.get("/api/v1/rules").json()["items"]
        if r["kind"] == "proximity" and r["params"]["target"] == "camp"
    ]  # fmt: skip
    assert rule["params"]["near_uncertainty_m"] == 5_000  # the default, shown
    exact = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"params": {**rule["params"], "near_uncertainty_m": 0}}
    )
    assert exact.status_code == 200, exact.text
    later = incident(*beyond(*CORNER, 45.0, 12_000), geo_precision=2)
    posted = client.post("/api/v1/incidents", json=later, headers=GEOJSON)
    assert posted.status_code == 201, posted.text
    assert posted.json()["alerts"] == []
