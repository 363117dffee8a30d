"""The mission's area, against which imported features are checked.

A file with longitude and latitude swapped imports to the wrong continent without a
single invalid coordinate; a file from another mission imports silently too. Neither
is refused (a mission may well record something far away), but the import report warns
about every feature outside the area, and says when swapping its coordinates would put
it inside.

The area is ``BLUEWATCH_MISSION_AREA`` (west,south,east,north) when configured, else
the extent of the camps and routes the importer may see, widened by ``MARGIN_DEGREES``
(about 110 km); with neither, nothing is checked.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.layers.query import visible_to

Box = tuple[float, float, float, float]  # west, south, east, north

MARGIN_DEGREES = 1.0

OUTSIDE = "lies outside the mission area"
SWAPPED = f"{OUTSIDE}; its longitude and latitude look swapped"


async def mission_area(
    connection: AsyncConnection, configured: Box | None, clearance: Classification
) -> Box | None:
    """The configured area, or the visible camps and routes widened by the margin."""
    if configured is not None:
        return configured
    camps, routes = visible_to("c", clearance), visible_to("r", clearance)
    row = (
        await connection.execute(
            text(f"""
                SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                    SELECT ST_Extent(geom) AS e FROM (
                        SELECT c.geom FROM camp c WHERE {camps.where}
                        UNION ALL
                        SELECT r.geom FROM route r WHERE {routes.where}
                    ) mission
                ) extent
            """),
            {**camps.params, **routes.params},
        )
    ).one()
    if row[0] is None:
        return None
    west, south, east, north = (float(value) for value in row)
    return (
        max(-180.0, west - MARGIN_DEGREES),
        max(-90.0, south - MARGIN_DEGREES),
        min(180.0, east + MARGIN_DEGREES),
        min(90.0, north + MARGIN_DEGREES),
    )


def _meets(bounds: Box, area: Box) -> bool:
    return not (
        bounds[2] < area[0] or bounds[0] > area[2] or bounds[3] < area[1] or bounds[1] > area[3]
    )


def placement_warning(geometry: dict[str, Any], area: Box) -> str | None:
    """None when the geometry meets the area; else what is wrong with where it lies."""
    west, south, east, north = shape(geometry).bounds
    if _meets((west, south, east, north), area):
        return None
    if _meets((south, west, north, east), area):
        return SWAPPED
    return OUTSIDE
