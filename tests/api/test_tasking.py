"""The response loop (issue 20), against real PostGIS and pgRouting: the units to send
come fastest by road first (a hand sum), unavailable and busy units are not offered, a
task moves forward only with each step timed, and every change is an event (SSE and
webhooks), an audit entry and a 409 or 404 when it cannot be."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.layers.roads import RoadClass
from bluewatch.network.speeds import SPEED_KMH
from tests.aio import run
from tests.api.test_casevac import LAT, OFFROAD, _load_scenario, along, line, metres, post
from tests.conftest import bearer, make_key
from tests.factories import camp, incident, road, square, unit

STEPS = ("en_route", "on_scene", "completed")


@pytest.fixture
def scene(client: TestClient) -> dict[str, int]:
    """A primary road east-west at 1.68°S (29.20°E → 29.30°E) and one of its own far
    east; an incident 0.001° south of the road at 29.21°E inside a camp (a critical
    alert); units 0.001° north of the road at 29.25°E (patrol) and 29.29°E (QRF), one
    on the far road (island), one marked unavailable."""
    post(client, "roads", road(line(along(29.20, 29.30)), **{"class": "primary"}))
    post(client, "roads", road([[29.5, -1.5], [29.52, -1.5]], **{"class": "primary"}))
    post(client, "camps", camp(square(29.21, LAT - 0.001)))
    created = client.post("/api/v1/incidents", json=incident(29.21, LAT - 0.001))
    assert created.status_code == 201, created.text
    [alert] = [a for a in created.json()["alerts"] if a["properties"]["level"] == "critical"]
    return {
        "alert": alert["id"],
        "incident": created.json()["id"],
        "patrol": post(client, "units", unit(29.25, LAT + 0.001, name="Patrol B", kind="patrol")),
        "qrf": post(client, "units", unit(29.29, LAT + 0.001, name="QRF A")),
        "island": post(client, "units", unit(29.51, -1.499, name="Island")),
        "resting": post(client, "units", unit(29.22, LAT + 0.001, name="Rest", available=False)),
    }


def options(client: TestClient, alert_id: int, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/alerts/{alert_id}/units", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["units"])


def test_units_are_offered_fastest_by_road_first(client: TestClient, scene: dict[str, int]) -> None:
    offered = options(client, scene["alert"])
    assert [u["unit_id"] for u in offered] == [scene["patrol"], scene["qrf"], scene["island"]]
    primary = SPEED_KMH[RoadClass.PRIMARY] / 3.6
    carry = metres([(29.21, LAT - 0.001), (29.21, LAT)]) + metres(
        [(29.25, LAT), (29.25, LAT + 0.001)]
    )
    expected = metres(along(29.21, 29.25)) / primary + carry / OFFROAD
    assert offered[0]["travel_time_s"] == pytest.approx(expected, rel=0.005)
    assert offered[1]["travel_time_s"] > offered[0]["travel_time_s"]
    island = offered[2]
    assert island["reachable"] is False and island["travel_time_s"] is None
    assert island["straight_m"] > 30_000
    assert [u["unit_id"] for u in options(client, scene["alert"], limit=1)] == [scene["patrol"]]
    for bad in ({"limit": 0}, {"limit": 101}):
        refused = client.get(f"/api/v1/alerts/{scene['alert']}/units", params=bad)
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/alerts/{scene['alert']}/units", params={"limit": 100}).is_success


def test_a_task_acknowledges_the_alert_and_takes_the_unit_out_of_the_offer(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], scene: dict[str, int]
) -> None:
    assert client.get(f"/api/v1/alerts/{scene['alert']}").json()["properties"]["status"] == "open"
    response = client.post(
        f"/api/v1/alerts/{scene['alert']}/tasks",
        json={"unit_id": scene["patrol"], "note": "Secure the gate"},
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["status"] == "tasked" and task["unit"]["name"] == "Patrol B"
    assert task["note"] == "Secure the gate" and task["alert_level"] == "critical"
    alert = client.get(f"/api/v1/alerts/{scene['alert']}").json()["properties"]
    assert alert["status"] == "acknowledged"
    assert alert["acknowledge_note"] == f"Tasked (task {task['id']})."
    events = db.execute(
        "SELECT type, alert_id, data->>'id' FROM event WHERE alert_id = %s ORDER BY id",
        (scene["alert"],),
    ).fetchall()
    assert [e[0] for e in events][-2:] == ["alert.acknowledged", "task.created"]
    assert events[-1][2] == str(task["id"])
    assert [u["unit_id"] for u in options(client, scene["alert"])] == [
        scene["qrf"],
        scene["island"],
    ]
    again = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["patrol"]})
    assert again.status_code == 409
    resting = client.post(
        f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["resting"]}
    )
    assert resting.status_code == 409
    assert "unavailable" in resting.json()["detail"]
    # A second unit on the same alert is fine; the alert stays acknowledged.
    second = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]})
    assert second.status_code == 201
    listed = client.get("/api/v1/tasks", params={"alert": scene["alert"]}).json()["tasks"]
    assert [t["id"] for t in listed] == [second.json()["id"], task["id"]]
    tasks = db.execute("SELECT count(*) FROM task").fetchone()
    assert tasks == (2,)


def test_a_task_moves_forward_only_and_each_step_is_timed(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], scene: dict[str, int]
) -> None:
    # The audit log is append-only: entries of earlier tests (and task ids) stay.
    audited_before = db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
    created = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]})
    task_id = created.json()["id"]
    times = [datetime.fromisoformat(created.json()["tasked_at"])]
    for step in STEPS:
        moved = client.patch(f"/api/v1/tasks/{task_id}", json={"status": step})
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == step
        times.append(datetime.fromisoformat(moved.json()[f"{step}_at"]))
    assert times == sorted(times)
    assert client.get(f"/api/v1/tasks/{task_id}").json()["version"] == 4
    for late in ("cancelled", "on_scene", "completed"):
        refused = client.patch(f"/api/v1/tasks/{task_id}", json={"status": late})
        assert refused.status_code == 409, late
    types = db.execute("SELECT type FROM event WHERE type LIKE 'task.%%' ORDER BY id").fetchall()
    assert [t[0] for t in types] == ["task.created", *["task.updated"] * 3]
    audited = db.execute(
        "SELECT action, details->>'status' FROM audit_log WHERE object_type = 'task' "
        "AND object_id = %s AND id > %s ORDER BY id",
        (str(task_id), audited_before[0] if audited_before else 0),
    ).fetchall()
    assert audited == [("task.created", None), *[("task.updated", s) for s in STEPS]]
    # The unit is free again once its task completed.
    assert scene["qrf"] in {u["unit_id"] for u in options(client, scene["alert"])}


def test_a_step_may_be_skipped_or_the_task_cancelled_never_undone(
    client: TestClient, scene: dict[str, int]
) -> None:
    first = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]})
    on_scene = client.patch(f"/api/v1/tasks/{first.json()['id']}", json={"status": "on_scene"})
    assert on_scene.status_code == 200
    assert on_scene.json()["en_route_at"] is None and on_scene.json()["on_scene_at"]
    back = client.patch(f"/api/v1/tasks/{first.json()['id']}", json={"status": "en_route"})
    assert back.status_code == 409
    same = client.patch(f"/api/v1/tasks/{first.json()['id']}", json={"status": "on_scene"})
    assert same.status_code == 409
    cancelled = client.patch(
        f"/api/v1/tasks/{first.json()['id']}", json={"status": "cancelled", "note": "Recalled"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["note"] == "Recalled" and cancelled.json()["cancelled_at"]
    for bad in ({"status": "tasked"}, {"status": "lost"}, {}, {"status": "completed", "x": 1}):
        refused = client.patch(f"/api/v1/tasks/{first.json()['id']}", json=bad)
        assert refused.status_code in (409, 422), bad
        assert refused.headers["content-type"] == "application/problem+json"


def test_tasking_refuses_what_cannot_be_sent_and_changes_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], scene: dict[str, int]
) -> None:
    alert = scene["alert"]
    for body, status in (
        ({"unit_id": 999_999}, 404),
        ({"unit_id": "1"}, 422),
        ({"unit_id": scene["qrf"], "note": "x" * 2001}, 422),
        ({"unit_id": scene["qrf"], "extra": True}, 422),
    ):
        refused = client.post(f"/api/v1/alerts/{alert}/tasks", json=body)
        assert refused.status_code == status, body
        assert refused.headers["content-type"] == "application/problem+json"
    assert (
        client.post("/api/v1/alerts/999999/tasks", json={"unit_id": scene["qrf"]}).status_code
        == 404
    )
    assert client.post(f"/api/v1/alerts/{alert}/resolve").status_code == 200
    resolved = client.post(f"/api/v1/alerts/{alert}/tasks", json={"unit_id": scene["qrf"]})
    assert resolved.status_code == 409
    assert db.execute("SELECT count(*) FROM task").fetchone() == (0,)
    # The positive control: a note at its limit is taken.
    other = client.post("/api/v1/incidents", json=incident(29.211, LAT - 0.001)).json()["alerts"]
    open_alert = next(a["id"] for a in other if a["properties"]["status"] == "open")
    taken = client.post(
        f"/api/v1/alerts/{open_alert}/tasks", json={"unit_id": scene["qrf"], "note": "x" * 2000}
    )
    assert taken.status_code == 201, taken.text


def test_tasks_follow_the_clearance_of_their_alert_and_their_unit(
    client: TestClient, database_url: str, scene: dict[str, int]
) -> None:
    reader = bearer(make_key(database_url, "analyst", "confidential"))
    secret = post(client, "units", unit(29.28, LAT + 0.001, name="Secret QRF",
                                         classification="strictly_confidential"))  # fmt: skip
    assert secret in {u["unit_id"] for u in options(client, scene["alert"])}
    seen = {u["unit_id"] for u in client.get(
        f"/api/v1/alerts/{scene['alert']}/units", headers=reader).json()["units"]}  # fmt: skip
    assert seen == {scene["patrol"], scene["qrf"], scene["island"]}
    hidden = client.post(
        f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": secret}, headers=reader
    )
    assert hidden.status_code == 404
    task = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": secret}).json()
    assert task["classification"] == "strictly_confidential"
    visible = client.post(
        f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]}, headers=reader
    )
    assert visible.status_code == 201
    mine = client.get("/api/v1/tasks", headers=reader).json()["tasks"]
    assert [t["id"] for t in mine] == [visible.json()["id"]]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=reader).status_code == 404
    moved = client.patch(f"/api/v1/tasks/{task['id']}", json={"status": "en_route"}, headers=reader)
    assert moved.status_code == 404
    # Raising the unit above the reader hides its task from then on.
    raised = client.patch(
        f"/api/v1/units/{scene['qrf']}",
        json={"properties": {"classification": "strictly_confidential"}},
    )
    assert raised.status_code == 200
    assert client.get(f"/api/v1/tasks/{visible.json()['id']}", headers=reader).status_code == 404
    assert client.get("/api/v1/tasks", headers=reader).json()["tasks"] == []


def test_task_events_reach_the_subscriptions_that_ask_for_them(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], scene: dict[str, int]
) -> None:
    subscriptions: dict[str, list[str]] = {}
    for name, extra in (
        ("all", {}),
        ("alerts only", {"event_types": ["alert.created", "alert.acknowledged"]}),
        ("warning camp elsewhere", {"camp_ids": [999]}),
    ):
        created = client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "description": name,
                  "clearance": "strictly_confidential", **extra},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        subscriptions[name] = created.json()["event_types"]
    assert {"task.created", "task.updated"} <= set(subscriptions["all"])  # the default
    task = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]})
    client.patch(f"/api/v1/tasks/{task.json()['id']}", json={"status": "en_route"})
    queued = db.execute(
        "SELECT w.description, d.event_type, d.payload FROM webhook_delivery d "
        "JOIN webhook w ON w.id = d.webhook_id ORDER BY d.id"
    ).fetchall()
    by_name: dict[str, list[str]] = {}
    for description, event_type, _ in queued:
        by_name.setdefault(str(description), []).append(str(event_type))
    assert by_name["all"] == ["alert.acknowledged", "task.created", "task.updated"]
    assert by_name["alerts only"] == ["alert.acknowledged"]
    assert "warning camp elsewhere" not in by_name
    payload = next(str(p) for _, t, p in queued if t == "task.updated")
    assert '"status":"en_route"' in payload.replace(" ", "")


def test_a_units_task_events_follow_it_above_a_subscription(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], scene: dict[str, int]
) -> None:
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "clearance": "confidential"},
    )
    assert hook.status_code == 201
    task = client.post(f"/api/v1/alerts/{scene['alert']}/tasks", json={"unit_id": scene["qrf"]})
    query = (
        "SELECT e.classification::text, d.status FROM event e "
        "JOIN webhook_delivery d ON d.event_id = e.id WHERE e.type = 'task.created'"
    )
    assert db.execute(query).fetchall() == [("confidential", "pending")]  # the setup
    # Another unit's reclassification leaves them be; this unit's takes them along.
    client.patch(
        f"/api/v1/units/{scene['patrol']}",
        json={"properties": {"classification": "strictly_confidential"}},
    )
    assert db.execute(query).fetchall() == [("confidential", "pending")]
    raised = client.patch(
        f"/api/v1/units/{scene['qrf']}",
        json={"properties": {"classification": "strictly_confidential"}},
    )
    assert raised.status_code == 200
    assert db.execute(query).fetchall() == [("strictly_confidential", "withheld")]
    # The alert's own events stay where they were.
    own = db.execute(
        "SELECT DISTINCT classification::text FROM event WHERE type LIKE 'alert.%%'"
    ).fetchall()
    assert own == [("confidential",)]
    assert task.json()["id"]


def test_the_sample_scenario_offers_the_goma_units_for_an_alert_at_goma(
    client: TestClient, database_url: str
) -> None:
    """`make run` shows tasking out of the box: the sample units stand at the camps, and
    for the alert nearest the Goma headquarters a Goma unit comes first, by road; every
    other unit follows by travel time, the resting engineers not offered."""
    run(_load_scenario(database_url))
    alert = min(
        (
            a
            for a in client.get("/api/v1/alerts", params={"limit": 1000}).json()["features"]
            if (a["properties"]["target"] or {}).get("name") == "MONUSCO Force HQ Goma"
        ),
        key=lambda a: a["properties"]["distance_m"],
    )
    offered = options(client, alert["id"], limit=100)
    names = [u["name"] for u in offered]
    assert names[0] in {"QRF Goma", "Medical team Goma"}, names
    assert all(u["reachable"] for u in offered)  # the sample roads join every camp
    times = [u["travel_time_s"] for u in offered]
    assert times == sorted(times)
    assert "Engineers Beni" not in names and len(names) == 7
