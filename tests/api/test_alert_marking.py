"""An alert's marking follows what it rests on (issue 14, defects 3 and 7).

Each test first shows the unclassified viewer reading the alert (the setup works), then
reclassifies a source and shows the alert, its CAP message and its replayed events gone
for that viewer while a fully cleared reader sees the new marking.
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, camp, collection, incident, square

GOMA = (29.2228, -1.6792)
BENI = (29.4731, 0.4911)


def _critical(response_body: dict[str, Any]) -> dict[str, Any]:
    found = [a for a in response_body["alerts"] if a["properties"]["level"] == "critical"]
    assert len(found) == 1, response_body["alerts"]
    only: dict[str, Any] = found[0]
    return only


def _readable(client: TestClient, alert_id: int, headers: dict[str, str]) -> dict[str, int]:
    """Status codes of every per-alert output for one reader."""
    return {
        "json": client.get(f"/api/v1/alerts/{alert_id}", headers=headers).status_code,
        "cap": client.get(f"/api/v1/alerts/{alert_id}/cap", headers=headers).status_code,
    }


def _event_levels(db: psycopg.Connection[tuple[object, ...]], alert_id: int) -> set[str]:
    rows = db.execute("SELECT classification FROM event WHERE alert_id = %s", (alert_id,))
    return {str(row[0]) for row in rows}


def test_a_moved_and_raised_camp_takes_its_alerts_with_it(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    viewer = bearer(role_keys.unclassified_viewer)
    camp_id = client.post(
        "/api/v1/camps",
        json=camp(square(*GOMA), name="Goma HQ", classification="unclassified"),
        headers=GEOJSON,
    ).json()["id"]
    posted = client.post(
        "/api/v1/incidents", json=incident(*GOMA, classification="unclassified"), headers=GEOJSON
    )
    alert = _critical(posted.json())
    assert _readable(client, alert["id"], viewer) == {"json": 200, "cap": 200}

    secret_place = square(GOMA[0] + 0.05, GOMA[1] + 0.05)
    moved = client.patch(
        f"/api/v1/camps/{camp_id}",
        json={
            "geometry": {"type": "Polygon", "coordinates": [secret_place]},
            "properties": {"classification": "strictly_confidential"},
        },
    )
    assert moved.status_code == 200, moved.text
    assert _readable(client, alert["id"], viewer) == {"json": 404, "cap": 404}
    cap = client.get(f"/api/v1/alerts/{alert['id']}/cap", headers=bearer(role_keys.viewer))
    assert cap.status_code == 200
    assert b"UN STRICTLY CONFIDENTIAL" in cap.content
    atom = client.get("/api/v1/alerts/cap.atom", headers=viewer)
    assert f"/alerts/{alert['id']}/cap".encode() not in atom.content
    assert _event_levels(db, alert["id"]) == {"strictly_confidential"}


def test_a_resolved_alert_follows_its_incident_up_and_back_down(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    viewer = bearer(role_keys.unclassified_viewer)
    client.post(
        "/api/v1/camps",
        json=camp(square(*GOMA), classification="unclassified"),
        headers=GEOJSON,
    )
    posted = client.post(
        "/api/v1/incidents",
        json=incident(*GOMA, category="ied", classification="unclassified"),
        headers=GEOJSON,
    ).json()
    alert = _critical(posted)
    assert client.post(f"/api/v1/alerts/{alert['id']}/resolve", json={}).status_code == 200
    assert _readable(client, alert["id"], viewer) == {"json": 200, "cap": 200}

    raised = client.patch(
        f"/api/v1/incidents/{posted['id']}",
        json={"properties": {"classification": "strictly_confidential"}},
    )
    assert raised.status_code == 200, raised.text
    assert _readable(client, alert["id"], viewer) == {"json": 404, "cap": 404}
    marked = client.get(f"/api/v1/alerts/{alert['id']}").json()
    assert marked["properties"]["classification"] == "strictly_confidential"
    assert _event_levels(db, alert["id"]) == {"strictly_confidential"}

    lowered = client.patch(
        f"/api/v1/incidents/{posted['id']}",
        json={"properties": {"classification": "unclassified"}},
    )
    assert lowered.status_code == 200, lowered.text
    # The alert is what its sources are now; what was published while they were
    # strictly confidential stays so.
    assert _readable(client, alert["id"], viewer) == {"json": 200, "cap": 200}
    assert _event_levels(db, alert["id"]) == {"strictly_confidential"}


def test_a_surge_with_a_raised_member_is_marked_as_that_member(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    db.execute("UPDATE rule SET enabled = (kind = 'cluster')")
    viewer = bearer(role_keys.unclassified_viewer)
    members = [
        incident(BENI[0] + step * 0.01, BENI[1], classification="unclassified") for step in range(3)
    ]
    posted = client.post("/api/v1/incidents", json=collection(*members), headers=GEOJSON).json()
    [surge] = posted["alerts"]
    listed = client.get("/api/v1/alerts", headers=viewer).json()["features"]
    assert [a["id"] for a in listed] == [surge["id"]]

    member = posted["items"][1]["id"]
    raised = client.patch(
        f"/api/v1/incidents/{member}", json={"properties": {"classification": "confidential"}}
    )
    assert raised.status_code == 200, raised.text
    assert client.get("/api/v1/alerts", headers=viewer).json()["features"] == []
    assert _readable(client, surge["id"], viewer) == {"json": 404, "cap": 404}
    full = client.get(f"/api/v1/alerts/{surge['id']}", headers=bearer(role_keys.viewer)).json()
    assert full["properties"]["classification"] == "confidential"


def test_a_surge_joined_by_a_more_sensitive_incident_takes_its_past_events_up(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Found by the leak property test: the rule raised the surge's marking, its earlier
    events stayed below it and were still replayed to readers who no longer see it."""
    db.execute("UPDATE rule SET enabled = (kind = 'cluster')")
    members = [
        incident(BENI[0] + step * 0.01, BENI[1], classification="unclassified") for step in range(3)
    ]
    [surge] = client.post("/api/v1/incidents", json=collection(*members), headers=GEOJSON).json()[
        "alerts"
    ]
    assert _event_levels(db, surge["id"]) == {"unclassified"}
    fourth = incident(BENI[0] + 0.03, BENI[1], classification="strictly_confidential")
    joined = client.post("/api/v1/incidents", json=fourth, headers=GEOJSON).json()
    assert [a["id"] for a in joined["alerts"]] == [surge["id"]]
    assert joined["alerts"][0]["properties"]["classification"] == "strictly_confidential"
    assert _event_levels(db, surge["id"]) == {"strictly_confidential"}
    viewer = bearer(role_keys.unclassified_viewer)
    assert _readable(client, surge["id"], viewer) == {"json": 404, "cap": 404}
