"""Which units to send: the available units the reader may see, by road travel time
from each unit's last known position to the alert (issue 20).

A unit on a task, or marked unavailable, is not offered. The alert's point and each
unit join the network as in CASEVAC (``joins.py``); one search from the alert over the
edges turned round (``edges_sql(towards=True)``) gives every unit's time *to* it, one
way roads taken only the way they run. A unit with no road to the alert is listed
after the others with its straight-line distance, never dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import NotFound
from bluewatch.network.joins import REACH_DEGREES, box_around, nearest_edge, place, points_sql
from bluewatch.network.speeds import Season, edges_sql, rainy
from bluewatch.tasking.tasks import ACTIVE_SQL

# The alert (pid 1) and each unit that can be sent (pid 2, 3, …).
PLACES = text(f"""
    WITH alert_place AS (
        SELECT a.geom FROM alert a
        WHERE a.id = :alert_id AND a.classification <= CAST(:clearance AS classification)
    ), places AS (
        SELECT 1 AS pid, NULL::bigint AS record_id, geom, NULL AS name, NULL AS kind,
               NULL AS classification
        FROM alert_place
        UNION ALL
        SELECT 1 + row_number() OVER (ORDER BY u.id), u.id, u.geom, u.name, u.kind,
               u.classification::text
        FROM unit u
        WHERE u.classification <= CAST(:clearance AS classification) AND u.available
          AND EXISTS (SELECT 1 FROM alert_place)
          AND NOT EXISTS (SELECT 1 FROM task t
                          WHERE t.unit_id = u.id AND t.status IN ({ACTIVE_SQL}))
    )
    SELECT p.pid, p.record_id, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
           p.name, p.kind, p.classification,
           ST_Distance(p.geom::geography, (SELECT geom FROM alert_place)::geography)
               AS straight_m,
           near.edge_id, near.fraction, near.offroad_m
    FROM places p
    {nearest_edge("p.geom")}
    ORDER BY p.pid
""")

COSTS = text("""
    SELECT -end_pid AS pid, agg_cost AS seconds
    FROM pgr_withPointsCost(:edges, :points, -1, CAST(:ends AS bigint[]),
                            directed => true, driving_side => 'b')
""")


async def nearest_units(
    connection: AsyncConnection,
    alert_id: int,
    clearance: Classification,
    seasons: list[Season],
    offroad_kmh: float,
    today: date,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` units, fastest first; unreachable ones last, nearest first."""
    values = {"alert_id": alert_id, "clearance": clearance.value}
    rows = (await connection.execute(PLACES, values)).all()
    if not rows or rows[0].pid != 1:
        raise NotFound(f"No such alert (id {alert_id}).")
    places = [place(row) for row in rows]
    target = places[0]
    joined = [p for p in places if p.edge_id is not None]
    seconds: dict[int, float] = {}
    if target.edge_id is not None and len(joined) > 1:
        found = await connection.execute(
            COSTS,
            {
                "edges": edges_sql(
                    clearance, rainy(seasons, today), box_around(places, REACH_DEGREES), True
                ),
                "points": points_sql(joined),
                "ends": [-p.pid for p in joined if p.pid != 1],
            },
        )
        seconds = {row.pid: row.seconds for row in found}
    offroad_speed = offroad_kmh / 3.6
    units = []
    for unit, row in zip(places[1:], rows[1:], strict=True):
        road_s = seconds.get(unit.pid)
        carry_m = (unit.offroad_m or 0) + (target.offroad_m or 0)
        units.append(
            {
                "unit_id": unit.record_id,
                "name": row.name,
                "kind": row.kind,
                "classification": row.classification,
                "position": [unit.lon, unit.lat],
                "reachable": road_s is not None,
                "travel_time_s": None
                if road_s is None
                else round(road_s + carry_m / offroad_speed, 1),
                "straight_m": round(row.straight_m, 1),
            }
        )
    units.sort(key=_fastest_first)
    return units[:limit]


def _fastest_first(unit: dict[str, Any]) -> tuple[bool, float, int]:
    if unit["reachable"]:
        return (False, unit["travel_time_s"], unit["unit_id"])
    return (True, unit["straight_m"], unit["unit_id"])
