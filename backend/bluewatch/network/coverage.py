"""Medical coverage (issue 20): the area from which a casualty reaches a facility of at
least a level of care within N minutes, by the carry to the nearest road and the road.

pgRouting's ``pgr_withPointsDD`` searches from every such facility at once over the
edges turned round (the ways *to* the facility; one-way roads count the right way),
as far as the longest time any of them has left after its own carry to the road, each
road vertex going to the facility it reaches soonest (``equicost``: one search, not one
per facility; 4.3 s -> 1.1 s for 20 facilities at 60 minutes on 100k segments). A
vertex counts the time its soonest facility leaves it, which may be a little less than
another facility with a shorter carry would leave: less than the truth, never more. The
area is the union of, for every road vertex reached with time to spare, a circle of
what the carry covers in that time; and for every edge leaving a reached vertex, the
part of it driven in the time left, 50 m either side (the road and its verges). A
point between two vertices of a long edge is covered by the edge's corridor, not by a
circle of its own: the area is the roads' reach plus what is carried to them, a little
less than the whole truth, never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.network.joins import nearest_edge, place, points_sql
from bluewatch.network.speeds import Season, edges_sql, rainy, speed_sql

CORRIDOR_M = 50  # either side of a road driven
CIRCLE_SEGMENTS = 8  # per quarter circle

FACILITIES = text(f"""
    SELECT row_number() OVER (ORDER BY f.id) AS pid, f.id AS record_id,
           ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat,
           near.edge_id, near.fraction, near.offroad_m
    FROM facility f
    {nearest_edge("f.geom")}
    WHERE f.classification <= CAST(:clearance AS classification) AND f.level >= :level
    ORDER BY f.id
""")

SEARCH = """
    SELECT dd.node, max(b.budget - dd.agg_cost) AS spare
    FROM pgr_withPointsDD(:edges, :points, CAST(:starts AS bigint[]), :longest,
                          directed => true, driving_side => 'b', details => false,
                          equicost => true) dd
    JOIN unnest(CAST(:pids AS bigint[]), CAST(:budgets AS float8[])) AS b(pid, budget)
      ON b.pid = -dd.start_vid
    WHERE dd.node > 0 AND dd.agg_cost <= b.budget
    GROUP BY dd.node
"""
NOTHING_REACHED = "SELECT NULL::bigint AS node, NULL::float8 AS spare WHERE false"


@cache
def area_statement(in_rain: bool, searched: bool) -> TextClause:
    """The covered area: circles of carry about the road vertices reached (each with the
    most time left from any facility), the share of each edge from a reached vertex the
    time left drives (towards the vertex, the way it is driven), and the carry straight
    to each facility. ``searched``: some facility joins the network in time."""
    return text(f"""
        WITH reached AS ({SEARCH if searched else NOTHING_REACHED}
        ), circles AS (
            SELECT ST_Buffer(v.geom::geography, r.spare * :carry_speed,
                             'quad_segs={CIRCLE_SEGMENTS}')::geometry AS area
            FROM reached r JOIN road_vertex v ON v.id = r.node
            WHERE r.spare * :carry_speed >= 1
        ), driven AS (
            SELECT ST_Buffer(
                       CASE WHEN e.source = r.node
                            THEN ST_LineSubstring(e.geom, 0, least(1, r.spare / e.seconds))
                            ELSE ST_LineSubstring(e.geom, 1 - least(1, r.spare / e.seconds), 1)
                       END::geography, {CORRIDOR_M}, 'quad_segs=2')::geometry AS area
            FROM reached r
            JOIN LATERAL (
                SELECT e.geom, e.source, e.length_m / {speed_sql(in_rain)} AS seconds
                FROM road_edge e
                WHERE (e.source = r.node OR e.target = r.node)
                  AND e.classification <= CAST(:clearance AS classification)
                  AND (NOT e.oneway OR e.target = r.node)
            ) e ON e.seconds > 0
        ), walked AS (
            SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography,
                             :seconds * :carry_speed,
                             'quad_segs={CIRCLE_SEGMENTS}')::geometry AS area
            FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS f(lon, lat)
        )
        SELECT ST_AsGeoJSON(ST_Multi(ST_Union(area)), 6) AS area
        FROM (SELECT area FROM circles UNION ALL SELECT area FROM driven
              UNION ALL SELECT area FROM walked) pieces
    """)


@dataclass(frozen=True)
class Reach:
    level: int
    minutes: int


async def coverage(
    connection: AsyncConnection,
    reach: Reach,
    clearance: Classification,
    seasons: list[Season],
    offroad_kmh: float,
    today: date,
) -> dict[str, Any]:
    """A FeatureCollection of one Feature: the covered area (a MultiPolygon, null when no
    facility of the level is visible), with the level, the minutes and the facilities."""
    values = {"clearance": clearance.value, "level": reach.level}
    places = [place(row) for row in await connection.execute(FACILITIES, values)]
    carry_speed = offroad_kmh / 3.6
    seconds = reach.minutes * 60
    joined = [p for p in places if p.edge_id is not None]
    budgets = [seconds - (p.offroad_m or 0) / carry_speed for p in joined]
    starts = [(p, budget) for p, budget in zip(joined, budgets, strict=True) if budget > 0]
    in_rain = rainy(seasons, today)
    area = None
    if places:
        # The search's values, when some facility joins the network in time.
        search = (
            {
                "pids": [p.pid for p, _ in starts],
                "budgets": [budget for _, budget in starts],
                "edges": edges_sql(clearance, in_rain, box=None, towards=True),
                "points": points_sql([p for p, _ in starts]),
                "starts": [-p.pid for p, _ in starts],
                "longest": max(budget for _, budget in starts),
            }
            if starts
            else {}
        )
        row = (
            await connection.execute(
                area_statement(in_rain, bool(starts)),
                {
                    **search,
                    "clearance": clearance.value,
                    "carry_speed": carry_speed,
                    "seconds": seconds,
                    "lons": [p.lon for p in places],
                    "lats": [p.lat for p in places],
                },
            )
        ).one()
        area = orjson.loads(row.area) if row.area else None
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"level-{reach.level}-{reach.minutes}-min",
                "geometry": area,
                "properties": {
                    "level": reach.level,
                    "minutes": reach.minutes,
                    "facilities": len(places),
                    "offroad_kmh": offroad_kmh,
                    "rainy_season": in_rain,
                },
            }
        ],
    }
