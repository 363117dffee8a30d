"""One leak test over every output path (issue 14).

Hypothesis builds a small world (camps, a route, incidents near a camp and in a surge,
each at a random classification), then reclassifies and moves some of it. For each
principal below full clearance, every output must equal what a database holding only
the records at or below that clearance gives:

- layer outputs hold exactly the visible records (lists, bbox, gets, OGC items and
  extents, tiles, TileJSON, every export format, the bundle, map zones);
- CASEVAC lists only visible facilities and routes only over visible roads;
- tasks (an alert handed to a unit) show only when their alert and unit may be seen,
  the units offered for an alert are visible ones, and the response-time report counts
  visible alerts and tasks only;
- alert outputs hold exactly the alerts whose marking is within clearance, and each
  alert's marking is the highest of what it rests on now (JSON, CAP, Atom, exports);
- the SSE replay holds exactly the events marked within clearance; the live stream
  never carried an alert marked above it; pending webhook payloads and the audit log
  name nothing hidden; an import dry run counts the alerts a real write shows; single
  POSTs written together answer each writer within its clearance.

Every record carries a unique marker in its title or name; no hidden marker may appear
in any byte of any output. Each check also asserts that the visible markers are there,
so an empty answer cannot pass. A new output path joins ``_outputs`` below.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import mapbox_vector_tile
import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bluewatch.classification import Classification
from bluewatch.events.client import SSEListener
from bluewatch.layers import LAYERS as SPECS
from tests.aio import run
from tests.api.test_alert_grouping import members
from tests.conftest import RoleKeys, bearer, fold_digests, make_key, reset_tables
from tests.factories import GEOJSON, camp, facility, incident, road, route, square, unit

pytestmark = pytest.mark.slow

GOMA = (29.2228, -1.6792)
BENI = (29.4731, 0.4911)
LEVELS = [level.value for level in Classification]
LAYERS = ("incidents", "routes", "camps", "roads", "facilities", "units")
READERS = ("unclassified", "confidential")
STREAM = "/api/v1/alerts/stream"
# z8 tiles holding Goma and Beni.
TILES = [(8, 148, 129), (8, 148, 127)]
FILE_FORMATS = ("geojson", "geojsonseq", "csv", "kml", "gpkg", "shp.zip")


@dataclass
class Plan:
    camps: list[str]
    routes: list[str]
    roads: list[str]  # 0: east-west through Goma, 1: north-south (they cross at Goma)
    facilities: list[str]
    units: list[str]  # each tasked to an alert, when there is one
    incidents: list[tuple[str, str, int]]  # classification, place, step
    changes: list[tuple[str, int, str]]  # layer, index, new classification
    move_first_camp: bool


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    level = st.sampled_from(LEVELS)
    return Plan(
        camps=draw(st.lists(level, min_size=1, max_size=2)),
        routes=draw(st.lists(level, max_size=1)),
        roads=draw(st.lists(level, min_size=1, max_size=2)),
        facilities=draw(st.lists(level, min_size=1, max_size=2)),
        units=draw(st.lists(level, min_size=1, max_size=2)),
        incidents=draw(
            st.lists(
                st.tuples(level, st.sampled_from(["goma", "beni"]), st.integers(0, 3)),
                min_size=1,
                max_size=5,
            )
        ),
        changes=draw(
            st.lists(
                st.tuples(st.sampled_from(LAYERS), st.integers(0, 4), level),
                max_size=3,
            )
        ),
        move_first_camp=draw(st.booleans()),
    )


@dataclass
class Record:
    layer: str
    id: int
    marker: str
    classification: str
    coordinates: list[list[float]]  # every vertex, for extents


@dataclass
class Tasked:
    id: int
    alert_id: int
    unit_id: int
    marking: str  # the task's own, when it was made


@dataclass
class World:
    records: list[Record] = field(default_factory=list)
    tasks: list[Tasked] = field(default_factory=list)

    def visible(self, clearance: str, layer: str | None = None) -> list[Record]:
        rank = LEVELS.index(clearance)
        return [
            r
            for r in self.records
            if LEVELS.index(r.classification) <= rank and layer in (None, r.layer)
        ]

    def hidden_markers(self, clearance: str) -> set[str]:
        shown = {r.marker for r in self.visible(clearance)}
        return {r.marker for r in self.records} - shown

    def by_id(self, layer: str, record_id: int) -> Record:
        return next(r for r in self.records if r.layer == layer and r.id == record_id)


def _vertices(geometry: dict[str, Any]) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    if geometry["type"] == "LineString":
        return list(geometry["coordinates"])
    return [p for ring in geometry["coordinates"] for p in ring]


def _build(client: TestClient, plan: Plan) -> World:
    world = World()

    def post(layer: str, feature: dict[str, Any], marker_field: str) -> None:
        marker = f"zq{uuid.uuid4().hex[:12]}"
        feature["properties"][marker_field] = marker
        response = client.post(f"/api/v1/{layer}", json=feature, headers=GEOJSON)
        assert response.status_code == 201, response.text
        body = response.json()
        world.records.append(
            Record(
                layer, body["id"], marker, body["properties"]["classification"],
                _vertices(body["geometry"]),
            )
        )  # fmt: skip

    for index, level in enumerate(plan.camps):
        ring = square(GOMA[0] + index * 0.02, GOMA[1])
        post("camps", camp(ring, classification=level), "name")
    for level in plan.routes:
        post("routes", route(classification=level), "name")
    for index, level in enumerate(plan.roads):
        steps = [round(k * 0.01, 6) for k in range(-5, 6)]
        line = (
            [[round(GOMA[0] + d, 6), GOMA[1]] for d in steps]
            if index == 0
            else [[GOMA[0], round(GOMA[1] + d, 6)] for d in steps]
        )
        post("roads", road(line, classification=level), "name")
    for index, level in enumerate(plan.facilities):
        spot = (GOMA[0] + 0.03, GOMA[1] + 0.0005) if index == 0 else (GOMA[0], GOMA[1] + 0.03)
        post("facilities", facility(*spot, classification=level), "name")
    for level, place, step in plan.incidents:
        lon, lat = (GOMA[0] + step * 0.001, GOMA[1]) if place == "goma" else (
            BENI[0] + step * 0.01, BENI[1])  # fmt: skip
        post("incidents", incident(lon, lat, classification=level), "title")
    for index, level in enumerate(plan.units):
        post("units", unit(GOMA[0] + 0.02 + index * 0.01, GOMA[1] + 0.0005,
                           classification=level), "name")  # fmt: skip
    alerts = client.get("/api/v1/alerts", params={"status": "open,acknowledged", "limit": 10000})
    alerts = alerts.json()["features"]
    for index, record in enumerate(r for r in world.records if r.layer == "units"):
        if not alerts:
            break
        alert_id = alerts[index % len(alerts)]["id"]
        task = client.post(f"/api/v1/alerts/{alert_id}/tasks", json={"unit_id": record.id})
        assert task.status_code == 201, task.text
        world.tasks.append(Tasked(task.json()["id"], alert_id, record.id,
                                  task.json()["classification"]))  # fmt: skip
    for layer, index, level in plan.changes:
        layer_records = [r for r in world.records if r.layer == layer]
        if not layer_records:
            continue
        record = layer_records[index % len(layer_records)]
        changed = client.patch(
            f"/api/v1/{layer}/{record.id}", json={"properties": {"classification": level}}
        )
        assert changed.status_code == 200, changed.text
        record.classification = level
    if plan.move_first_camp:
        first = next(r for r in world.records if r.layer == "camps")
        ring = square(GOMA[0] + 0.05, GOMA[1] + 0.05)
        moved = client.patch(
            f"/api/v1/camps/{first.id}",
            json={"geometry": {"type": "Polygon", "coordinates": [ring]}},
        )
        assert moved.status_code == 200, moved.text
        first.coordinates = ring
    return world


def _expected_marking(world: World, alert: dict[str, Any]) -> str:
    properties = alert["properties"]
    sources = [
        world.by_id("incidents", i).classification
        for i in {*alert["members"], properties["incident_id"]} - {None}
    ]
    if properties["target"] is not None:
        layer = properties["target"]["type"] + "s"
        sources.append(world.by_id(layer, properties["target"]["id"]).classification)
    return max(sources, key=LEVELS.index)


def _unpacked(body: bytes) -> Iterator[bytes]:
    """The body, and every member when it is a zip archive."""
    yield body
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                yield from _unpacked(archive.read(name))


def _assert_nothing_hidden(body: bytes, hidden: set[str], where: str) -> None:
    for part in _unpacked(body):
        leaked = {m for m in hidden if m.encode() in part}
        assert not leaked, f"{where} shows hidden records {leaked}"


def _names(features: list[dict[str, Any]]) -> set[str]:
    return {f["properties"].get("title") or f["properties"].get("name") for f in features}


@dataclass
class Reader:
    clearance: str
    analyst: dict[str, str]
    admin: dict[str, str]


def _layer_outputs(client: TestClient, world: World, reader: Reader) -> None:
    hidden = world.hidden_markers(reader.clearance)
    for layer in LAYERS:
        shown = {r.marker for r in world.visible(reader.clearance, layer)}
        for params in ({}, {"bbox": "28,-3,31,2"}):
            listed = client.get(f"/api/v1/{layer}", params=params, headers=reader.analyst)
            assert _names(listed.json()["features"]) == shown, (layer, params)
        ogc = client.get(
            f"/ogc/collections/{layer}/items", params={"limit": 1000}, headers=reader.analyst
        )
        assert _names(ogc.json()["features"]) == shown
        assert ogc.json()["numberMatched"] == len(shown)
        # A CQL2 filter asking for every marking, or only the top one (above every
        # reader here), is still cleared.
        assert LEVELS[-1] not in READERS
        for condition, kept in (
            ("classification >= 'unclassified' OR TRUE", shown),
            (f"classification = '{LEVELS[-1]}'", set()),
        ):
            filtered = client.get(
                f"/ogc/collections/{layer}/items",
                params={"limit": 1000, "filter": condition},
                headers=reader.analyst,
            )
            assert _names(filtered.json()["features"]) == kept, condition
            assert filtered.json()["numberMatched"] == len(kept)
        for record in (r for r in world.records if r.layer == layer):
            for path in (
                f"/api/v1/{layer}/{record.id}",
                f"/ogc/collections/{layer}/items/{record.id}",
            ):
                expected = 404 if record.marker in hidden else 200
                assert client.get(path, headers=reader.analyst).status_code == expected, path
        collection = client.get(f"/ogc/collections/{layer}", headers=reader.analyst).json()
        vertices = [p for r in world.visible(reader.clearance, layer) for p in r.coordinates]
        if vertices:
            bbox = collection["extent"]["spatial"]["bbox"][0]
            expected_bbox = [
                min(p[0] for p in vertices), min(p[1] for p in vertices),
                max(p[0] for p in vertices), max(p[1] for p in vertices),
            ]  # fmt: skip
            assert bbox == pytest.approx(expected_bbox, abs=1e-6), layer
        for z, x, y in TILES:
            tile = client.get(f"/api/v1/tiles/{layer}/{z}/{x}/{y}.pbf", headers=reader.analyst)
            assert tile.status_code == 200
            _assert_nothing_hidden(tile.content, hidden, f"{layer} tile")
            decoded = mapbox_vector_tile.decode(tile.content)
            ids = {f["id"] for part in decoded.values() for f in part["features"]}
            assert ids <= {r.id for r in world.visible(reader.clearance, layer)}
        tile_json = client.get(f"/api/v1/tiles/{layer}.json", headers=reader.analyst)
        _assert_nothing_hidden(tile_json.content, hidden, f"{layer} TileJSON")
        for fmt in FILE_FORMATS:
            exported = client.get(f"/api/v1/export/{layer}.{fmt}", headers=reader.analyst)
            assert exported.status_code == 200, (layer, fmt)
            _assert_nothing_hidden(exported.content, hidden, f"{layer}.{fmt}")
            if fmt == "geojson":
                assert _names(exported.json()["features"]) == shown
    for path in (
        "/ogc/collections",
        "/ogc/collections/incidents/queryables",
        "/api/v1/export/bundle.zip",
        "/api/v1/map/zones",
    ):
        response = client.get(path, headers=reader.analyst)
        assert response.status_code == 200, path
        _assert_nothing_hidden(response.content, hidden, path)


def _casevac_outputs(client: TestClient, world: World, reader: Reader) -> None:
    """Each incident's CASEVAC: a 404 when the incident is hidden; otherwise exactly the
    visible facilities, each route over visible roads only (every position but the
    incident and the facility lies on one), and no hidden marker. The coverage counts
    the visible facilities only, and has no area when none is visible."""
    hidden = world.hidden_markers(reader.clearance)
    facilities = {r.id for r in world.visible(reader.clearance, "facilities")}
    roads = shapely.MultiLineString(
        [r.coordinates for r in world.visible(reader.clearance, "roads")]
    )
    for record in (r for r in world.records if r.layer == "incidents"):
        response = client.get(f"/api/v1/incidents/{record.id}/casevac", headers=reader.analyst)
        if record.marker in hidden:
            assert response.status_code == 404
            continue
        assert response.status_code == 200, response.text
        _assert_nothing_hidden(response.content, hidden, "casevac")
        features = response.json()["features"]
        assert {f["id"] for f in features} == facilities
        for feature in features:
            if feature["geometry"] is None:
                continue
            for position in feature["geometry"]["coordinates"][1:-1]:
                assert roads.distance(shapely.Point(position)) < 1e-7, position
    covered = client.get("/api/v1/coverage", params={"minutes": 30}, headers=reader.analyst)
    assert covered.status_code == 200
    _assert_nothing_hidden(covered.content, hidden, "coverage")
    [area] = covered.json()["features"]
    assert area["properties"]["facilities"] == len(facilities)
    assert (area["geometry"] is None) == (not facilities)


def _alert_outputs(
    client: TestClient, world: World, reader: Reader, everything: list[dict[str, Any]]
) -> set[int]:
    hidden = world.hidden_markers(reader.clearance)
    rank = LEVELS.index(reader.clearance)
    visible = {a["id"] for a in everything if LEVELS.index(_expected_marking(world, a)) <= rank}
    listed = client.get("/api/v1/alerts", params={"limit": 10000}, headers=reader.analyst)
    assert {a["id"] for a in listed.json()["features"]} == visible
    _assert_nothing_hidden(listed.content, hidden, "alert list")
    for alert in everything:
        expected = 200 if alert["id"] in visible else 404
        for path in (
            f"/api/v1/alerts/{alert['id']}",
            f"/api/v1/alerts/{alert['id']}/cap",
            f"/api/v1/alerts/{alert['id']}/members?limit=1000",
        ):
            response = client.get(path, headers=reader.analyst)
            assert response.status_code == expected, path
            _assert_nothing_hidden(response.content, hidden, path)
    for path in ("/api/v1/alerts/cap.atom", *(f"/api/v1/export/alerts.{f}" for f in FILE_FORMATS)):
        response = client.get(path, headers=reader.analyst)
        assert response.status_code == 200, path
        _assert_nothing_hidden(response.content, hidden, path)
    return visible


def _about(data: dict[str, Any]) -> int:
    """The alert an event is about: an alert's own (a Feature) or its task's."""
    return int(data["alert_id"] if "alert_id" in data and "unit" in data else data["id"])


def _marked(data: dict[str, Any]) -> str:
    return str(data.get("properties", data)["classification"])


def _tasking_outputs(
    client: TestClient, world: World, reader: Reader, everything: list[dict[str, Any]],
    visible_alerts: set[int],
) -> None:  # fmt: skip
    """Tasks show when their own marking, their alert and their unit are within
    clearance; the units offered are the visible ones on no task; the report counts
    visible alerts and the alerts with a visible task, and names nothing hidden."""
    rank = LEVELS.index(reader.clearance)
    hidden = world.hidden_markers(reader.clearance)
    units = {r.id for r in world.visible(reader.clearance, "units")}
    shown = {
        t.id
        for t in world.tasks
        if LEVELS.index(t.marking) <= rank and t.alert_id in visible_alerts and t.unit_id in units
    }
    listed = client.get("/api/v1/tasks", headers=reader.analyst)
    assert {t["id"] for t in listed.json()["tasks"]} == shown
    _assert_nothing_hidden(listed.content, hidden, "task list")
    for task in world.tasks:
        one = client.get(f"/api/v1/tasks/{task.id}", headers=reader.analyst)
        assert one.status_code == (200 if task.id in shown else 404)
        _assert_nothing_hidden(one.content, hidden, "task")
    free = units - {t.unit_id for t in world.tasks}
    for alert in everything:
        offered = client.get(
            f"/api/v1/alerts/{alert['id']}/units?limit=100", headers=reader.analyst
        )
        if alert["id"] not in visible_alerts:
            assert offered.status_code == 404
            continue
        assert {u["unit_id"] for u in offered.json()["units"]} == free
        _assert_nothing_hidden(offered.content, hidden, "units offered")
    report = client.get("/api/v1/reports/response-times", headers=reader.analyst)
    [overall] = [g for g in report.json()["groups"] if g["group"] == "all"]
    assert overall["alerts"] == len(visible_alerts)
    assert overall["tasked"] == len({t.alert_id for t in world.tasks if t.id in shown})
    for body in (report.content, client.get(
            "/api/v1/reports/response-times.csv", headers=reader.analyst).content):  # fmt: skip
        _assert_nothing_hidden(body, hidden, "response-time report")


def _stream_outputs(
    live_server: str,
    db: psycopg.Connection[tuple[object, ...]],
    reader: Reader,
    live: SSEListener,
    world: World,
    visible_alerts: set[int],
) -> None:
    """Events of an alert the reader cannot see now are never replayed nor sent to the
    reader's webhook; of the visible alerts, every event published within clearance is."""
    rows = db.execute(
        "SELECT id, alert_id FROM event"
        " WHERE classification <= %s AND alert_id IS NOT NULL ORDER BY id",
        (reader.clearance,),
    ).fetchall()
    expected = [int(str(row[0])) for row in rows]
    assert {int(str(row[1])) for row in rows} <= visible_alerts
    # What is marked within clearance now was so when it was sent: the live stream
    # received all of it, and nothing it received was marked above the reader then.
    received = live.until(lambda ms: set(expected) <= {m.id for m in ms})
    for message in received:
        assert LEVELS.index(_marked(message.data["data"])) <= LEVELS.index(reader.clearance)

    replay = SSEListener(live_server + STREAM, reader.analyst, last_event_id=0)
    try:
        first = replay.until(lambda ms: len(ms) >= len(expected))
        replay.comments.get(timeout=15)  # the first heartbeat: the replay has ended
        rest = []
        while not replay.messages.empty():
            rest.append(replay.messages.get_nowait())
    finally:
        replay.close()
    assert [m.id for m in first + rest] == expected
    assert {_about(m.data["data"]) for m in first + rest} <= visible_alerts
    hidden = world.hidden_markers(reader.clearance)
    payloads = db.execute(
        "SELECT d.payload, d.event_id FROM webhook_delivery d "
        "JOIN webhook w ON w.id = d.webhook_id "
        "WHERE w.description = %s AND d.status <> 'withheld'",
        (reader.clearance,),
    ).fetchall()
    assert set(expected) <= {int(str(row[1])) for row in payloads}
    for payload, _ in payloads:
        _assert_nothing_hidden(str(payload).encode(), hidden, "webhook payload")
        assert _about(json.loads(str(payload))["data"]) in visible_alerts


def _digest_outputs(
    db: psycopg.Connection[tuple[object, ...]], world: World, reader: Reader, visible: set[int]
) -> None:
    """A digest subscription's messages (critical alerts on their own, the rest in
    digests) hold nothing above its clearance, and every event within it reaches it."""
    expected = {
        int(str(row[0]))
        for row in db.execute(
            "SELECT id FROM event WHERE classification <= %s AND alert_id IS NOT NULL",
            (reader.clearance,),
        )
    }
    rows = db.execute(
        "SELECT d.payload, d.event_type, d.status FROM webhook_delivery d "
        "JOIN webhook w ON w.id = d.webhook_id "
        "WHERE w.description = %s AND d.status NOT IN ('withheld', 'digested')",
        (f"{reader.clearance} digest",),
    ).fetchall()
    hidden = world.hidden_markers(reader.clearance)
    reached: set[int] = set()
    for payload, event_type, status in rows:
        _assert_nothing_hidden(str(payload).encode(), hidden, "webhook digest")
        message = json.loads(str(payload))
        events = message["data"]["events"] if event_type == "alert.digest" else [message]
        assert status != "held"  # every held message was folded
        for event in events:
            assert _about(event["data"]) in visible
            reached.add(int(event["id"]))
    assert expected <= reached


def _layer_event_outputs(
    live_server: str, db: psycopg.Connection[tuple[object, ...]], world: World, reader: Reader
) -> None:
    """The layer changes a reader is told of (``layers=true``, replayed from the start):
    exactly the events marked within clearance and not meant only for readers below it
    (a record reclassified above them), naming records only, never their content."""
    rank = LEVELS.index(reader.clearance)
    rows = db.execute(
        "SELECT id, classification::text, hidden_from::text FROM event "
        "WHERE layer IS NOT NULL ORDER BY id"
    ).fetchall()
    expected = [
        int(str(event_id))
        for event_id, marked, hidden_from in rows
        if LEVELS.index(str(marked)) <= rank
        and (hidden_from is None or rank < LEVELS.index(str(hidden_from)))
    ]
    assert rows, "the world's writes made layer events: the check below has something to see"
    replay = SSEListener(f"{live_server}{STREAM}?layers=true", reader.analyst, last_event_id=0)
    try:
        received = replay.until(
            lambda ms: len([m for m in ms if "layer" in m.data["data"]]) >= len(expected)
        )
        replay.comments.get(timeout=15)  # the first heartbeat: the replay has ended
        while not replay.messages.empty():
            received.append(replay.messages.get_nowait())
    finally:
        replay.close()
    layered = [m for m in received if "layer" in m.data["data"]]
    assert [m.id for m in layered] == expected
    for message in layered:
        assert set(message.data["data"]) == {"layer", "id"}
    _assert_nothing_hidden(
        json.dumps([m.data for m in layered]).encode(),
        world.hidden_markers(reader.clearance),
        "layer events",
    )


def _audit_output(client: TestClient, world: World, reader: Reader) -> None:
    entries = client.get("/api/v1/audit", params={"limit": 1000}, headers=reader.admin)
    assert entries.status_code == 200
    hidden = {
        (SPECS[r.layer].table, str(r.id))
        for r in world.records
        if r.marker in world.hidden_markers(reader.clearance)
    }
    about = {(e["object_type"], e["object_id"]) for e in entries.json()["items"]}
    assert not hidden & about
    shown = {(SPECS[r.layer].table, str(r.id)) for r in world.visible(reader.clearance)}
    assert shown <= about


def _import_report(client: TestClient, world: World, reader: Reader) -> None:
    """A dry run counts exactly the alerts the same write shows its writer, and its
    mission area is the extent of the camps and routes the writer sees (widened)."""
    feature = incident(GOMA[0], GOMA[1], classification=reader.clearance, title="import probe")
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    report = client.post(
        "/api/v1/import/incidents?dry_run=true", content=body, headers=GEOJSON | reader.analyst
    )
    assert report.status_code == 200, report.text
    written = client.post("/api/v1/incidents", json=feature, headers=GEOJSON | reader.analyst)
    assert written.status_code == 201, written.text
    assert report.json()["alerts"] == len(written.json()["alerts"])
    vertices = [
        vertex
        for record in world.visible(reader.clearance)
        if record.layer in ("camps", "routes")
        for vertex in record.coordinates
    ]
    area = report.json()["mission_area"]
    if not vertices:
        assert area is None
    else:
        lons, lats = [v[0] for v in vertices], [v[1] for v in vertices]
        margin = 1.0  # bluewatch.io.mission_area.MARGIN_DEGREES
        expected = [min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin]
        assert area == pytest.approx(expected, abs=1e-9)


def _grouped_answers(live_server: str, world: World, reader: Reader, top: dict[str, str]) -> None:
    """Single POSTs sent at once share a transaction (layers/group_commit.py), beside a
    top-cleared writer's incidents that raise alerts marked above the reader: each of the
    reader's answers holds its own alerts, and none above the reader's clearance."""
    writers = [(reader.clearance, reader.analyst), ("strictly_confidential", top)] * 4

    async def post_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:
            posts = [
                http.post(
                    "/api/v1/incidents",
                    json=incident(
                        GOMA[0] + n * 1e-5, GOMA[1], classification=level, title=f"group probe {n}"
                    ),
                    headers=GEOJSON | headers,
                )
                for n, (level, headers) in enumerate(writers)
            ]
            return list(await asyncio.gather(*posts))

    responses = run(post_all())
    assert [r.status_code for r in responses] == [201] * len(writers)
    above = [a for r in responses[1::2] for a in r.json()["alerts"]]
    assert any(a["properties"]["classification"] == "strictly_confidential" for a in above)
    ceiling = Classification(reader.clearance).rank
    for response in responses[0::2]:
        _assert_nothing_hidden(response.content, world.hidden_markers(reader.clearance),
                               "a grouped POST's answer")  # fmt: skip
        answered = response.json()["alerts"]
        assert all(Classification(a["properties"]["classification"]).rank <= ceiling
                   for a in answered)  # fmt: skip
        # Between the alerts it raised (that the reader sees) and all resting on it now
        # (as the top reader sees them: others' incidents may since have raised a
        # surge's marking above the reader).
        incident_id = response.json()["id"]

        def resting_on(headers: dict[str, str], incident_id: int = incident_id) -> list[Any]:
            params = {"incident": incident_id, "limit": 10000}
            found = httpx.get(f"{live_server}/api/v1/alerts", params=params, headers=headers)
            features: list[Any] = found.json()["features"]
            return features

        raised = {
            a["id"]
            for a in resting_on(reader.analyst)
            if a["properties"]["incident_id"] == incident_id
        }
        resting = {a["id"] for a in resting_on(top)}
        assert raised <= {a["id"] for a in answered} <= resting


@pytest.fixture(scope="module")
def readers(database_url: str) -> dict[str, Reader]:
    return {
        level: Reader(
            level,
            bearer(make_key(database_url, "analyst", level, name=f"leak-analyst-{level}")),
            bearer(make_key(database_url, "admin", level, name=f"leak-admin-{level}")),
        )
        for level in READERS
    }


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
# Always: a facility a coverage alert was judged with, raised above the camps' readers
# (the alert's earlier events named it once).
@example(
    plan=Plan(
        camps=["unclassified", "unclassified"], routes=["unclassified"],
        roads=["unclassified", "unclassified"], facilities=["unclassified", "unclassified"],
        units=["unclassified"], incidents=[("unclassified", "goma", 0)],
        changes=[("facilities", 0, "strictly_confidential")], move_first_camp=False,
    )
)  # fmt: skip
# Always: a unit tasked, then raised above every reader (its task must go with it).
@example(
    plan=Plan(
        camps=["unclassified"], routes=[], roads=["unclassified"], facilities=["unclassified"],
        units=["unclassified"], incidents=[("unclassified", "goma", 0)],
        changes=[("units", 0, "strictly_confidential")], move_first_camp=False,
    )
)  # fmt: skip
def test_every_output_equals_the_world_within_clearance(
    plan: Plan,
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    default_rules: list[tuple[object, ...]],
    readers: dict[str, Reader],
    live_server: str,
    role_keys: RoleKeys,
    database_url: str,
) -> None:
    reset_tables(db, default_rules)
    # Every kind of rule runs: baseline surges too (seeded off; here from 2 incidents).
    db.execute(
        "UPDATE rule SET enabled = true, params = params || '{\"min_count\": 2}'"
        " WHERE kind = 'baseline'"
    )
    # And the coverage rules (seeded off): camps and routes judged by the road network.
    db.execute("UPDATE rule SET enabled = true WHERE kind = 'coverage'")
    print("PLAN", plan)
    for level in READERS:
        for description, digest in ((level, 0), (f"{level} digest", 5)):
            subscribed = client.post(
                "/api/v1/webhooks",
                json={"url": "http://127.0.0.1:9/hook", "clearance": level,
                      "description": description, "digest_minutes": digest},
            )  # fmt: skip
            assert subscribed.status_code == 201, subscribed.text
    streams = {
        level: SSEListener(live_server + STREAM, readers[level].analyst) for level in READERS
    }
    try:
        world = _build(client, plan)
        everything = client.get("/api/v1/alerts", params={"limit": 10000}).json()["features"]
        for alert in everything:
            alert["members"] = members(client, alert["id"])  # as the top reader sees them
            assert alert["properties"]["classification"] == _expected_marking(world, alert)
        db.execute(
            "UPDATE webhook_delivery SET created_at = now() - interval '5 minutes'"
            " WHERE status = 'held'"
        )
        fold_digests(database_url)
        for level in READERS:
            reader = readers[level]
            _layer_outputs(client, world, reader)
            _casevac_outputs(client, world, reader)
            visible_alerts = _alert_outputs(client, world, reader, everything)
            _tasking_outputs(client, world, reader, everything, visible_alerts)
            _stream_outputs(live_server, db, reader, streams[level], world, visible_alerts)
            _digest_outputs(db, world, reader, visible_alerts)
            _layer_event_outputs(live_server, db, world, reader)
            _audit_output(client, world, reader)
        for level in READERS:
            _import_report(client, world, readers[level])
            _grouped_answers(live_server, world, readers[level], bearer(role_keys.admin))
    finally:
        for listener in streams.values():
            listener.close()
