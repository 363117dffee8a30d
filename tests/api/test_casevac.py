"""Roads form a network, and CASEVAC routes over it (issue 20), against real PostGIS and
pgRouting: times equal the same sum done by hand (pyproj.Geod lengths, the class
speeds, the carry), one-way roads are driven forwards only, a facility on a separate
network says it is unreachable, and nobody routes over a road or to a facility above
their clearance."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from bluewatch.db.engine import Database
from bluewatch.layers.roads import RoadClass
from bluewatch.network import casevac
from bluewatch.network.speeds import SPEED_KMH
from bluewatch.seed import scenario
from tests.aio import run
from tests.conftest import RoleKeys, bearer, settings_for
from tests.factories import GEOJSON, facility, incident, road

GEOD = Geod(ellps="WGS84")
OFFROAD = 5 / 3.6  # the default carry, m/s
LAT = -1.68


def metres(coordinates: list[tuple[float, float]]) -> float:
    return float(sum(GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in pairwise(coordinates)))


def along(lon_from: float, lon_to: float, lat: float = LAT) -> list[tuple[float, float]]:
    """An east-west line with a vertex every 0.01°."""
    steps = round(abs(lon_to - lon_from) / 0.01)
    sign = 1 if lon_to > lon_from else -1
    return [(round(lon_from + sign * 0.01 * i, 6), lat) for i in range(steps + 1)]


def north(lon: float, lat_from: float, lat_to: float) -> list[tuple[float, float]]:
    steps = round(abs(lat_to - lat_from) / 0.01)
    return [(lon, round(lat_from + 0.01 * i, 6)) for i in range(steps + 1)]


def post(client: TestClient, layer: str, feature: dict[str, Any]) -> int:
    response = client.post(f"/api/v1/{layer}", json=feature, headers=GEOJSON)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def line(points: list[tuple[float, float]]) -> list[list[float]]:
    return [list(point) for point in points]


@pytest.fixture
def corridor(client: TestClient) -> dict[str, int]:
    """A primary road east-west at 1.68°S (29.20°E → 29.30°E), a track north from
    29.25°E to 1.60°S sharing its vertex, an incident 0.001° south of the primary at
    29.21°E, a level 2 hospital 0.001° north of the track's end, a level 1 aid post
    0.001° north of the primary at 29.29°E, and a level 3 hospital on a road of its own."""
    post(client, "roads", road(line(along(29.20, 29.30)), **{"class": "primary"}))
    post(client, "roads", road(line(north(29.25, LAT, -1.60)), **{"class": "track"}))
    post(client, "roads", road([[29.5, -1.5], [29.52, -1.5]], **{"class": "primary"}))
    return {
        "incident": post(client, "incidents", incident(29.21, LAT - 0.001)),
        "hospital": post(client, "facilities", facility(29.25, -1.599, level=2)),
        "aid_post": post(client, "facilities", facility(29.29, LAT + 0.001, level=1,
                                                        kind="aid_post", name="Aid post")),
        "island": post(client, "facilities", facility(29.51, -1.499, level=3, name="Island")),
    }  # fmt: skip


def test_roads_that_share_a_vertex_form_one_network(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], corridor: dict[str, int]
) -> None:
    edges = db.execute("SELECT count(*), count(DISTINCT road_id) FROM road_edge").fetchone()
    assert edges == (10 + 8 + 1, 3)  # one edge per segment
    shared = db.execute(
        "SELECT count(*) FROM road_vertex v WHERE (SELECT count(DISTINCT road_id) FROM road_edge e"
        " WHERE v.id IN (e.source, e.target)) = 2"
    ).fetchone()
    assert shared == (1,)  # the track meets the primary at one vertex


def test_casevac_lists_facilities_fastest_first_with_times_by_hand(
    client: TestClient, corridor: dict[str, int]
) -> None:
    response = client.get(f"/api/v1/incidents/{corridor['incident']}/casevac")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    order = [f["properties"]["facility_id"] for f in body["features"]]
    assert order == [corridor["aid_post"], corridor["hospital"], corridor["island"]]

    carry_in = GEOD.inv(29.21, LAT - 0.001, 29.21, LAT)[2]
    primary = SPEED_KMH[RoadClass.PRIMARY] / 3.6
    track = SPEED_KMH[RoadClass.TRACK] / 3.6
    aid_post = body["features"][0]["properties"]
    carry_out = GEOD.inv(29.29, LAT + 0.001, 29.29, LAT)[2]
    expected = metres(along(29.21, 29.29)) / primary + (carry_in + carry_out) / OFFROAD
    assert aid_post["travel_time_s"] == pytest.approx(expected, rel=0.001)
    assert aid_post["distance_m"] == pytest.approx(
        metres(along(29.21, 29.29)) + carry_in + carry_out, rel=0.001
    )
    hospital = body["features"][1]
    expected = (
        metres(along(29.21, 29.25)) / primary
        + metres(north(29.25, LAT, -1.60)) / track
        + 2 * carry_in / OFFROAD
    )
    assert hospital["properties"]["travel_time_s"] == pytest.approx(expected, rel=0.001)
    coordinates = hospital["geometry"]["coordinates"]
    assert coordinates[0] == [29.21, LAT - 0.001] and coordinates[-1] == [29.25, -1.599]
    assert [29.25, LAT] in coordinates  # it turned at the junction

    island = body["features"][2]
    assert island["properties"]["reachable"] is False
    assert island["geometry"] is None and island["properties"]["travel_time_s"] is None


def test_the_10_1_2_verdict_names_the_fastest_facility_of_each_level(
    client: TestClient, corridor: dict[str, int]
) -> None:
    body = client.get(f"/api/v1/incidents/{corridor['incident']}/casevac").json()
    timeline = {step["step"]: step for step in body["timeline"]}
    times = {f["id"]: f["properties"]["travel_time_s"] for f in body["features"]}
    # The aid post: 8.9 km of primary road and two carries of 111 m, about 16 minutes.
    assert timeline["first_aid"]["facility_id"] == corridor["aid_post"]
    assert timeline["first_aid"]["met"] is (times[corridor["aid_post"]] <= 600) is False
    # The level 2 hospital: 4.5 km of primary and 8.9 km of track, about 45 minutes.
    assert timeline["damage_control"]["facility_id"] == corridor["hospital"]
    assert timeline["damage_control"]["met"] is (times[corridor["hospital"]] <= 3600) is True
    assert timeline["surgery"]["met"] is True


@pytest.mark.parametrize(("seconds", "met"), [(600.0, True), (600.1, False)])
def test_a_step_is_met_at_its_minutes_and_not_past_them(seconds: float, met: bool) -> None:
    feature = {
        "id": 1,
        "properties": {"reachable": True, "level": 1, "travel_time_s": seconds, "facility_id": 1},
    }
    [first_aid, *_] = casevac.verdict([feature])
    assert first_aid["facility_id"] == 1 and first_aid["met"] is met


def test_a_one_way_road_is_driven_forwards_only(client: TestClient) -> None:
    """Westward one-way primary: a facility east of the incident is reached only by the
    slow two-way track loop around it, and the route says so in its time."""
    post(client, "roads", road(line(along(29.30, 29.20)), oneway=True))
    loop = [(29.20, LAT), (29.20, -1.70), (29.30, -1.70), (29.30, LAT)]
    post(client, "roads", road(line(loop), **{"class": "track"}))
    incident_id = post(client, "incidents", incident(29.22, LAT - 0.0005))
    east = post(client, "facilities", facility(29.28, LAT + 0.0005))
    west = post(client, "facilities", facility(29.21, LAT + 0.0005))
    body = client.get(f"/api/v1/incidents/{incident_id}/casevac").json()
    times = {f["id"]: f["properties"]["travel_time_s"] for f in body["features"]}
    primary = SPEED_KMH[RoadClass.PRIMARY] / 3.6
    # West, with the one-way: along it.
    assert times[west] == pytest.approx(
        metres([(29.22, LAT), (29.21, LAT)]) / primary + 2 * 55.3 / OFFROAD, rel=0.01
    )
    # East, against it: back west to 29.20, round the track loop, then west to 29.28.
    detour = (
        metres([(29.22, LAT), (29.20, LAT)]) / primary
        + metres(loop) / (SPEED_KMH[RoadClass.TRACK] / 3.6)
        + metres([(29.30, LAT), (29.28, LAT)]) / primary
    )
    assert times[east] == pytest.approx(detour + 2 * 55.3 / OFFROAD, rel=0.01)


def test_nobody_routes_over_a_road_or_to_a_facility_above_their_clearance(
    client: TestClient, role_keys: RoleKeys
) -> None:
    """A secret motorway straight across a track loop, and a secret clinic: the
    unclassified reader's route goes round the loop and does not list the clinic; the
    full-clearance reader's takes the motorway and lists both."""
    loop = [[29.21, LAT], [29.21, -1.65], [29.29, -1.65], [29.29, LAT]]
    post(client, "roads", road(loop, **{"class": "track"}, classification="unclassified"))
    motorway = [[29.21, LAT], [29.29, LAT]]
    post(client, "roads", road(motorway, **{"class": "motorway"},
                               classification="strictly_confidential"))  # fmt: skip
    incident_id = post(
        client, "incidents", incident(29.21, LAT - 0.001, classification="unclassified")
    )
    hospital = post(
        client, "facilities", facility(29.29, LAT + 0.001, classification="unclassified")
    )
    clinic = post(
        client,
        "facilities",
        facility(29.25, LAT - 0.002, name="Hidden clinic", classification="strictly_confidential"),
    )
    full = client.get(f"/api/v1/incidents/{incident_id}/casevac").json()
    assert {f["id"] for f in full["features"]} == {hospital, clinic}  # the setup worked
    fast = next(f for f in full["features"] if f["id"] == hospital)["properties"]
    low = client.get(
        f"/api/v1/incidents/{incident_id}/casevac",
        headers=bearer(role_keys.unclassified_viewer),
    )
    assert low.status_code == 200
    assert [f["id"] for f in low.json()["features"]] == [hospital]
    assert b"Hidden clinic" not in low.content
    slow = low.json()["features"][0]
    # Round the loop to the hospital, which lies on its last leg (no carry at that end).
    round_the_loop = metres([(29.21, LAT), (29.21, -1.65), (29.29, -1.65), (29.29, LAT + 0.001)])
    carry = GEOD.inv(29.21, LAT - 0.001, 29.21, LAT)[2]
    assert slow["properties"]["travel_time_s"] == pytest.approx(
        round_the_loop / (SPEED_KMH[RoadClass.TRACK] / 3.6) + carry / OFFROAD, rel=0.001
    )
    assert fast["travel_time_s"] < slow["properties"]["travel_time_s"] / 3
    assert [29.21, -1.65] in slow["geometry"]["coordinates"]


def test_a_missing_or_hidden_incident_is_a_404(
    client: TestClient, role_keys: RoleKeys, corridor: dict[str, int]
) -> None:
    secret = post(client, "incidents", incident(29.22, LAT, classification="strictly_confidential"))
    assert client.get(f"/api/v1/incidents/{secret}/casevac").status_code == 200  # exists
    hidden = client.get(
        f"/api/v1/incidents/{secret}/casevac", headers=bearer(role_keys.unclassified_viewer)
    )
    missing = client.get("/api/v1/incidents/999999/casevac")
    for response in (hidden, missing):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert hidden.json()["detail"] == missing.json()["detail"].replace("999999", str(secret))


async def _load_scenario(url: str) -> None:
    settings = settings_for(url)
    database = Database(url, settings)
    try:
        await scenario.load_into(database, settings)
    finally:
        await database.dispose()


def test_the_sample_scenario_routes_an_incident_near_goma_to_every_hospital(
    client: TestClient, database_url: str
) -> None:
    """`make run` shows CASEVAC out of the box: the sample roads join Goma to Sake,
    Kiwanja, Butembo, Beni and Bunia, so every facility is reachable from Goma (the
    Bunia hospital after most of a day), and the Goma hospital or its helipad is the nearest."""
    run(_load_scenario(database_url))
    goma = post(client, "incidents", incident(29.2300, -1.6600))  # 1 km off the HQ road
    body = client.get(f"/api/v1/incidents/{goma}/casevac").json()
    names = [f["properties"]["facility_name"] for f in body["features"]]
    assert len(names) == 10 and all(f["properties"]["reachable"] for f in body["features"])
    assert names[0] in ("Level 2 hospital Goma", "Goma airport helipad")
    bunia = next(f for f in body["features"] if f["properties"]["facility_name"].endswith("Bunia"))
    assert bunia["properties"]["travel_time_s"] > 6 * 3600  # about 430 km at 50 km/h
    timeline = {step["step"]: step for step in body["timeline"]}
    assert timeline["damage_control"]["met"] and timeline["surgery"]["met"]
