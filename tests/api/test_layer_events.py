"""Layer changes on the live stream (issue 18, defect 5): the map only changed when an
alert was raised. With ``layers=true`` the alert stream also carries what happens to
incidents, camps and routes, filtered by clearance and replayable like alerts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from bluewatch.events.client import Message, SSEListener
from bluewatch.events.log import BATCH_EVENT_LIMIT
from tests.conftest import bearer, make_key
from tests.factories import GEOJSON, camp, collection, incident, square

STREAM = "/api/v1/alerts/stream"
FAR = (27.0, -4.0)  # far from any camp: no alert, so only layer events follow


def _subjects(messages: list[Message]) -> list[tuple[str, Any]]:
    return [(m.type, m.data["data"]["id"]) for m in messages if "data" in m.data]


def _layer_subjects(messages: list[Message]) -> list[tuple[str, Any]]:
    return [s for s in _subjects(messages) if not s[0].startswith("alert.")]


def _at_least(count: int) -> Callable[[list[Message]], bool]:
    return lambda messages: len(_layer_subjects(messages)) >= count


def _post(client: TestClient, classification: str, title: str) -> int:
    body = incident(*FAR, classification=classification, title=title)
    response = client.post("/api/v1/incidents", json=body, headers=GEOJSON)
    assert response.status_code == 201, response.text
    assert response.json()["alerts"] == []
    record_id: int = response.json()["id"]
    return record_id


def test_layer_changes_reach_each_reader_within_clearance_live_and_on_replay(
    client: TestClient, live_server: str, database_url: str,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:  # fmt: skip
    low = bearer(make_key(database_url, "viewer", "unclassified", name="layer-low"))
    high = bearer(make_key(database_url, "viewer", "strictly_confidential", name="layer-high"))
    streams = {
        "low": SSEListener(f"{live_server}{STREAM}?layers=true", low),
        "high": SSEListener(f"{live_server}{STREAM}?layers=true", high),
        "alerts only": SSEListener(f"{live_server}{STREAM}", high),
    }
    try:
        for listener in streams.values():  # subscribed before its headers: later events reach it
            assert listener.status_code == 200
        open_one = _post(client, "unclassified", "Roadblock")
        secret = _post(client, "strictly_confidential", "Source report")
        patched = client.patch(
            f"/api/v1/incidents/{open_one}",
            json={"properties": {"classification": "confidential"}},
            headers=GEOJSON,
        )
        assert patched.status_code == 200, patched.text
        assert client.delete(f"/api/v1/incidents/{secret}").status_code == 204
        body = camp(square(*FAR), classification="unclassified")
        camp_id = client.post("/api/v1/camps", json=body, headers=GEOJSON).json()["id"]
        expected = {
            "low": [("incident.created", open_one), ("incident.deleted", open_one),
                    ("camp.created", camp_id)],
            "high": [("incident.created", open_one), ("incident.created", secret),
                     ("incident.updated", open_one), ("incident.deleted", secret),
                     ("camp.created", camp_id)],
        }  # fmt: skip
        for who, wanted in expected.items():
            got = streams[who].until(_at_least(len(wanted)))
            assert _layer_subjects(got) == wanted, who
            # Thin events: no title, no geometry; the reader fetches the record.
            assert "Roadblock" not in json.dumps([m.data for m in got])
        # The alert-only stream saw the camp's alert (it lies by the incidents) and nothing else.
        alerts_only = streams["alerts only"].until(lambda ms: len(ms) >= 1)
        assert {m.type.split(".")[0] for m in alerts_only} == {"alert"}
    finally:
        for listener in streams.values():
            listener.close()

    for who, key in (("low", low), ("high", high)):  # a replay gives the same, in order
        replay = SSEListener(f"{live_server}{STREAM}?layers=true", key, last_event_id=0)
        try:
            got = replay.until(_at_least(len(expected[who])))
        finally:
            replay.close()
        assert _layer_subjects(got) == expected[who], who


def test_a_statement_of_many_records_is_one_batch_event(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    def layer_events() -> list[tuple[object, ...]]:
        return db.execute(
            "SELECT type, record_id FROM event WHERE layer = 'incident' ORDER BY id"
        ).fetchall()

    at_limit = [incident(*FAR, title=f"A{i}") for i in range(BATCH_EVENT_LIMIT)]
    response = client.post("/api/v1/incidents", json=collection(*at_limit), headers=GEOJSON)
    assert response.status_code == 200, response.text
    events = layer_events()
    assert len(events) == BATCH_EVENT_LIMIT and {e[0] for e in events} == {"incident.created"}

    db.execute("DELETE FROM event")
    past = [incident(*FAR, title=f"B{i}") for i in range(BATCH_EVENT_LIMIT + 1)]
    body = json.dumps(collection(*past)).encode()
    imported = client.post("/api/v1/import/incidents", content=body, headers=GEOJSON)
    assert imported.status_code == 200 and imported.json()["created"] == BATCH_EVENT_LIMIT + 1
    assert layer_events() == [("incident.batch", None)]
