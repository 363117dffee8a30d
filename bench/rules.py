"""Rule evaluation on a fresh batch: set-based (one statement per rule) against one
query per incident, in the same transaction shape, rolled back after each run."""

from __future__ import annotations

import time

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.harness import SEED, Report, Row, World, median
from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.rules import cluster, engine, proximity, store
from bluewatch.rules.params import ProximityParams
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


async def one_query_per_incident(connection: AsyncConnection, ids: list[int]) -> None:
    rules = await store.enabled_rules(connection)
    for incident_id in ids:
        changes: list[log.AlertChange] = []
        for rule in rules:
            if isinstance(rule.params, ProximityParams):
                scope = proximity.Scope(incident_ids=[incident_id])
                changes += await proximity.evaluate(connection, rule, scope)
            else:
                changes += await cluster.evaluate(connection, rule, [incident_id])
        await log.append(connection, changes)


async def measure(world: World, report: Report, batch: int, sample: int, runs: int) -> None:
    database = Database(world.url, world.settings)
    set_rates, single_rates, raised = [], [], []
    try:
        for run in range(runs):
            async with database.engine.connect() as connection:
                transaction = await connection.begin()
                ids = await insert_batch(connection, batch, SEED + run)
                started = time.perf_counter()
                changes = await engine.evaluate_incidents(connection, ids)
                set_rates.append(batch / (time.perf_counter() - started))
                raised.append(len(changes))
                await transaction.rollback()
            async with database.engine.connect() as connection:
                transaction = await connection.begin()
                ids = await insert_batch(connection, sample, SEED + 100 + run)
                started = time.perf_counter()
                await one_query_per_incident(connection, ids)
                single_rates.append(sample / (time.perf_counter() - started))
                await transaction.rollback()
    finally:
        await database.dispose()
    report.add(
        Row(
            "rules", f"set-based evaluation, {batch:,}-incident batch, all rules",
            median(set_rates), "incidents/s", "one query per incident",
            median(single_rates), "≥ 5× per-incident; ≥ 20,000/s",
        )
    )  # fmt: skip
    report.add(Row("rules", "alert changes per batch (median)", median(raised), "changes"))
