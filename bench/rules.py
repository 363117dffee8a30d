"""W2 (proximity) and W3 (surges) on a fresh batch of incidents against the history.

Each run inserts the batch in a transaction, evaluates, and rolls back, so every run
sees the same history. W2 sets the set-based statements beside one query per incident
and checks their pairs against an in-process reference (a shapely STRtree for the
candidates, pyproj.Geod for the distances). W3 sets the surge statement beside the
same statement with its (lon, lat, days) index dropped inside the transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from sqlalchemy import Row as Row_
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.harness import SEED, Report, Row, World, median
from bluewatch.db.engine import Database
from bluewatch.rules import cluster, proximity, store
from bluewatch.rules.params import ClusterParams, ProximityParams
from bluewatch.rules.store import Rule
from bluewatch.seed.synthetic import CATEGORIES, HOTSPOTS

INSERT_BATCH = text("""
    INSERT INTO incident (geom, occurred_at, category, severity, title, classification)
    SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326), now() - make_interval(secs => age),
           category, severity, 'Bench incident', 'confidential'
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]), CAST(:ages AS float8[]),
                CAST(:categories AS text[]), CAST(:severities AS int[]))
         AS u(lon, lat, age, category, severity)
    RETURNING id
""")

BATCH_INCIDENTS = text("""
    SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, category, severity,
           extract(epoch FROM now() - occurred_at) AS age_s
    FROM incident WHERE id = ANY(:ids) ORDER BY id
""")

TARGETS = text("""
    SELECT 'camp' AS type, id, ST_AsBinary(geom) AS wkb, 'active' AS status,
           NULL::float8 AS from_s, NULL::float8 AS until_s
    FROM camp
    UNION ALL
    SELECT 'route', id, ST_AsBinary(geom), status,
           extract(epoch FROM now() - active_from), extract(epoch FROM now() - active_until)
    FROM route
""")

# What the proximity rules raised for a batch: alerts, and the (target, band) pairs they cover.
RAISED = text("""
    SELECT count(DISTINCT a.id) AS alerts,
           array_agg(DISTINCT a.target_type || ':' || a.target_id || ':' || a.level) AS covered
    FROM alert_member m JOIN alert a ON a.id = m.alert_id
    WHERE a.rule_kind = 'proximity' AND m.incident_id = ANY(:ids)
""")

PAIRS = text("""
    SELECT incident_id, target_type, target_id FROM alert
    WHERE rule_kind = 'proximity' AND incident_id = ANY(:ids)
""")


async def insert_batch(connection: AsyncConnection, size: int, seed: int) -> list[int]:
    """``size`` new incidents around the hotspots over the last two days."""
    rng = np.random.default_rng(seed)
    centres = HOTSPOTS[rng.integers(0, len(HOTSPOTS), size)] + rng.normal(0, 0.1, (size, 2))
    result = await connection.execute(
        INSERT_BATCH,
        {
            "lons": centres[:, 0].tolist(),
            "lats": centres[:, 1].tolist(),
            "ages": rng.uniform(0, 48 * 3600, size).tolist(),
            "categories": [CATEGORIES[i] for i in rng.integers(0, len(CATEGORIES), size)],
            "severities": rng.integers(1, 6, size).tolist(),
        },
    )
    return list(result.scalars())


async def _proximity(connection: AsyncConnection, rules: list[Rule], ids: list[int]) -> None:
    for rule in rules:
        await proximity.evaluate(connection, rule, proximity.Scope(incident_ids=ids))


async def _surges(connection: AsyncConnection, rules: list[Rule], ids: list[int]) -> None:
    for rule in rules:
        await cluster.evaluate(connection, rule, ids)


async def raised(
    database: Database, rules: list[Rule], size: int, seed: int
) -> tuple[float, set[str]]:
    """Alerts per incident the proximity rules raise for a batch, and the (target, band)
    pairs they cover (in a transaction rolled back)."""
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        ids = await insert_batch(connection, size, seed)
        await _proximity(connection, rules, ids)
        # Statistics of the alerts just written, or the planner may join them blind.
        await connection.execute(text("ANALYZE alert, alert_member"))
        row = (await connection.execute(RAISED, {"ids": ids})).one()
        await transaction.rollback()
    return int(row.alerts) / size, set(row.covered or [])


def with_cooldown(rules: list[Rule], minutes: float) -> list[Rule]:
    return [
        Rule(r.id, r.name, r.enabled, r.params.model_copy(update={"cooldown_minutes": minutes}))
        for r in rules
    ]


@dataclass
class Rates:
    set_based: list[float]
    baseline: list[float]


async def measure(
    world: World, report: Report, batch: int, sample: int, runs: int
) -> None:  # fmt: skip
    database = Database(world.url, world.settings)
    w2, w3 = Rates([], []), Rates([], [])
    w3_open: list[float] = []
    reference_rates: list[float] = []
    unindexed = sample // 5  # without its index, each seed scans the whole history
    differences: list[float] = []
    pairs_found: list[int] = []
    per_incident: Rates = Rates([], [])  # grouped (cooldown 60 min), one alert per incident
    same_cover: list[bool] = []
    try:
        async with database.read() as connection:
            rules = await store.enabled_rules(connection)
        near = [r for r in rules if isinstance(r.params, ProximityParams)]
        surges = [r for r in rules if isinstance(r.params, ClusterParams)]
        for run in range(runs):
            async with database.engine.connect() as connection:
                transaction = await connection.begin()
                ids = await insert_batch(connection, batch, SEED + run)
                started = time.perf_counter()
                await _proximity(connection, near, ids)
                w2.set_based.append(batch / (time.perf_counter() - started))
                ours = {tuple(row) for row in await connection.execute(PAIRS, {"ids": ids})}
                started = time.perf_counter()
                theirs = await reference_pairs(connection, near, ids)
                reference_rates.append(batch / (time.perf_counter() - started))
                pairs_found.append(len(ours))
                differences.append(len(ours ^ theirs) / max(1, len(ours | theirs)))

                started = time.perf_counter()
                await _surges(connection, surges, ids)
                w3.set_based.append(batch / (time.perf_counter() - started))
                # The live state: the next batch at the same hotspots, while the surges
                # the first one formed are open.
                ids = await insert_batch(connection, batch, SEED + 50 + run)
                started = time.perf_counter()
                await _surges(connection, surges, ids)
                w3_open.append(batch / (time.perf_counter() - started))
                await transaction.rollback()

            plain, plain_cover = await raised(database, near, batch, SEED + run)
            grouped, grouped_cover = await raised(
                database, with_cooldown(near, 60), batch, SEED + run
            )
            per_incident.set_based.append(grouped)
            per_incident.baseline.append(plain)
            same_cover.append(plain_cover == grouped_cover)

            async with database.engine.connect() as connection:
                transaction = await connection.begin()
                ids = await insert_batch(connection, sample, SEED + 100 + run)
                started = time.perf_counter()
                for incident_id in ids:
                    await _proximity(connection, near, [incident_id])
                w2.baseline.append(sample / (time.perf_counter() - started))
                await transaction.rollback()

            async with database.engine.connect() as connection:
                transaction = await connection.begin()
                ids = await insert_batch(connection, batch, SEED + run)
                await connection.execute(text("DROP INDEX ix_incident_space_time"))
                started = time.perf_counter()
                await _surges(connection, surges, ids[:unindexed])
                w3.baseline.append(unindexed / (time.perf_counter() - started))
                await transaction.rollback()
    finally:
        await database.dispose()
    report.add(
        Row(
            "W2 proximity", f"set-based, {batch:,}-incident batch, camp and route rules",
            median(w2.set_based), "incidents/s", "one query per incident",
            median(w2.baseline), "≥ 5× per-incident",
        )
    )  # fmt: skip
    report.add(
        Row(
            "W2 proximity", "reference pairs in process (STRtree + pyproj.Geod)",
            median(reference_rates), "incidents/s",
        )
    )  # fmt: skip
    report.add(Row("W2 proximity", "pairs (incident, camp or route) per batch",
                   median(pairs_found), "pairs"))  # fmt: skip
    report.add(
        Row(
            "W2 proximity", "pairs differing from the pyproj.Geod reference",
            100 * max(differences), "%", target="≤ 0.1 %",
        )
    )  # fmt: skip
    report.add(
        Row(
            "alerts per incident", f"proximity, {batch:,}-incident batch, cooldown 60 min",
            median(per_incident.set_based), "alerts/incident", "no cooldown (one per incident)",
            median(per_incident.baseline), "several times fewer, same (target, band) pairs",
        )
    )  # fmt: skip
    report.add(
        Row(
            "alerts per incident", "runs whose grouped alerts cover the same (target, band) pairs",
            100 * sum(same_cover) / max(1, len(same_cover)), "%", target="100 %",
        )
    )  # fmt: skip
    report.add(
        Row(
            "W3 surge", f"{batch:,}-incident batch against the history",
            median(w3.set_based), "incidents/s",
            f"same statement without ix_incident_space_time ({unindexed} incidents)",
            median(w3.baseline), "≥ 20,000 incidents/s",
        )
    )  # fmt: skip
    report.add(
        Row(
            "W3 surge", f"next {batch:,}-incident batch, the surges of the first open",
            median(w3_open), "incidents/s", target="≥ 20,000 incidents/s",
        )
    )  # fmt: skip


async def reference_pairs(
    connection: AsyncConnection, rules: list[Rule], ids: list[int]
) -> set[tuple[int, str, int]]:
    """The (incident, target type, target) pairs the proximity rules should alert on,
    computed without PostGIS: STRtree candidates in degrees (widened for the latitude),
    then the geodesic distance from the incident to the nearest point of the target
    (found in a plane scaled by cos(latitude) around the target), 0 inside a camp."""
    incidents = (await connection.execute(BATCH_INCIDENTS, {"ids": ids})).all()
    targets = (await connection.execute(TARGETS)).all()
    geod = Geod(ellps="WGS84")
    lons = np.array([i.lon for i in incidents])
    lats = np.array([i.lat for i in incidents])
    points = shapely.points(lons, lats)
    found: set[tuple[int, str, int]] = set()
    for rule in rules:
        params = rule.params
        assert isinstance(params, ProximityParams)
        kept = [t for t in targets if t.type == params.target]
        shapes = shapely.from_wkb([t.wkb for t in kept])
        tree = shapely.STRtree(shapes)
        widest = np.cos(np.radians(min(89.0, float(np.abs(lats).max()) + 1)))
        reach_deg = params.reach_m / (110_574 * widest)
        point_index, shape_index = tree.query(points, predicate="dwithin", distance=reach_deg)
        scale = np.cos(np.radians(shapely.get_y(shapely.centroid(shapes))))[shape_index]
        scaled_shapes = [
            shapely.affinity.scale(shapes[s], xfact=scale[n], yfact=1, origin=(0, 0))
            for n, s in enumerate(shape_index)
        ]
        scaled_points = shapely.points(lons[point_index] * scale, lats[point_index])
        nearest = shapely.get_point(shapely.shortest_line(scaled_points, scaled_shapes), 1)
        nearest_lon = shapely.get_x(nearest) / scale
        nearest_lat = shapely.get_y(nearest)
        _, _, metres = geod.inv(lons[point_index], lats[point_index], nearest_lon, nearest_lat)
        inside = shapely.contains(shapes[shape_index], points[point_index])
        metres = np.where(inside, 0.0, metres)
        for n, (p, s) in enumerate(zip(point_index, shape_index, strict=True)):
            if metres[n] <= params.reach_m and _counts(params, incidents[p], kept[s]):
                found.add((incidents[p].id, params.target, kept[s].id))
    return found


def _counts(params: ProximityParams, incident: Row_[Any], target: Row_[Any]) -> bool:
    """The statement's filters (proximity.ROUTE_COUNTS among them), in Python."""
    if incident.age_s > params.max_age_hours * 3600 or incident.severity < params.severity_min:
        return False
    if params.categories and incident.category not in {c.value for c in params.categories}:
        return False
    if target.type == "camp" or target.status == "active":
        return True
    if target.status in ("suspended", "closed") or target.from_s is None:
        return False
    lead = params.lead_hours * 3600
    return bool(
        incident.age_s <= target.from_s + lead
        and (target.until_s is None or incident.age_s >= target.until_s)
    )
