"""Surges, consistency of writes and alerts, the alert lifecycle and CAP versions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

import psycopg
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pyproj import Geod

from tests import google_cap_profile as google_profile
from tests.cap_schema import cap_problems
from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, camp, collection, incident, square

BENI = (29.4731, 0.4911)
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def near_beni(step: int, hours_ago: float = 1, **properties: Any) -> dict[str, Any]:
    return incident(BENI[0] + step * 0.01, BENI[1], hours_ago=hours_ago, **properties)


def alerts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/v1/alerts", params=params).json()["features"]
    return found


def events(db: psycopg.Connection[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return db.execute(
        "SELECT type, alert_id FROM event WHERE alert_id IS NOT NULL ORDER BY id"
    ).fetchall()


@pytest.fixture
def surge_only(db: psycopg.Connection[tuple[object, ...]]) -> Iterator[None]:
    db.execute("UPDATE rule SET enabled = (kind = 'cluster')")
    yield


def test_three_incidents_raise_one_surge_and_a_fourth_updates_it(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], surge_only: None
) -> None:
    first = client.post(
        "/api/v1/incidents", json=collection(*[near_beni(i) for i in range(3)]), headers=GEOJSON
    )
    [surge] = first.json()["alerts"]
    assert surge["properties"]["rule_kind"] == "cluster"
    assert surge["properties"]["member_count"] == 3
    assert surge["properties"]["level"] == "warning"
    assert events(db) == [("alert.created", surge["id"])]

    fourth = client.post("/api/v1/incidents", json=near_beni(3), headers=GEOJSON).json()
    [updated] = fourth["alerts"]
    assert updated["id"] == surge["id"]
    assert updated["properties"]["member_count"] == 4
    assert len(alerts(client)) == 1
    assert events(db)[-1] == ("alert.updated", surge["id"])
    # Events carry the count and the members that joined, not the whole list.
    added = db.execute("SELECT data FROM event WHERE alert_id = %s ORDER BY id", (surge["id"],))
    data = [cast(dict[str, Any], row[0])["properties"] for row in added]
    assert [(d["member_count"], len(d["members_added"])) for d in data] == [(3, 3), (4, 1)]
    assert data[1]["members_added"] == [fourth["id"]]
    members = client.get(f"/api/v1/alerts/{surge['id']}/members").json()
    assert sorted(f["id"] for f in members["features"]) == sorted(
        [f["id"] for f in first.json()["items"]] + [fourth["id"]]
    )


def test_a_surge_says_when_its_latest_incident_occurred(
    client: TestClient, surge_only: None
) -> None:
    """The alert's time is kept on the alert (migration 0022): raised by members that
    join, set again when a member's time is edited or the member deleted."""

    def when(alert_id: int) -> datetime:
        body = client.get(f"/api/v1/alerts/{alert_id}").json()
        return datetime.fromisoformat(body["properties"]["occurred_at"])

    def at(feature: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(feature["properties"]["occurred_at"])

    def incident_at(incident_id: int) -> datetime:
        return at(client.get(f"/api/v1/incidents/{incident_id}").json())

    posted = _post_batch(client, [near_beni(i, hours_ago=3 + i) for i in range(3)])
    [surge] = posted["alerts"]
    latest, second = posted["items"][0], posted["items"][1]
    assert when(surge["id"]) == incident_at(latest["id"]) == at(surge)  # the POST's answer too
    assert incident_at(second["id"]) < incident_at(latest["id"])

    later = client.post("/api/v1/incidents", json=near_beni(3, hours_ago=1), headers=GEOJSON)
    assert [a["id"] for a in later.json()["alerts"]] == [surge["id"]]
    assert when(surge["id"]) == at(later.json())

    earlier = (incident_at(second["id"]) - timedelta(hours=5)).isoformat()
    moved = client.patch(
        f"/api/v1/incidents/{later.json()['id']}",
        json={"properties": {"occurred_at": earlier}},
        headers=GEOJSON,
    )
    assert moved.status_code == 200, moved.text
    assert when(surge["id"]) == incident_at(latest["id"])  # edited: the next latest member's

    expected = incident_at(second["id"])
    assert client.delete(f"/api/v1/incidents/{latest['id']}").status_code == 204
    assert when(surge["id"]) == expected


def test_every_rule_keeps_its_alerts_time_as_its_members_say(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Each rule statement that writes members sets the alert's time (migration 0022):
    proximity one by one and grouped, surges, baseline surges, raised and grown."""
    db.execute("UPDATE rule SET enabled = true WHERE kind <> 'coverage'")
    db.execute(
        "UPDATE rule SET params = params || '{\"cooldown_minutes\": 60}' "
        "WHERE kind = 'proximity' AND params->>'target' = 'route'"
    )
    beni_camp = camp(square(*BENI), name="Beni TS")
    assert client.post("/api/v1/camps", json=beni_camp, headers=GEOJSON).status_code == 201
    route = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[29.40, 0.4911], [29.55, 0.4911]]},
        "properties": {"name": "Beni - Oicha", "status": "active"},
    }
    assert client.post("/api/v1/routes", json=route, headers=GEOJSON).status_code == 201
    for batch in range(3):  # raised, then grown
        hours = [4 - batch + step / 7 for step in range(6)]  # each batch later than the last
        _post_batch(client, [near_beni(step % 3, hours_ago=h) for step, h in enumerate(hours)])
    kinds = db.execute(
        "SELECT rule_kind, count(*) FILTER (WHERE member_count > 1) FROM alert GROUP BY rule_kind"
    ).fetchall()
    # The setup: every kind raised, and some alerts grew beyond one member.
    assert {kind for kind, _ in kinds} == {"proximity", "cluster", "baseline"}
    assert all(int(str(grown)) > 0 for _, grown in kinds)
    differing = db.execute("""
        SELECT a.id FROM alert a
        WHERE a.occurred_at IS DISTINCT FROM (
            SELECT max(i.occurred_at) FROM alert_member m JOIN incident i ON i.id = m.incident_id
            WHERE m.alert_id = a.id)
    """).fetchall()
    assert differing == []


def test_a_surge_names_where_it_is(client: TestClient, surge_only: None) -> None:
    """Issue 18, defect 2: every surge read 'Surge: 3 incidents within 10 km in 24 h'.
    With no camp or route it names its centre; otherwise the nearest camp or route the
    surge may name (none more sensitive than its incidents), with the distance."""
    lonely = _post_batch(client, [near_beni(i) for i in range(3)])["alerts"]
    [first] = [a["properties"] for a in lonely]
    assert first["target"] is None
    assert first["headline"] == "Surge: 3 incidents within 10 km in 24 h, near 0.491°N 29.483°E"
    assert first["headline_fr"] == (
        "Pic : 3 incidents dans un rayon de 10 km en 24 h, près de 0.491°N 29.483°E"
    )
    client.post(f"/api/v1/alerts/{lonely[0]['id']}/resolve")

    geod = Geod(ellps="WGS84")
    bunia = (30.25, 1.5667)
    east, _, _ = geod.fwd(bunia[0], bunia[1], 90, 3_000)  # the nearest camp, but secret
    west, _, _ = geod.fwd(bunia[0], bunia[1], 270, 6_000)
    secret = camp(square(east, bunia[1], 0.0001), name="Hidden Post")
    secret["properties"]["classification"] = "strictly_confidential"
    named = client.post(
        "/api/v1/camps", json=camp(square(west, bunia[1], 0.0001), name="Bunia TS"), headers=GEOJSON
    )
    assert client.post("/api/v1/camps", json=secret, headers=GEOJSON).status_code == 201
    surge = [incident(bunia[0] + d, bunia[1]) for d in (-0.001, 0.0, 0.001)]
    [alert] = _post_batch(client, surge)["alerts"]
    p = alert["properties"]
    assert p["target"] == {"type": "camp", "id": named.json()["id"], "name": "Bunia TS"}
    assert 5_950 < p["distance_m"] < 6_000  # to the perimeter, from the surge's centre
    assert p["headline"] == "Surge: 3 incidents within 10 km in 24 h, 6.0 km from Bunia TS"
    assert p["headline_fr"] == (
        "Pic : 3 incidents dans un rayon de 10 km en 24 h, à 6,0 km du camp Bunia TS"
    )
    grown = _post_batch(client, [incident(bunia[0] + 0.002, bunia[1])])["alerts"]
    assert grown[0]["properties"]["headline"] == (
        "Surge: 4 incidents within 10 km in 24 h, 6.0 km from Bunia TS"
    )
    assert grown[0]["properties"]["headline_fr"] == (
        "Pic : 4 incidents dans un rayon de 10 km en 24 h, à 6,0 km du camp Bunia TS"
    )


def _post_batch(client: TestClient, features: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/api/v1/incidents", json=collection(*features), headers=GEOJSON)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["items"]) == len(features)  # every incident stored: the setup worked
    return body


def _a_close_third_raises_a_surge(client: TestClient) -> None:
    """The positive control: the rule is live and would have fired on a real surge."""
    posted = client.post("/api/v1/incidents", json=near_beni(0, hours_ago=2), headers=GEOJSON)
    assert posted.status_code == 201, posted.text


def test_two_incidents_raise_no_surge(client: TestClient, surge_only: None) -> None:
    assert _post_batch(client, [near_beni(0), near_beni(1)])["alerts"] == []
    assert alerts(client) == []
    _a_close_third_raises_a_surge(client)
    assert [a["properties"]["rule_kind"] for a in alerts(client)] == ["cluster"]


def test_incidents_spread_beyond_the_window_raise_no_surge(
    client: TestClient, surge_only: None
) -> None:
    spread = [near_beni(0, hours_ago=1), near_beni(1, hours_ago=30), near_beni(2, hours_ago=60)]
    assert _post_batch(client, spread)["alerts"] == []
    assert alerts(client) == []
    # A second incident within 24 h of the newest makes two there: still none; a third
    # makes the surge, so the rule was live all along.
    _post_batch(client, [near_beni(1, hours_ago=3)])
    assert alerts(client) == []
    _a_close_third_raises_a_surge(client)
    assert len(alerts(client)) == 1


def test_incidents_beyond_the_radius_raise_no_surge(client: TestClient, surge_only: None) -> None:
    far_apart = [incident(BENI[0] + i * 0.2, BENI[1]) for i in range(3)]  # ~22 km apart
    assert _post_batch(client, far_apart)["alerts"] == []
    assert alerts(client) == []
    close = [incident(BENI[0] + 0.01, BENI[1]), incident(BENI[0] + 0.02, BENI[1])]
    assert len(_post_batch(client, close)["alerts"]) == 1  # with the first: a surge


@pytest.mark.parametrize("latitude", [0.49, 62.0, -45.0])
@pytest.mark.parametrize(("metres", "hours", "surge"), [
    (9_950, 23.9, True), (10_050, 1, False), (9_950, 24.1, False),
])  # fmt: skip
def test_surge_membership_is_exact_at_the_radius_and_window(
    client: TestClient, surge_only: None, latitude: float, metres: float, hours: float,
    surge: bool,
) -> None:  # fmt: skip
    """The (lon, lat, days) index box may only widen the search: neighbours due east
    (where a degree of longitude is shortest) just inside the geodesic radius and the
    time window count, just outside do not."""
    geod = Geod(ellps="WGS84")
    east, _, _ = geod.fwd(29.0, latitude, 90, metres)
    west, _, _ = geod.fwd(29.0, latitude, 270, metres)
    batch = [
        incident(29.0, latitude, hours_ago=1 + hours),
        incident(east, latitude, hours_ago=1),
        incident(west, latitude, hours_ago=1),
    ]
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert response.status_code == 200
    counts = [a["properties"]["member_count"] for a in response.json()["alerts"]]
    assert counts == ([3] if surge else [])


def test_two_separate_surges_in_one_batch_raise_two_alerts(
    client: TestClient, surge_only: None
) -> None:
    bunia = (30.25, 1.5667)
    batch = [near_beni(i) for i in range(3)] + [
        incident(bunia[0] + i * 0.01, bunia[1]) for i in range(3)
    ]
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    assert sorted(a["properties"]["member_count"] for a in response.json()["alerts"]) == [3, 3]


def test_an_open_surge_takes_the_incident_that_comes_not_its_neighbours(
    client: TestClient, surge_only: None
) -> None:
    """Issue 19: a qualifying incident within an open surge's radius joins it alone; an
    older incident beyond the surge (15 km from the first three) but within reach of the
    newcomer stays out: the surge does not chain across the province."""
    made = _post_batch(client, [near_beni(i) for i in range(3)])
    [surge] = made["alerts"]
    outer = client.post("/api/v1/incidents", json=near_beni(14), headers=GEOJSON).json()
    assert outer["alerts"] == []  # alone out there: no surge of its own
    newcomer = client.post("/api/v1/incidents", json=near_beni(8), headers=GEOJSON).json()
    assert [a["id"] for a in newcomer["alerts"]] == [surge["id"]]
    joined = client.get(f"/api/v1/alerts/{surge['id']}/members").json()["features"]
    assert sorted(f["id"] for f in joined) == sorted(
        [*(item["id"] for item in made["items"]), newcomer["id"]]
    )
    assert outer["id"] not in {f["id"] for f in joined}


def test_an_incident_in_a_surges_radius_but_not_its_window_does_not_join(
    client: TestClient, surge_only: None
) -> None:
    """Joining asks what forming asks: min_count neighbours within the window. An
    incident two days older than the surge has none, and stays out; one within the
    window (the positive control) joins."""
    [surge] = _post_batch(client, [near_beni(i) for i in range(3)])["alerts"]
    stale = client.post("/api/v1/incidents", json=near_beni(1, hours_ago=49), headers=GEOJSON)
    assert stale.status_code == 201 and stale.json()["alerts"] == []
    fresh = client.post("/api/v1/incidents", json=near_beni(1, hours_ago=2), headers=GEOJSON)
    assert [a["properties"]["member_count"] for a in fresh.json()["alerts"]] == [4]
    assert [a["id"] for a in fresh.json()["alerts"]] == [surge["id"]]


def test_a_batch_whose_evaluation_fails_stores_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(square(*BENI)), headers=GEOJSON)
    db.execute("""
        CREATE FUNCTION fail_alerts() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'rule evaluation failed'; END $$
    """)
    db.execute("CREATE TRIGGER fail_alerts BEFORE INSERT ON alert EXECUTE FUNCTION fail_alerts()")
    before = db.execute("SELECT count(*) FROM event").fetchone()  # the camp's own event
    try:
        response = client.post(
            "/api/v1/incidents", json=collection(near_beni(0), near_beni(1)), headers=GEOJSON
        )
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
    finally:
        db.execute("DROP TRIGGER fail_alerts ON alert")
        db.execute("DROP FUNCTION fail_alerts()")
    assert db.execute("SELECT count(*) FROM incident").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM event").fetchone() == before


def test_reposting_the_same_batch_raises_no_new_alerts(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(square(*BENI)), headers=GEOJSON)
    batch = collection(
        *[near_beni(i, external_source="sitrep", external_id=f"B{i}") for i in range(4)]
    )
    first = client.post("/api/v1/incidents", json=batch, headers=GEOJSON).json()
    assert first["alerts"]
    before = (alerts(client), events(db))
    again = client.post("/api/v1/incidents", json=batch, headers=GEOJSON).json()
    assert again["alerts"] == [] and again["unchanged"] == 4
    assert (alerts(client), events(db)) == before


def test_moving_a_camp_re_evaluates_and_escalates(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    db.execute("UPDATE rule SET enabled = false WHERE kind = 'cluster'")
    threat = client.post("/api/v1/incidents", json=incident(*BENI), headers=GEOJSON).json()
    assert threat["alerts"] == []  # no camp yet
    far = square(BENI[0] + 0.06, BENI[1])  # about 6-7 km east
    created = client.post("/api/v1/camps", json=camp(far), headers=GEOJSON).json()
    [watch] = created["alerts"]
    assert watch["properties"]["level"] == "watch"
    moved = client.patch(
        f"/api/v1/camps/{created['id']}",
        json={"geometry": {"type": "Polygon", "coordinates": [square(BENI[0] + 0.01, BENI[1])]}},
        headers=GEOJSON,
    ).json()
    [escalated] = moved["alerts"]
    assert escalated["id"] == watch["id"]
    assert escalated["properties"]["level"] == "critical"
    assert events(db) == [("alert.created", watch["id"]), ("alert.updated", watch["id"])]


def test_editing_a_rule_re_evaluates_recent_incidents(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(square(*BENI)), headers=GEOJSON)
    client.post("/api/v1/incidents", json=incident(BENI[0] + 0.15, BENI[1]), headers=GEOJSON)
    assert alerts(client) == []  # ~16 km: beyond every camp band
    rules = client.get("/api/v1/rules").json()["items"]
    camp_rule = next(r for r in rules if r["params"].get("target") == "camp")
    params = camp_rule["params"] | {"bands": [{"level": "watch", "distance_m": 20_000}]}
    changed = client.patch(f"/api/v1/rules/{camp_rule['id']}", json={"params": params})
    assert changed.status_code == 200, changed.text
    [raised] = alerts(client)
    assert raised["properties"]["level"] == "watch"
    bad = client.patch(
        f"/api/v1/rules/{camp_rule['id']}", json={"params": {"target": "camp", "bands": []}}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"].startswith("/params")


def test_rules_api_creates_and_validates(client: TestClient) -> None:
    created = client.post(
        "/api/v1/rules",
        json={
            "name": "IEDs near routes",
            "kind": "proximity",
            "params": {
                "target": "route",
                "bands": [{"level": "critical", "distance_m": 3000}],
                "categories": ["ied"],
            },
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["params"]["lead_hours"] == 24
    unknown = client.post(
        "/api/v1/rules", json={"name": "x", "kind": "cluster", "params": {"min_count": 1}}
    )
    assert unknown.status_code == 422


def test_acknowledge_and_resolve_record_who_when_and_why(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(square(*BENI)), headers=GEOJSON)
    [raised] = client.post("/api/v1/incidents", json=incident(*BENI), headers=GEOJSON).json()[
        "alerts"
    ]
    analyst = bearer(role_keys.analyst)
    acked = client.post(
        f"/api/v1/alerts/{raised['id']}/ack", json={"note": "QRF informed"}, headers=analyst
    )
    assert acked.status_code == 200, acked.text
    properties = acked.json()["properties"]
    assert properties["status"] == "acknowledged"
    assert (properties["acknowledged_by"], properties["acknowledge_note"]) == (
        "key:analyst",
        "QRF informed",
    )
    assert client.post(f"/api/v1/alerts/{raised['id']}/ack", headers=analyst).status_code == 409
    resolved = client.post(f"/api/v1/alerts/{raised['id']}/resolve", headers=analyst)
    assert resolved.json()["properties"]["status"] == "resolved"
    assert [e[0] for e in events(db)] == ["alert.created", "alert.acknowledged", "alert.resolved"]
    assert alerts(client, status="resolved")[0]["id"] == raised["id"]
    assert alerts(client, status="open") == []


def test_cap_messages_follow_the_alert_through_its_versions(client: TestClient) -> None:
    far = square(BENI[0] + 0.06, BENI[1])
    created = client.post("/api/v1/camps", json=camp(far, name="Mavivi"), headers=GEOJSON).json()
    client.post("/api/v1/incidents", json=incident(*BENI), headers=GEOJSON)
    [alert] = alerts(client, rule="1")
    first = etree.fromstring(client.get(f"/api/v1/alerts/{alert['id']}/cap").content)
    assert first.findtext("cap:msgType", namespaces=CAP) == "Alert"
    assert first.findtext("cap:info/cap:urgency", namespaces=CAP) == "Future"
    assert first.findtext("cap:restriction", namespaces=CAP) == "UN CONFIDENTIAL"

    client.patch(
        f"/api/v1/camps/{created['id']}",
        json={"geometry": {"type": "Polygon", "coordinates": [square(BENI[0] + 0.01, BENI[1])]}},
        headers=GEOJSON,
    )
    update = client.get(f"/api/v1/alerts/{alert['id']}/cap").content
    assert cap_problems(update) == []
    updated = etree.fromstring(update)
    assert updated.findtext("cap:msgType", namespaces=CAP) == "Update"
    assert updated.findtext("cap:info/cap:severity", namespaces=CAP) == "Extreme"
    first_ref = ",".join(
        first.findtext(f"cap:{tag}", namespaces=CAP) or ""
        for tag in ("sender", "identifier", "sent")
    )
    assert updated.findtext("cap:references", namespaces=CAP) == first_ref
    polygon = updated.findtext("cap:info/cap:area/cap:polygon", namespaces=CAP) or ""
    lat, lon = (float(v) for v in polygon.split()[0].split(","))
    assert abs(lat - BENI[1]) < 0.01 and abs(lon - BENI[0]) < 0.05  # lat,lon order

    client.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"note": "patrol cleared it"})
    cancel = client.get(f"/api/v1/alerts/{alert['id']}/cap").content
    assert cap_problems(cancel) == []
    assert etree.fromstring(cancel).findtext("cap:msgType", namespaces=CAP) == "Cancel"

    feed = etree.fromstring(client.get("/api/v1/alerts/cap.atom").content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    link = feed.find("a:entry/a:link", atom)
    assert link is not None and link.get("href", "").endswith(f"/alerts/{alert['id']}/cap")


def test_alert_filters_and_clearance(client: TestClient, role_keys: RoleKeys) -> None:
    client.post(
        "/api/v1/camps",
        json=camp(square(*BENI), classification="unclassified"),
        headers=GEOJSON,
    )
    client.post(
        "/api/v1/incidents",
        json=collection(
            incident(*BENI, classification="unclassified"),
            incident(BENI[0] + 0.03, BENI[1], classification="strictly_confidential"),
        ),
        headers=GEOJSON,
    )
    proximity = [a for a in alerts(client) if a["properties"]["rule_kind"] == "proximity"]
    assert {a["properties"]["level"] for a in proximity} == {"critical", "warning"}
    assert [a["properties"]["level"] for a in alerts(client, level="critical")] == ["critical"]
    assert alerts(client, target="camp:1") and not alerts(client, target="camp:2")
    viewer = client.get("/api/v1/alerts", headers=bearer(role_keys.unclassified_viewer)).json()
    assert {f["properties"]["classification"] for f in viewer["features"]} == {"unclassified"}
    hidden = next(a for a in proximity if a["properties"]["classification"] != "unclassified")
    assert (
        client.get(
            f"/api/v1/alerts/{hidden['id']}/cap", headers=bearer(role_keys.unclassified_viewer)
        ).status_code
        == 404
    )
    assert client.get("/api/v1/alerts", params={"target": "tank:1"}).status_code == 400


def test_cap_expires_and_instructs_as_the_rule_says(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    db.execute("UPDATE rule SET enabled = (kind = 'cluster')")
    [cluster_rule] = [
        r for r in client.get("/api/v1/rules").json()["items"] if r["kind"] == "cluster"
    ]
    assert cluster_rule["params"]["expires_hours"] == 24  # the default, shown
    changed = client.patch(
        f"/api/v1/rules/{cluster_rule['id']}",
        json={"params": {**cluster_rule["params"], "expires_hours": 2,
                         "instruction": "Double the guard at Beni."}},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    posted = client.post(
        "/api/v1/incidents", json=collection(*[near_beni(i) for i in range(3)]), headers=GEOJSON
    ).json()
    [surge] = posted["alerts"]
    document = client.get(f"/api/v1/alerts/{surge['id']}/cap").content
    assert cap_problems(document) == []
    root = etree.fromstring(document)
    sent = datetime.fromisoformat(root.findtext("cap:sent", namespaces=CAP))
    expires = datetime.fromisoformat(root.findtext("cap:info/cap:expires", namespaces=CAP))
    assert expires - sent == timedelta(hours=2)
    assert root.findtext("cap:info/cap:instruction", namespaces=CAP) == "Double the guard at Beni."
    # The rule as read carried the French default; it does not stand beside new English.
    assert [info.findtext("cap:language", namespaces=CAP) for info in root.iterfind(
        "cap:info", namespaces=CAP)] == ["en-US"]  # fmt: skip
    rule_now = changed.json()
    assert rule_now["params"]["instruction_fr"] is None
    french = client.patch(
        f"/api/v1/rules/{cluster_rule['id']}",
        json={"params": {**rule_now["params"], "instruction_fr": "Doublez la garde à Beni."}},
    )
    assert french.status_code == 200, french.text
    client.post("/api/v1/incidents", json=near_beni(3), headers=GEOJSON)  # a new version
    root = etree.fromstring(client.get(f"/api/v1/alerts/{surge['id']}/cap").content)
    infos = {
        info.findtext("cap:language", namespaces=CAP): info.findtext(
            "cap:instruction", namespaces=CAP
        )
        for info in root.iterfind("cap:info", namespaces=CAP)
    }
    assert infos == {"en-US": "Double the guard at Beni.", "fr": "Doublez la garde à Beni."}
    assert root.findtext("cap:info/cap:web", namespaces=CAP) == (
        f"http://testserver/?alert={surge['id']}"
    )
    assert root.findtext("cap:info/cap:contact", namespaces=CAP) == (
        "Joint Operations Centre duty officer"
    )
    refused = client.patch(
        f"/api/v1/rules/{cluster_rule['id']}",
        json={"params": {**cluster_rule["params"], "instruction": "bad\u000bline"}},
    )
    assert refused.status_code == 422


def test_every_cap_message_meets_the_google_public_alerts_profile(client: TestClient) -> None:
    """Alert, Update and Cancel messages of proximity alerts (a camp with a 200-character
    name) and of a surge: none of the profile's errors or recommendations."""
    long_name = "Mavivi " + "team site " * 19 + "end"
    assert len(long_name) == 200
    far = square(BENI[0] + 0.06, BENI[1])
    made = client.post("/api/v1/camps", json=camp(far, name=long_name), headers=GEOJSON).json()
    posted = client.post(
        "/api/v1/incidents", json=collection(*[near_beni(i) for i in range(3)]), headers=GEOJSON
    ).json()
    kinds = {a["properties"]["rule_kind"] for a in posted["alerts"]}
    assert kinds == {"proximity", "cluster"}
    documents = [client.get(f"/api/v1/alerts/{a['id']}/cap").content for a in posted["alerts"]]
    moved = {"type": "Polygon", "coordinates": [square(*BENI)]}  # now around them
    client.patch(f"/api/v1/camps/{made['id']}", json={"geometry": moved}, headers=GEOJSON)
    documents += [client.get(f"/api/v1/alerts/{a['id']}/cap").content for a in posted["alerts"]]
    for alert in posted["alerts"]:
        client.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"note": "cleared"})
        documents.append(client.get(f"/api/v1/alerts/{alert['id']}/cap").content)
    msg_types = {etree.fromstring(d).findtext("cap:msgType", namespaces=CAP) for d in documents}
    assert msg_types == {"Alert", "Update", "Cancel"}
    headlines = [etree.fromstring(d).findtext("cap:info/cap:headline", namespaces=CAP) or ""
                 for d in documents]  # fmt: skip
    assert max(len(h) for h in headlines) > 100  # the long name reached a headline
    for document in documents:
        assert cap_problems(document) == []
        assert google_profile.errors(document) == []
        assert google_profile.recommendations(document) == []


def test_the_google_profile_check_finds_what_it_looks_for(client: TestClient) -> None:
    client.post("/api/v1/camps", json=camp(square(*BENI)), headers=GEOJSON)
    [alert] = client.post("/api/v1/incidents", json=near_beni(0), headers=GEOJSON).json()["alerts"]
    good = client.get(f"/api/v1/alerts/{alert['id']}/cap").content
    assert google_profile.errors(good) == []
    root = etree.fromstring(good)
    info = root.find("cap:info", CAP)
    assert info is not None
    for tag in ("expires", "web"):
        member = info.find(f"cap:{tag}", CAP)
        assert member is not None
        info.remove(member)
    headline = info.find("cap:headline", CAP)
    assert headline is not None
    headline.text = "x" * 141
    broken = etree.tostring(root)
    assert google_profile.errors(broken) == [
        "info[0]: <web> is required", "info[0]: <expires> is required",
    ]  # fmt: skip
    assert google_profile.recommendations(broken) == [
        "info[0]: the headline is longer than 140 characters"
    ]
