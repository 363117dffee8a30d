"""The coverage rule (issue 20), against real PostGIS and pgRouting: a camp beyond
level 2 care by road raises critical (none reachable), steps down to warning and is
resolved as hospitals come within reach, and comes back when one is deleted; a step's
minutes are tested at and one past the hand-summed time; a planned convoy route is
judged before its window opens and not after it ends; only what the camp's readers may
see counts; the alert reads in CAP."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.layers.roads import RoadClass
from bluewatch.network.speeds import SPEED_KMH
from tests.api.test_casevac import LAT, along, line, metres, post
from tests.cap_schema import cap_problems
from tests.conftest import bearer, make_key
from tests.factories import NOW, camp, facility, road, route, square

PATH = SPEED_KMH[RoadClass.PATH] / 3.6  # m/s: 5 km/h, an hour per 5 km
CARRY = 5 / 3.6
WEST = 29.20


def coverage_rule(client: TestClient, target: str, **params: Any) -> dict[str, Any]:
    """Switch on the seeded coverage rule for ``target``, with ``params`` changed."""
    [rule] = [
        r for r in client.get("/api/v1/rules").json()["items"]
        if r["kind"] == "coverage" and r["params"]["target"] == target
    ]  # fmt: skip
    changed = client.patch(
        f"/api/v1/rules/{rule['id']}",
        json={"enabled": True, "params": {**rule["params"], **params}},
    )
    assert changed.status_code == 200, changed.text
    return dict(changed.json())


def coverage_alerts(client: TestClient, **headers: str) -> list[dict[str, Any]]:
    features = client.get("/api/v1/alerts", params={"limit": 1000}, headers=headers).json()
    return [a for a in features["features"] if a["properties"]["rule_kind"] == "coverage"]


@pytest.fixture
def path_camp(client: TestClient) -> int:
    """A footpath east from 29.20°E along 1.68°S (0.3°, about 33 km: six and a half hours
    on foot) and a camp at its west end, 0.001° north of it."""
    post(client, "roads", road(line(along(WEST, WEST + 0.3)), **{"class": "path"}))
    return post(client, "camps", camp(square(WEST, LAT + 0.001), name="Team site West"))


def hospital(client: TestClient, east: float, level: int = 2, **properties: Any) -> int:
    return post(client, "facilities", facility(round(WEST + east, 6), LAT + 0.001, level=level,
                                                **properties))  # fmt: skip


def test_a_camp_beyond_care_is_raised_stepped_down_resolved_and_raised_again(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], path_camp: int
) -> None:
    coverage_rule(client, "camp")
    [alert] = coverage_alerts(client)
    p = alert["properties"]
    assert (p["level"], p["status"], p["target"]["id"]) == ("critical", "open", path_camp)
    assert p["headline"] == "Team site West: no level 2+ care reachable by road (timeline 120 min)"
    assert p["headline_fr"].startswith("Team site West : aucune structure de niveau 2")

    hospital(client, 0.07)  # 7.8 km of path: beyond 60 minutes, within 120
    [alert] = coverage_alerts(client)
    assert alert["properties"]["level"] == "warning" and alert["properties"]["version"] == 2
    assert alert["properties"]["headline"].startswith("Team site West: level 2+ care ")
    assert "Goma" not in alert["properties"]["headline"]  # no facility named (see headline())
    hospital(client, 0.01, level=1, name="Aid post")  # level 1 does not count
    assert coverage_alerts(client)[0]["properties"]["version"] == 2

    near = hospital(client, 0.03)  # 3.3 km: within the hour
    [alert] = coverage_alerts(client)
    assert alert["properties"]["status"] == "resolved"
    assert alert["properties"]["resolved_by"] == "bluewatch"
    types = db.execute(
        "SELECT type FROM event WHERE alert_id = %s ORDER BY id", (alert["id"],)
    ).fetchall()
    assert [t[0] for t in types] == ["alert.created", "alert.updated", "alert.resolved"]

    assert client.delete(f"/api/v1/facilities/{near}").status_code == 204
    levels = sorted(
        (a["properties"]["status"], a["properties"]["level"]) for a in coverage_alerts(client)
    )
    assert levels == [("open", "warning"), ("resolved", "warning")]


def test_a_step_is_met_at_its_minutes_and_missed_one_past(
    client: TestClient, path_camp: int
) -> None:
    hospital(client, 0.05)
    camp_point = (WEST, LAT + 0.001)  # the square's point on surface is its centre
    expected = (
        metres(along(WEST, WEST + 0.05)) / PATH + 2 * metres([camp_point, (WEST, LAT)]) / CARRY
    )
    minutes = expected / 60
    step = {"level": "warning", "min_level": 2}
    coverage_rule(client, "camp", steps=[{**step, "minutes": round(minutes * 1.002, 3)}])
    assert coverage_alerts(client) == []
    coverage_rule(client, "camp", steps=[{**step, "minutes": round(minutes * 0.998, 3)}])
    [alert] = coverage_alerts(client)
    assert f"care {round(minutes)} min away by road" in alert["properties"]["headline"]


def test_a_planned_convoy_is_judged_before_its_window_and_not_after_it(
    client: TestClient, path_camp: int
) -> None:
    coverage_rule(client, "route")
    hospital(client, 0.0)  # at the west end: the route's east end is hours away
    window = {
        "status": "planned",
        "active_from": (NOW.replace(microsecond=0)).isoformat(),
        "active_until": (NOW.replace(year=NOW.year + 1)).isoformat(),
    }
    convoy = post(
        client,
        "routes",
        route(line(along(WEST, WEST + 0.3, LAT - 0.001)), name="Convoy east", **window),
    )
    [alert] = coverage_alerts(client)
    assert alert["properties"]["target"] == {"type": "route", "id": convoy, "name": "Convoy east"}
    assert alert["properties"]["level"] == "critical"
    assert alert["geometry"]["coordinates"][0] > WEST + 0.25  # the worst point: the far end
    ended = client.patch(
        f"/api/v1/routes/{convoy}",
        json={
            "properties": {
                "active_from": "2026-01-01T00:00:00Z",
                "active_until": "2026-01-02T00:00:00Z",
            }
        },
    )
    assert ended.status_code == 200, ended.text
    assert coverage_alerts(client)[0]["properties"]["status"] == "resolved"


def test_only_what_the_camps_readers_may_see_counts(
    client: TestClient, database_url: str, path_camp: int
) -> None:
    coverage_rule(client, "camp")
    hospital(client, 0.001, classification="strictly_confidential", name="Secret clinic")
    [alert] = coverage_alerts(client)
    assert alert["properties"]["level"] == "critical"  # the secret clinic does not count
    assert alert["properties"]["classification"] == "confidential"
    assert "Secret" not in alert["properties"]["headline"]
    below = bearer(make_key(database_url, "analyst", "unclassified"))
    assert coverage_alerts(client, **below) == []  # the camp is confidential
    client.patch(
        f"/api/v1/camps/{path_camp}",
        json={"properties": {"classification": "strictly_confidential"}},
    )
    [alert] = coverage_alerts(client)
    assert alert["properties"]["status"] == "resolved"  # now judged with the clinic
    cap = client.get(f"/api/v1/alerts/{alert['id']}/cap")
    assert cap.status_code == 200 and cap_problems(cap.content) == []
    assert b"Medical care beyond the casualty-care timeline" in cap.content
