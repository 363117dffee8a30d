"""CASEVAC: from an incident to every medical facility by road, fastest first, and the
incident's 10-1-2 verdict (issue 20).

The incident and each facility join the network at the nearest point of the nearest
road edge (within the reader's clearance); the carry between them and the road counts
at ``offroad_kmh``. pgRouting's ``pgr_withPoints`` routes between those points (a
point splits its edge, so a facility on the same road as the incident is reached
along it), one-way roads only forwards, over the edges within a box around the
incident and the facilities (``REACH_DEGREES`` wider). A facility with no path is
listed as unreachable, never dropped.

The UN's 10-1-2 timeline (Medical Support Manual for UN Field Missions): first aid
within 10 minutes, damage-control resuscitation within 1 hour, damage-control surgery
within 2 hours. Bluewatch asks the road for each: a facility of at least the step's
level within its minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import NotFound
from bluewatch.network.joins import (
    REACH_DEGREES,
    Place,
    box_around,
    nearest_edge,
    place,
    points_sql,
)
from bluewatch.network.speeds import Season, edges_sql, rainy


@dataclass(frozen=True)
class Step:
    name: str
    minutes: int
    min_level: int


TIMELINE = (
    Step("first_aid", 10, 1),
    Step("damage_control", 60, 2),
    Step("surgery", 120, 2),
)

# The incident (pid 1) and each facility (pid 2, 3, …, with what the answer says of
# it), with the nearest point of the nearest edge each may use: its edge, where along it
# (0 at the edge's source, 1 at its target), and the carry to it in metres.
PLACES = text(f"""
    WITH places AS (
        SELECT 1 AS pid, NULL::bigint AS record_id, i.geom, NULL AS name,
               NULL::smallint AS level, NULL AS kind, NULL AS classification
        FROM incident i
        WHERE i.id = :incident_id AND i.classification <= CAST(:clearance AS classification)
        UNION ALL
        SELECT 1 + row_number() OVER (ORDER BY f.id), f.id, f.geom, f.name, f.level, f.kind,
               f.classification::text
        FROM facility f
        WHERE f.classification <= CAST(:clearance AS classification)
          AND EXISTS (SELECT 1 FROM incident i WHERE i.id = :incident_id
                        AND i.classification <= CAST(:clearance AS classification))
    )
    SELECT p.pid, p.record_id, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
           p.name, p.level, p.kind, p.classification,
           near.edge_id, near.fraction, near.offroad_m
    FROM places p
    {nearest_edge("p.geom")}
    ORDER BY p.pid
""")

# Each facility's path from the incident: travel time on the road, the road line (each
# edge cut where a point splits it, turned the way it is travelled) and its length.
PATHS = text("""
    WITH points AS (
        SELECT * FROM unnest(CAST(:pids AS bigint[]), CAST(:edge_ids AS bigint[]),
                             CAST(:fractions AS float8[])) AS p(pid, edge_id, fraction)
    ), path AS (
        SELECT * FROM pgr_withPoints(:edges, :points, -1, CAST(:ends AS bigint[]),
                                     directed => true, driving_side => 'b', details => false)
    ), steps AS (
        SELECT path.end_pid, path.path_seq, path.node, path.edge, path.agg_cost,
               lead(path.node) OVER (PARTITION BY path.end_pid ORDER BY path.path_seq) AS next
        FROM path
    ), pieces AS (
        SELECT s.end_pid, s.path_seq, e.geom,
               CASE WHEN s.node < 0 THEN (SELECT fraction FROM points WHERE pid = -s.node)
                    WHEN s.node = e.source THEN 0 ELSE 1 END AS from_at,
               CASE WHEN s.next < 0 THEN (SELECT fraction FROM points WHERE pid = -s.next)
                    WHEN s.next = e.source THEN 0 ELSE 1 END AS to_at
        FROM steps s JOIN road_edge e ON e.id = s.edge
    ), lines AS (
        SELECT end_pid,
               ST_MakeLine(array_agg(
                   CASE WHEN from_at <= to_at THEN ST_LineSubstring(geom, from_at, to_at)
                        ELSE ST_Reverse(ST_LineSubstring(geom, to_at, from_at)) END
                   ORDER BY path_seq)) AS line
        FROM pieces GROUP BY end_pid
    )
    SELECT -t.end_pid AS pid, t.seconds, ST_AsGeoJSON(lines.line, 6) AS line,
           coalesce(ST_Length(lines.line::geography), 0) AS road_m
    FROM (SELECT end_pid, max(agg_cost) AS seconds FROM path GROUP BY end_pid) t
    LEFT JOIN lines USING (end_pid)
""")


async def casevac(
    connection: AsyncConnection,
    incident_id: int,
    clearance: Classification,
    seasons: list[Season],
    offroad_kmh: float,
    today: date,
) -> dict[str, Any]:
    """The FeatureCollection: one Feature per facility the reader may see, fastest
    first, unreachable ones last; and the incident's 10-1-2 verdict."""
    values = {"incident_id": incident_id, "clearance": clearance.value}
    rows = (await connection.execute(PLACES, values)).all()
    places = [place(row) for row in rows]
    if not places or places[0].pid != 1:
        raise NotFound(f"No incident {incident_id}.")
    incident, facilities = places[0], places[1:]
    offroad_speed = offroad_kmh / 3.6
    in_rain = rainy(seasons, today)
    found: dict[int, tuple[float, Any, float]] = {}
    joined = [p for p in places if p.edge_id is not None]
    if incident.edge_id is not None and len(joined) > 1:
        paths = await connection.execute(
            PATHS,
            {
                "pids": [p.pid for p in joined],
                "edge_ids": [p.edge_id for p in joined],
                "fractions": [p.fraction for p in joined],
                "edges": edges_sql(clearance, in_rain, box_around(places, REACH_DEGREES)),
                "points": points_sql(joined),
                "ends": [-p.pid for p in joined if p.pid != 1],
            },
        )
        found = {path.pid: (path.seconds, path.line, path.road_m) for path in paths}
    features = [
        _feature(facility, incident, row, found.get(facility.pid), offroad_speed)
        for facility, row in zip(facilities, rows[1:], strict=True)
    ]
    features.sort(key=_fastest_first)
    return {
        "type": "FeatureCollection",
        "incident_id": incident_id,
        "offroad_kmh": offroad_kmh,
        "rainy_season": in_rain,
        "timeline": verdict(features),
        "features": features,
    }


def _feature(
    place: Place,
    incident: Place,
    facility: Any,
    path: tuple[float, Any, float] | None,
    offroad_speed: float,
) -> dict[str, Any]:
    """One facility's route; ``facility`` is its row of ``PLACES``."""
    properties: dict[str, Any] = {
        "facility_id": facility.record_id,
        "facility_name": facility.name,
        "level": facility.level,
        "kind": facility.kind,
        "classification": facility.classification,
        "reachable": path is not None,
        "travel_time_s": None,
        "distance_m": None,
        "offroad_m": None,
    }
    geometry = None
    if path is not None:
        seconds, line, road_m = path
        offroad_m = (incident.offroad_m or 0) + (place.offroad_m or 0)
        properties |= {
            "travel_time_s": round(seconds + offroad_m / offroad_speed, 1),
            "distance_m": round(road_m + offroad_m, 1),
            "offroad_m": round(offroad_m, 1),
        }
        road = orjson.loads(line)["coordinates"] if line else []
        geometry = {
            "type": "LineString",
            "coordinates": [[incident.lon, incident.lat], *road, [place.lon, place.lat]],
        }
    return {
        "type": "Feature",
        "id": facility.record_id,
        "geometry": geometry,
        "properties": properties,
    }


def _fastest_first(feature: dict[str, Any]) -> tuple[bool, float, int]:
    seconds = feature["properties"]["travel_time_s"]
    return (seconds is None, seconds or 0.0, feature["id"])


def verdict(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each step of 10-1-2: the fastest facility of at least its level, and whether
    it is reached within the step's minutes."""
    steps = []
    for step in TIMELINE:
        fastest = next(
            (
                f["properties"]
                for f in features
                if f["properties"]["reachable"]
                and (f["properties"]["level"] or 0) >= step.min_level
            ),
            None,
        )
        seconds = fastest["travel_time_s"] if fastest else None
        steps.append(
            {
                "step": step.name,
                "minutes": step.minutes,
                "min_level": step.min_level,
                "met": seconds is not None and seconds <= step.minutes * 60,
                "facility_id": fastest["facility_id"] if fastest else None,
                "travel_time_s": seconds,
            }
        )
    return steps
