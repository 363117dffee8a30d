"""The response-time report (issue 20): medians and 90th percentiles equal numpy's (the
same linear interpolation as percentile_cont) per level, per camp and overall; the
period includes its start and excludes its end; a task the reader may not see does not
count; the CSV says the same as the JSON, and bad periods are refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy
import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, make_key
from tests.factories import camp, incident, square, unit

T0 = datetime(2026, 6, 1, tzinfo=UTC)
REPORT = "/api/v1/reports/response-times"
CAMP = (29.30, -1.70)
# (degrees east of the camp, seconds to the first task, seconds to on scene) per alert,
# raised an hour apart: three inside the camp (critical), one ~3.5 km out (warning),
# one ~7 km out (watch), never tasked.
PLAN: list[tuple[float, float | None, float | None]] = [
    (0.0, 60, 600),
    (0.0, 300, 1800),
    (0.0, 900, None),
    (0.035, 120, 900),
    (0.066, None, None),
]


@pytest.fixture
def timed(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """The planned alerts and tasks, their times set to the plan's (the proximity rules
    only: no surge)."""
    for rule in client.get("/api/v1/rules").json()["items"]:
        if rule["kind"] != "proximity":
            assert client.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": False}).is_success
    made = client.post("/api/v1/camps", json=camp(square(*CAMP), name="=HQ"))
    assert made.status_code == 201
    alert_ids = []
    for index, (east, to_task, to_scene) in enumerate(PLAN):
        raised = client.post("/api/v1/incidents", json=incident(CAMP[0] + east, CAMP[1]))
        [alert] = raised.json()["alerts"]
        alert_ids.append(alert["id"])
        created = T0 + timedelta(hours=index)
        db.execute("UPDATE alert SET created_at = %s WHERE id = %s", (created, alert["id"]))
        if to_task is None:
            continue
        unit_id = client.post("/api/v1/units", json=unit(29.3, -1.7, name=f"U{index}")).json()["id"]
        task = client.post(f"/api/v1/alerts/{alert['id']}/tasks", json={"unit_id": unit_id})
        assert task.status_code == 201, task.text
        scene = None if to_scene is None else created + timedelta(seconds=to_scene)
        db.execute(
            "UPDATE task SET tasked_at = %s, on_scene_at = %s WHERE id = %s",
            (created + timedelta(seconds=to_task), scene, task.json()["id"]),
        )
    levels = [a[0] for a in db.execute("SELECT level::text FROM alert ORDER BY id").fetchall()]
    assert levels == ["critical", "critical", "critical", "warning", "watch"]
    return alert_ids


def report(
    client: TestClient, start: datetime, end: datetime, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    params = {"from": start.isoformat(), "to": end.isoformat()}
    response = client.get(REPORT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def group(found: dict[str, Any], kind: str, level: str | None = None) -> dict[str, Any]:
    return next(g for g in found["groups"] if g["group"] == kind and g["level"] == level)


def stats(values: list[float]) -> tuple[float, float]:
    return float(numpy.percentile(values, 50)), float(numpy.percentile(values, 90))


def test_medians_and_90th_percentiles_per_level_camp_and_overall(
    client: TestClient, timed: list[int]
) -> None:
    found = report(client, T0, T0 + timedelta(hours=5))
    overall = group(found, "all")
    tasked = [p[1] for p in PLAN if p[1] is not None]
    on_scene = [p[2] for p in PLAN if p[2] is not None]
    assert (overall["alerts"], overall["tasked"], overall["never_tasked"]) == (5, 4, 1)
    assert overall["on_scene"] == 3
    assert (overall["to_tasking_median_s"], overall["to_tasking_p90_s"]) == pytest.approx(
        stats(tasked)
    )
    assert (overall["to_on_scene_median_s"], overall["to_on_scene_p90_s"]) == pytest.approx(
        stats(on_scene)
    )
    critical = group(found, "level", "critical")
    assert critical["alerts"] == 3
    assert (critical["to_tasking_median_s"], critical["to_tasking_p90_s"]) == pytest.approx(
        stats([60, 300, 900])
    )
    assert critical["to_on_scene_median_s"] == pytest.approx(numpy.percentile([600, 1800], 50))
    watch = group(found, "level", "watch")
    assert watch["never_tasked"] == 1 and watch["to_tasking_median_s"] is None
    [camp_group] = [g for g in found["groups"] if g["group"] == "target"]
    assert camp_group["target"]["name"] == "=HQ" and camp_group["alerts"] == 5
    assert [g["group"] for g in found["groups"]] == ["all", "level", "level", "level", "target"]
    assert found["never_tasked_alert_ids"] == [timed[4]]


def test_the_period_holds_its_start_and_not_its_end(client: TestClient, timed: list[int]) -> None:
    last = T0 + timedelta(hours=4)  # the watch alert's creation
    assert group(report(client, T0, last), "all")["alerts"] == 4
    assert group(report(client, T0, last + timedelta(microseconds=1)), "all")["alerts"] == 5
    assert group(report(client, last, last + timedelta(hours=1)), "all")["alerts"] == 1
    after = report(client, last + timedelta(microseconds=1), last + timedelta(hours=1))
    assert group(after, "all")["alerts"] == 0
    assert [g["group"] for g in after["groups"]] == ["all"]


def test_a_task_the_reader_may_not_see_does_not_count(
    client: TestClient, database_url: str, timed: list[int]
) -> None:
    secret = client.post(
        "/api/v1/units", json=unit(29.3, -1.7, name="Ghost", classification="strictly_confidential")
    ).json()["id"]
    assert client.post(f"/api/v1/alerts/{timed[4]}/tasks", json={"unit_id": secret}).is_success
    period = (T0, T0 + timedelta(hours=5))
    full = report(client, *period)
    assert group(full, "all")["tasked"] == 5
    assert full["classification"] == "strictly_confidential"
    reader = bearer(make_key(database_url, "analyst", "confidential"))
    seen = report(client, *period, reader)
    assert group(seen, "all")["tasked"] == 4
    assert seen["never_tasked_alert_ids"] == [timed[4]]
    assert seen["classification"] == "confidential"
    response = client.get(REPORT, params={"from": T0.isoformat()}, headers=reader)
    assert response.headers["x-classification"] == "UN CONFIDENTIAL"
    assert b"Ghost" not in client.get(REPORT + ".csv", headers=reader).content


def test_the_csv_says_what_the_json_says(client: TestClient, timed: list[int]) -> None:
    params = {"from": T0.isoformat(), "to": (T0 + timedelta(hours=5)).isoformat()}
    found = client.get(REPORT, params=params).json()
    response = client.get(REPORT + ".csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-classification"] == "UN CONFIDENTIAL"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(found["groups"])
    for row, expected in zip(rows, found["groups"], strict=True):
        assert row["group"] == expected["group"]
        assert row["alerts"] == str(expected["alerts"])
        median = expected["to_tasking_median_s"]
        assert row["to_tasking_median_s"] == ("" if median is None else str(median))
    assert rows[-1]["target_name"] == "'=HQ"  # no formula for a spreadsheet to run


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"from": "2026-06-01T00:00:00"},  # no offset
        {"from": "2026-06-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"},  # empty
        {"from": "2026-06-02T00:00:00Z", "to": "2026-06-01T00:00:00Z"},
        {"to": "2100-01-01T00:00:00Z"},
    ],
)
def test_bad_periods_are_refused(client: TestClient, params: dict[str, str]) -> None:
    for path in (REPORT, REPORT + ".csv"):
        response = client.get(path, params=params)
        assert response.status_code == 400, (path, params)
        assert response.headers["content-type"] == "application/problem+json"
        assert "yesterday" not in response.text
    one_past = {"from": "2026-06-01T00:00:00Z", "to": "2026-06-01T00:00:00.000001Z"}
    assert client.get(REPORT, params=one_past).status_code == 200
