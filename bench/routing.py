"""Travel by road (issue 20): CASEVAC and the coverage area on a generated network of
about 100,000 road segments beside the same questions asked of networkx, and the time
the database takes to keep the network as roads are written.

The network is a jittered grid of two-way and one-way roads of mixed classes (each
grid row and column one road, so every crossing is a shared vertex), inserted in one
statement (the triggers of migration 0018 build its vertices and edges), with 20
facilities and 20 incidents spread over it. CASEVAC is ``network.casevac.casevac``
(one statement to join the points to the network, one pgr_withPoints call for every
facility, the route lines). networkx gets the same edges and costs as a DiGraph built
once (its build time reported apart) and answers each incident with one
``single_source_dijkstra`` to the facilities' nearest vertices. The coverage rule is
timed as a road or facility write runs it: every camp (the world's and 20 spread over
the grid) judged again with the camp rule on. Everything is written in a transaction
rolled back at the end.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import networkx as nx
import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.harness import SEED, Report, Row, World, median
from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.layers.roads import RoadClass
from bluewatch.network.casevac import casevac
from bluewatch.network.coverage import Reach, coverage
from bluewatch.network.speeds import edges_sql
from bluewatch.rules import engine

SPACING = 0.005  # degrees between grid lines (about 550 m)
ORIGIN = (28.6, -2.2)  # south-west of the mission area
POINTS = 20  # facilities, and incidents asked about

INSERT_ROADS = text("""
    INSERT INTO road (geom, class, oneway, classification)
    SELECT ST_GeomFromText(wkt, 4326), class, oneway, 'unclassified'
    FROM unnest(CAST(:wkts AS text[]), CAST(:classes AS text[]), CAST(:oneways AS boolean[]))
         AS r(wkt, class, oneway)
""")
INSERT_POINTS = text("""
    INSERT INTO {table} ({columns}, geom)
    SELECT {values}, ST_SetSRID(ST_MakePoint(lon, lat), 4326)
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, n)
    RETURNING id
""")
INSERT_CAMPS = text("""
    INSERT INTO camp (name, kind, geom)
    SELECT 'Bench camp ' || n, 'team_site',
           ST_Buffer(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 0.002, 'quad_segs=2')
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, n)
""")
NEAREST_VERTEX = text("""
    SELECT p.n, v.id FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
         WITH ORDINALITY AS p(lon, lat, n)
    CROSS JOIN LATERAL (
        SELECT v.id FROM road_vertex v
        ORDER BY v.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1
    ) v ORDER BY p.n
""")


def grid_roads(side: int, rng: np.random.Generator) -> dict[str, list[Any]]:
    """Rows and columns of a jittered grid, ``side`` lines each way, as WKT lines."""
    jitter = rng.uniform(-SPACING / 5, SPACING / 5, (side, side, 2))
    lon = ORIGIN[0] + np.arange(side)[:, None] * SPACING + jitter[:, :, 0]
    lat = ORIGIN[1] + np.arange(side)[None, :] * SPACING + jitter[:, :, 1]
    lines = [[(lon[i, j], lat[i, j]) for j in range(side)] for i in range(side)]
    lines += [[(lon[i, j], lat[i, j]) for i in range(side)] for j in range(side)]
    classes = list(RoadClass)
    return {
        "wkts": [
            "LINESTRING(" + ",".join(f"{x:.7f} {y:.7f}" for x, y in line) + ")" for line in lines
        ],
        "classes": [classes[k].value for k in rng.integers(0, len(classes), len(lines))],
        "oneways": (rng.random(len(lines)) < 0.1).tolist(),
    }


def _spread(side: int, rng: np.random.Generator) -> tuple[list[float], list[float]]:
    extent = (side - 1) * SPACING
    return (
        (ORIGIN[0] + rng.uniform(0.05, 0.95, POINTS) * extent).tolist(),
        (ORIGIN[1] + rng.uniform(0.05, 0.95, POINTS) * extent).tolist(),
    )


async def _graph(connection: AsyncConnection) -> nx.DiGraph[Any]:
    rows = await connection.execute(
        text(edges_sql(Classification.STRICTLY_CONFIDENTIAL, in_rain=False, box=None))
    )
    graph: nx.DiGraph[Any] = nx.DiGraph()
    for row in rows:
        graph.add_edge(row.source, row.target, weight=row.cost)
        if row.reverse_cost >= 0:
            graph.add_edge(row.target, row.source, weight=row.reverse_cost)
    return graph


async def _run(world: World, report: Report, side: int, runs: int) -> None:
    rng = np.random.default_rng(SEED)
    database = Database(world.url, world.settings)
    try:
        async with database.engine.connect() as connection:
            transaction = await connection.begin()
            roads = grid_roads(side, rng)
            started = time.perf_counter()
            await connection.execute(INSERT_ROADS, roads)
            built = time.perf_counter() - started
            segments = int(
                (await connection.execute(text("SELECT count(*) FROM road_edge"))).scalar_one()
            )
            await connection.execute(text("ANALYZE road_edge, road_vertex"))

            lons, lats = _spread(side, rng)
            facilities = INSERT_POINTS.text.format(
                table="facility", columns="name, level", values="'Bench ' || n, 1 + n % 3"
            )
            await connection.execute(text(facilities), {"lons": lons, "lats": lats})
            facility_vertices = [
                r.id for r in await connection.execute(NEAREST_VERTEX, {"lons": lons, "lats": lats})
            ]
            lons, lats = _spread(side, rng)
            incidents = INSERT_POINTS.text.format(
                table="incident",
                columns="occurred_at, category, severity, title",
                values="now(), 'other', 1, 'Bench incident'",
            )
            incident_ids = list(
                (await connection.execute(text(incidents), {"lons": lons, "lats": lats})).scalars()
            )
            incident_vertices = [
                r.id for r in await connection.execute(NEAREST_VERTEX, {"lons": lons, "lats": lats})
            ]

            ours: list[float] = []
            for _ in range(runs):
                for incident_id in incident_ids:
                    started = time.perf_counter()
                    await casevac(
                        connection, incident_id, Classification.STRICTLY_CONFIDENTIAL, [], 5.0,
                        date.today(),
                    )  # fmt: skip
                    ours.append(time.perf_counter() - started)

            areas: list[float] = []
            for _ in range(runs):
                started = time.perf_counter()
                await coverage(
                    connection, Reach(1, 60), Classification.STRICTLY_CONFIDENTIAL, [], 5.0,
                    date.today(),
                )  # fmt: skip
                areas.append(time.perf_counter() - started)

            lons, lats = _spread(side, rng)
            await connection.execute(INSERT_CAMPS, {"lons": lons, "lats": lats})
            await connection.execute(
                text(
                    "UPDATE rule SET enabled = (params->>'target' = 'camp') WHERE kind = 'coverage'"
                )
            )
            camps = int((await connection.execute(text("SELECT count(*) FROM camp"))).scalar_one())
            judged: list[float] = []
            for _ in range(runs):
                started = time.perf_counter()
                await engine.evaluate_network(connection)
                judged.append(time.perf_counter() - started)

            started = time.perf_counter()
            graph = await _graph(connection)
            graph_built = time.perf_counter() - started
            theirs: list[float] = []
            for _ in range(runs):
                for vertex in incident_vertices:
                    started = time.perf_counter()
                    lengths, paths = nx.single_source_dijkstra(graph, vertex, weight="weight")
                    assert isinstance(lengths, dict) and isinstance(paths, dict)
                    _ = [(lengths.get(v), paths.get(v)) for v in facility_vertices]
                    theirs.append(time.perf_counter() - started)
            reach: list[float] = []
            towards = graph.reverse(copy=False)
            for _ in range(runs):
                started = time.perf_counter()
                nx.multi_source_dijkstra_path_length(
                    towards, set(facility_vertices), cutoff=3600, weight="weight"
                )
                reach.append(time.perf_counter() - started)
            await transaction.rollback()
    finally:
        await database.dispose()
    report.add(
        Row(
            "W9 roads", f"network kept on insert: {len(roads['wkts'])} roads in one statement",
            segments / built, "segments/s", target="a 100k-segment network in under a minute",
        )
    )  # fmt: skip
    report.add(
        Row(
            "W9 roads", f"CASEVAC, one incident to {POINTS} facilities, {segments:,} segments",
            1000 * median(ours), "ms", "networkx single_source_dijkstra, graph in memory",
            1000 * median(theirs), "≤ 1 s per incident",
        )
    )  # fmt: skip
    report.add(
        Row(
            "W9 roads", f"coverage, {POINTS} facilities, 60 min (the area, as GeoJSON)",
            1000 * median(areas), "ms", "networkx multi-source Dijkstra to 60 min (nodes only)",
            1000 * median(reach), "≤ 5 s",
        )
    )  # fmt: skip
    report.add(
        Row("W9 roads", f"coverage rule: a road or facility write judges all {camps} camps again",
            1000 * median(judged), "ms", target="adds nothing to incident batches (not run there)")
    )  # fmt: skip
    report.add(
        Row("W9 roads", "networkx: building its graph from the same edges (once)",
            1000 * graph_built, "ms")
    )  # fmt: skip


def measure(world: World, report: Report, side: int, runs: int) -> None:
    asyncio.run(_run(world, report, side, runs))
