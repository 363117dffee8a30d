"""How precisely an incident's date is known (ACLED's time_precision: 1 day, 2 week,
3 month), issue 19: stored, validated at and one past its bounds, imported from ACLED
files, exported, and counted by the rules with a time window only when the date is
known finely enough for it."""

from __future__ import annotations

import csv
import io
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.api.test_alerts import alerts, near_beni, surge_only
from tests.api.test_imports import ACLED_HEADER, CSV, acled_row
from tests.factories import GEOJSON, collection

__all__ = ["surge_only"]  # the fixture, used by name


def post(client: TestClient, *features: dict[str, Any]) -> Any:
    return client.post("/api/v1/incidents", json=collection(*features), headers=GEOJSON)


@pytest.mark.parametrize(("value", "status"), [(1, 200), (3, 200), (0, 422), (4, 422)])
def test_time_precision_is_one_to_three(client: TestClient, value: int, status: int) -> None:
    response = post(client, near_beni(0, time_precision=value))
    assert response.status_code == status, response.text
    if status == 200:
        incident_id = response.json()["items"][0]["id"]
        read = client.get(f"/api/v1/incidents/{incident_id}").json()
        assert read["properties"]["time_precision"] == value


def test_the_default_is_the_day(client: TestClient) -> None:
    incident_id = post(client, near_beni(0)).json()["items"][0]["id"]
    assert (
        client.get(f"/api/v1/incidents/{incident_id}").json()["properties"]["time_precision"] == 1
    )


def test_acled_time_precision_is_imported_and_exported(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    header = [*ACLED_HEADER, "time_precision"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for number, precision in ((1, "1"), (2, "2"), (3, "3")):
        writer.writerow({name: "" for name in header} | acled_row(number) | {
            "time_precision": precision})  # fmt: skip
    url = "/api/v1/import/incidents?source=acled&classification=unclassified"
    imported = client.post(url, content=buffer.getvalue().encode(), headers=CSV)
    assert imported.status_code == 200, imported.text
    stored = db.execute("SELECT external_id, time_precision FROM incident ORDER BY 1")
    assert stored.fetchall() == [("DRC1", 1), ("DRC2", 2), ("DRC3", 3)]
    exported = client.get("/api/v1/export/incidents.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["event_id_cnty"]: r["time_precision"] for r in rows} == {
        "DRC1": "1", "DRC2": "2", "DRC3": "3",
    }  # fmt: skip


def test_a_surge_counts_only_incidents_dated_to_the_day(
    client: TestClient, surge_only: None
) -> None:
    # Three reports within 10 km and 24 h make a surge (the setup surges as it should) ...
    assert post(client, *[near_beni(i) for i in range(3)]).status_code == 200
    assert len(alerts(client)) == 1
    # ... but not when one of them is known only to the week, or to the month.
    for step, precision in ((50, 2), (100, 3)):
        made = post(
            client,
            near_beni(step),
            near_beni(step + 1),
            near_beni(step + 2, time_precision=precision),
        )
        assert made.status_code == 200, made.text
        assert made.json()["alerts"] == []
    assert len(alerts(client)) == 1


def test_a_route_baseline_rule_is_seeded_switched_off(client: TestClient) -> None:
    rules = client.get("/api/v1/rules").json()["items"]
    baselines = {r["params"]["target"]: r for r in rules if r["kind"] == "baseline"}
    assert set(baselines) == {"camp", "route"}
    assert baselines["route"]["enabled"] is False
    assert baselines["route"]["name"] == "Route baseline surge"
