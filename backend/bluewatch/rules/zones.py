"""Alert zones: the bands of the enabled proximity rules drawn around camps and routes.

The map shows what the rules will flag: a ring per band around each camp and a
corridor per band along each route, buffered on the spheroid by PostGIS exactly
as far as the rule reaches. Only targets within the reader's clearance appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.layers.query import visible_to
from bluewatch.rules import store
from bluewatch.rules.params import ProximityParams
from bluewatch.rules.proximity import TARGET_TABLES


@dataclass(frozen=True, order=True)
class Zone:
    target: str  # camp | route
    distance_m: float
    level: str


async def zones(connection: AsyncConnection) -> list[Zone]:
    """Each (target kind, distance, level) of the enabled proximity rules, once."""
    found = {
        Zone(rule.params.target, band.distance_m, band.level.value)
        for rule in await store.enabled_rules(connection)
        if isinstance(rule.params, ProximityParams)
        for band in rule.params.bands
    }
    return sorted(found)


async def feature_collection(connection: AsyncConnection, clearance: Classification) -> bytes:
    """Every zone as a GeoJSON polygon, assembled by PostGIS."""
    parts: list[str] = []
    params: dict[str, object] = {}
    every_zone = await zones(connection)
    for target, table in TARGET_TABLES.items():
        bands = [zone for zone in every_zone if zone.target == target]
        if not bands:
            continue
        sql_filter = visible_to("t", clearance)
        params |= sql_filter.params | {
            f"{target}_levels": [zone.level for zone in bands],
            f"{target}_distances": [zone.distance_m for zone in bands],
        }
        parts.append(
            f"""
            SELECT json_build_object(
                'type', 'Feature',
                'geometry', ST_AsGeoJSON(
                    ST_Buffer(t.geom::geography, b.distance_m, 'quad_segs=16')::geometry, 6
                )::json,
                'properties', json_build_object(
                    'target_type', '{target}', 'target_id', t.id, 'name', t.name,
                    'level', b.level, 'distance_m', b.distance_m,
                    'classification', t.classification
                )
            ) AS feature
            FROM {table} t
            CROSS JOIN unnest(
                CAST(:{target}_levels AS text[]), CAST(:{target}_distances AS float8[])
            ) AS b(level, distance_m)
            WHERE {sql_filter.where}
            """
        )
    if not parts:
        return b'{"type":"FeatureCollection","features":[]}'
    union = " UNION ALL ".join(parts)
    row = await connection.execute(
        text(
            "SELECT json_build_object('type', 'FeatureCollection', 'features', "
            "coalesce(json_agg(z.feature ORDER BY "
            "(z.feature->'properties'->>'distance_m')::float8 DESC), '[]'::json))::text "
            f"FROM ({union}) z"
        ),
        params,
    )
    return str(row.scalar_one()).encode()
