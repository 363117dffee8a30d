"""Dwell (issue 19): with `dwell_minutes`, a band of a camp raises only once its reports
span that long, so a single passing report does not alert, and activity that stays or
comes back does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_alert_grouping import (
    at,
    camp_only,
    camp_rule,
    members,
    post,
    proximity_alerts,
)
from tests.factories import NOW

__all__ = ["camp_only"]  # the fixture, used by name
DWELL = 30.0
DWELL_LIMIT = 7 * 24 * 60
START = NOW - timedelta(hours=6)


def set_rule(client: TestClient, **params: Any) -> int:
    rule = camp_rule(client)
    response = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"params": {**rule["params"], **params}}
    )
    return response.status_code


def report(client: TestClient, distance_m: float, minute: float) -> int:
    """A report `distance_m` beyond the camp's corner, `minute` minutes after START."""
    feature = at(distance_m)
    feature["properties"]["occurred_at"] = (START + timedelta(minutes=minute)).isoformat()
    return int(post(client, feature)["items"][0]["id"])


def alerted(client: TestClient) -> dict[int, str]:
    """Incident → level of its proximity alert."""
    return {
        a["properties"]["incident_id"]: a["properties"]["level"] for a in proximity_alerts(client)
    }


def test_without_a_dwell_the_first_report_raises(client: TestClient, camp_only: None) -> None:
    assert camp_rule(client)["params"]["dwell_minutes"] == 0  # the default, shown
    first = report(client, 1_000, 0)
    assert alerted(client) == {first: "critical"}


def test_a_band_raises_once_its_reports_span_the_dwell(client: TestClient, camp_only: None) -> None:
    assert set_rule(client, dwell_minutes=DWELL) == 200
    first = report(client, 1_000, 0)
    again = report(client, 1_500, DWELL - 1)  # a minute short of the dwell
    assert alerted(client) == {}
    stayed = report(client, 1_200, DWELL)  # exactly the dwell after the first
    assert alerted(client) == {stayed: "critical"}
    # A report that reaches us late counts against later ones too (either order).
    late = report(client, 1_800, -DWELL)
    assert alerted(client) == {stayed: "critical", late: "critical"}
    assert {first, again}.isdisjoint(alerted(client))


def test_only_reports_in_the_same_or_a_closer_band_make_a_band_dwell(
    client: TestClient, camp_only: None
) -> None:
    assert set_rule(client, dwell_minutes=DWELL) == 200
    report(client, 4_000, 0)  # warning band (2-5 km)
    inner = report(client, 1_000, DWELL + 10)  # critical band: the warning one is farther
    assert alerted(client) == {}
    outer = report(client, 8_000, DWELL + 20)  # watch band: the warning one is closer
    assert alerted(client) == {outer: "watch"}
    assert inner not in alerted(client)


def test_dwell_and_cooldown_together_group_the_reports_that_dwelt(
    client: TestClient, camp_only: None
) -> None:
    assert set_rule(client, dwell_minutes=DWELL, cooldown_minutes=120) == 200
    report(client, 1_000, 0)
    second = report(client, 1_100, DWELL)
    third = report(client, 1_200, DWELL + 5)
    [alert] = proximity_alerts(client)
    assert members(client, alert["id"]) == sorted([second, third])


def test_the_dwell_is_bounded(client: TestClient, camp_only: None) -> None:
    assert set_rule(client, dwell_minutes=DWELL_LIMIT) == 200
    assert set_rule(client, dwell_minutes=DWELL_LIMIT + 1) == 422
    assert set_rule(client, dwell_minutes=-1) == 422
    assert camp_rule(client)["params"]["dwell_minutes"] == DWELL_LIMIT
