"""The area a level of care covers within N minutes (issue 20), against real PostGIS and
pgRouting: on a straight road the edge of the area lies where the drive and the carry
take N minutes (a point just inside is covered, one just outside is not), one-way roads
count only towards the facility, and nobody is covered by a facility or a road above
their clearance."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Geod

from bluewatch.layers.roads import RoadClass
from bluewatch.network.coverage import CORRIDOR_M
from bluewatch.network.speeds import SPEED_KMH
from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, facility, road

GEOD = Geod(ellps="WGS84")
LAT = -1.68
WEST = 29.20
PRIMARY = SPEED_KMH[RoadClass.PRIMARY] / 3.6
CARRY = 5 / 3.6


def post(client: TestClient, layer: str, feature: dict[str, Any]) -> int:
    response = client.post(f"/api/v1/{layer}", json=feature, headers=GEOJSON)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def area(client: TestClient, **params: Any) -> tuple[shapely.Geometry | None, dict[str, Any]]:
    response = client.get("/api/v1/coverage", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    [feature] = response.json()["features"]
    geometry = feature["geometry"]
    return (shapely.geometry.shape(geometry) if geometry else None), feature["properties"]


def east_of_west(metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(WEST, LAT, 90, metres)
    return lon, lat


@pytest.fixture
def straight_road(client: TestClient) -> None:
    """A primary road due east from 29.20°E for 0.3° (33 km), a vertex every 0.01°, and a
    level 2 hospital on it at its west end."""
    line = [[round(WEST + 0.01 * i, 6), LAT] for i in range(31)]
    post(client, "roads", road(line, **{"class": "primary"}))
    post(client, "facilities", facility(WEST, LAT, level=2))


@pytest.mark.usefixtures("straight_road")
@pytest.mark.parametrize("minutes", [10, 30])
def test_the_area_ends_where_the_drive_takes_the_minutes(client: TestClient, minutes: int) -> None:
    covered, properties = area(client, level=2, minutes=minutes)
    assert covered is not None and properties["facilities"] == 1
    reach = minutes * 60 * PRIMARY  # along the road, the facility being on it
    inside = shapely.Point(east_of_west(reach * 0.98))
    outside = shapely.Point(east_of_west(reach * 1.02 + CORRIDOR_M))
    assert covered.contains(inside) and not covered.contains(outside)
    # Beside the road: 40 m off is within the corridor, 2 km off is beyond any carry left.
    lon, lat = east_of_west(reach / 2)
    assert covered.contains(shapely.Point(lon, lat - 40 / 110_574))
    assert not covered.contains(shapely.Point(lon, lat - 2_000 / 110_574))


@pytest.mark.usefixtures("straight_road")
def test_a_higher_level_than_any_facility_covers_nothing(client: TestClient) -> None:
    covered, properties = area(client, level=2, minutes=10)
    assert covered is not None  # the setup: the level 2 hospital covers
    covered, properties = area(client, level=3, minutes=10)
    assert covered is None and properties["facilities"] == 0


def test_a_one_way_road_covers_only_the_ways_to_the_facility(client: TestClient) -> None:
    """Eastward one-way from the facility: nobody east of it drives back to it."""
    post(client, "roads", road([[WEST, LAT], [WEST + 0.1, LAT]], oneway=True))
    post(client, "roads", road([[WEST - 0.1, LAT], [WEST, LAT]], oneway=True))
    post(client, "facilities", facility(WEST, LAT, level=1))
    covered, _ = area(client, level=1, minutes=20)
    assert covered is not None
    west = shapely.Point(WEST - 0.05, LAT)  # 5.6 km west, driving east to it: covered
    east = shapely.Point(WEST + 0.05, LAT)  # 5.6 km east, against the one-way
    assert covered.contains(west) and not covered.contains(east)


def test_nobody_is_covered_by_what_lies_above_their_clearance(
    client: TestClient, role_keys: RoleKeys
) -> None:
    post(client, "roads", road([[WEST, LAT], [WEST + 0.1, LAT]], classification="unclassified"))
    post(client, "facilities", facility(WEST, LAT, level=1, classification="unclassified"))
    post(client, "roads", road([[WEST, LAT], [WEST, LAT + 0.1]], **{"class": "motorway"},
                               classification="strictly_confidential"))  # fmt: skip
    post(client, "facilities", facility(WEST + 0.5, LAT, level=1,
                                        classification="strictly_confidential"))  # fmt: skip
    north = shapely.Point(WEST, LAT + 0.05)
    hidden_clinic = shapely.Point(WEST + 0.5, LAT)
    full, properties = area(client, level=1, minutes=10)
    assert full is not None and properties["facilities"] == 2
    assert full.contains(north) and full.contains(hidden_clinic)  # the setup worked
    response = client.get(
        "/api/v1/coverage", params={"level": 1, "minutes": 10},
        headers=bearer(role_keys.unclassified_viewer),
    )  # fmt: skip
    [feature] = response.json()["features"]
    low = shapely.geometry.shape(feature["geometry"])
    assert feature["properties"]["facilities"] == 1
    assert not low.contains(north) and not low.contains(hidden_clinic)
    assert low.contains(shapely.Point(WEST + 0.05, LAT))


@pytest.mark.parametrize(
    "params", [{"level": 0}, {"level": 4}, {"minutes": 0}, {"minutes": 241}, {"level": "two"}]
)
def test_levels_and_minutes_out_of_range_are_refused(
    client: TestClient, params: dict[str, Any]
) -> None:
    for good in ({"level": 3}, {"level": 1}, {"minutes": 240}, {"minutes": 1}):
        assert client.get("/api/v1/coverage", params=good).status_code == 200
    response = client.get("/api/v1/coverage", params=params)
    assert response.status_code == 400  # a bad query parameter, as everywhere
    assert response.headers["content-type"] == "application/problem+json"


def test_a_facility_off_the_network_covers_what_is_carried_to_it(client: TestClient) -> None:
    """No road: the area is the carry straight to the facility (10 min at 5 km/h: 833 m)."""
    post(client, "facilities", facility(WEST, LAT, level=1))
    covered, properties = area(client, level=1, minutes=10)
    assert covered is not None and properties["facilities"] == 1
    assert covered.contains(shapely.Point(east_of_west(800)))
    assert not covered.contains(shapely.Point(east_of_west(870)))
