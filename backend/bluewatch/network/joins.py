"""Where a place (an incident, a facility) joins the road network: the nearest point of
the nearest edge the reader may see, and how far it is carried to get there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A point at an edge's very end is kept this far inside it (a millimetre on a kilometre):
# pgRouting replaces a point at 0 or 1 by the vertex there, and it would not be routed to.
ENDS = 1e-6
# How far past the places a route or search joins the network is read (degrees, ~55
# km): a road leaving the box and coming back is the only path it can miss.
REACH_DEGREES = 0.5
# Edges tried for the nearest (planar order in degrees, then the spheroid decides).
NEAREST_CANDIDATES = 8


def nearest_edge(place: str) -> str:
    """SQL: a LEFT JOIN LATERAL giving ``near.edge_id``, ``near.fraction`` (0 at the
    edge's source, 1 at its target) and ``near.offroad_m`` for the geometry column
    ``place``, over the edges within ``:clearance``."""
    return f"""
    LEFT JOIN LATERAL (
        SELECT c.id AS edge_id,
               least(greatest(ST_LineLocatePoint(c.geom, {place}), {ENDS}), 1 - {ENDS}) AS fraction,
               ST_Distance(c.geom::geography, {place}::geography) AS offroad_m
        FROM (SELECT e.id, e.geom FROM road_edge e
              WHERE e.classification <= CAST(:clearance AS classification)
              ORDER BY e.geom <-> {place} LIMIT {NEAREST_CANDIDATES}) c
        ORDER BY ST_Distance(c.geom::geography, {place}::geography), c.id
        LIMIT 1
    ) near ON true"""


@dataclass
class Place:
    pid: int
    record_id: int | None  # the facility or unit; none for the place routed from or to
    lon: float
    lat: float
    edge_id: int | None
    fraction: float | None
    offroad_m: float | None


PLACE_COLUMNS = tuple(Place.__dataclass_fields__)


def place(row: Any) -> Place:
    """A Place from a row that holds its columns (and maybe more)."""
    found = row._mapping
    return Place(**{name: found[name] for name in PLACE_COLUMNS})


def box_around(places: list[Place], margin: float) -> tuple[float, float, float, float]:
    """The box holding every place, ``margin`` degrees wider: the network read."""
    lons = [p.lon for p in places]
    lats = [p.lat for p in places]
    return (
        max(-180.0, min(lons) - margin),
        max(-90.0, min(lats) - margin),
        min(180.0, max(lons) + margin),
        min(90.0, max(lats) + margin),
    )


def points_sql(points: list[Place]) -> str:
    """pgRouting's points (a text it runs itself: integers and floats only)."""
    rows = ", ".join(
        f"({int(p.pid)}, {int(p.edge_id or 0)}, {float(p.fraction or 0)!r}::float8)" for p in points
    )
    return f"SELECT pid, edge_id, fraction FROM (VALUES {rows}) AS p(pid, edge_id, fraction)"
