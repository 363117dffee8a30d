"""The surge rule counts a batch's seeds among themselves by cells before it probes the
history (issue 19, W3): two seeds in one cell must lie within the radius of each other,
and a seed whose neighbours lie across a cell's edge must still be found by the probe."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.rules.cluster import GROUP_RADIUS_DEGREES, METRES_PER_DEGREE_AT_MOST, cell
from tests.api.test_alerts import _post_batch, alerts, surge_only  # noqa: F401 (a fixture)
from tests.factories import incident

# Latitudes where a degree of longitude is long (the equator, rows on both sides of it)
# and short (towards the poles), for the radii a rule may hold (metres).
LATITUDES = (0.0, -0.3, 45.0, -60.0, 80.0, 89.5)
RADII = (100.0, 10_000.0, 200_000.0)
POINTS_PER_PLACE = 400

# SQL over points (id, geom): the farthest pair that shares a cell, as a share of the
# radius, and how many pairs share one.
FARTHEST_IN_A_CELL = """
    WITH p AS (SELECT id, geom, {cell} AS cell FROM points)
    SELECT max(ST_Distance(a.geom::geography, b.geom::geography)) / %(radius)s, count(*)
    FROM p a JOIN p b ON a.cell = b.cell AND a.id < b.id
"""


def _points(db: psycopg.Connection[tuple[object, ...]], radius: float) -> None:
    """Points scattered over a few radii about each latitude (and across the equator
    and the antimeridian), so that many pairs share a cell and some lie far apart."""
    rng = np.random.default_rng(int(radius))
    spread = 3 * radius / 111_320
    rows = []
    for latitude in LATITUDES:
        longitudes = rng.uniform(179.9 - spread, 179.9 + spread, POINTS_PER_PLACE)
        longitudes = (longitudes + 180) % 360 - 180
        latitudes = np.clip(rng.uniform(latitude - spread, latitude + spread, POINTS_PER_PLACE),
                            -89.99, 89.99)  # fmt: skip
        rows += list(zip(longitudes.tolist(), latitudes.tolist(), strict=True))
    db.execute("DROP TABLE IF EXISTS points")
    db.execute("CREATE TEMP TABLE points (id serial, geom geometry(Point, 4326))")
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO points (geom) VALUES (ST_SetSRID(ST_MakePoint(%s, %s), 4326))", rows
        )


@pytest.mark.parametrize("radius", RADII)
def test_seeds_that_share_a_cell_lie_within_the_radius(
    db: psycopg.Connection[tuple[object, ...]], radius: float
) -> None:
    _points(db, radius)
    rule_cell = cell(f"{radius} / 2")
    farthest, pairs = db.execute(
        FARTHEST_IN_A_CELL.format(cell=rule_cell), {"radius": radius}
    ).fetchone() or (None, 0)
    assert int(str(pairs)) > 1_000  # the setup: many seeds were counted together
    assert 0.5 < float(str(farthest)) <= 1.0
    # A cell twice as wide puts seeds beyond the radius together: the check can fail.
    wider, _ = db.execute(
        FARTHEST_IN_A_CELL.format(cell=cell(f"{radius}")), {"radius": radius}
    ).fetchone() or (None, 0)
    assert float(str(wider)) > 1.0


def test_neighbours_across_a_cells_edge_still_raise_a_surge(
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    surge_only: None,  # noqa: F811 (the fixture)
) -> None:
    """Three incidents 100 m apart across a row of cells: no seed has min_count
    neighbours in its own cell, so the probe of the history finds them."""
    [params] = db.execute("SELECT params FROM rule WHERE kind = 'cluster'").fetchone() or ()
    rule: dict[str, Any] = params  # type: ignore[assignment]
    assert rule["min_count"] == 3
    row = rule["radius_m"] / 2 / METRES_PER_DEGREE_AT_MOST
    edge = (int(0.4911 / row) + 1) * row  # a row's edge near Beni
    below, above = edge - 0.0005, edge + 0.0005
    [cells] = (
        db.execute(
            f"SELECT array_agg(DISTINCT {cell(str(rule['radius_m'] / 2))}) FROM "
            "(VALUES (ST_MakePoint(29.47, %s)), (ST_MakePoint(29.47, %s))) AS p(geom)",
            (below, above),
        ).fetchone()
        or ()
    )
    assert len(cells) == 2  # type: ignore[arg-type]  # the setup: two cells
    body = _post_batch(
        client,
        [incident(29.47, below), incident(29.47, above), incident(29.4709, above)],
    )
    [surge] = body["alerts"]
    assert surge["properties"]["member_count"] == 3
    assert [a["properties"]["rule_kind"] for a in alerts(client)] == ["cluster"]


def test_a_new_surge_rests_on_the_seed_nearest_its_centre(
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    surge_only: None,  # noqa: F811 (the fixture)
) -> None:
    """A new surge's members are its seeds and the neighbours of its founder, the seed
    nearest the group's centre. An earlier incident near an outlying seed only is not one
    of them; were the surge to rest on that seed, it would be."""
    [params] = db.execute("SELECT params FROM rule WHERE kind = 'cluster'").fetchone() or ()
    rule: dict[str, Any] = params  # type: ignore[assignment]
    step = rule["radius_m"] / 110_574  # a degree of latitude near the equator, in metres
    seeds = [incident(29.47, 0.49 + share * step) for share in (0.0, 0.3, 0.6)]
    earlier = incident(29.47, 0.49 - 0.8 * step)
    near, far = db.execute(
        "SELECT ST_Distance(ST_MakePoint(29.47, %(h)s)::geography,"
        " ST_MakePoint(29.47, %(s1)s)::geography), ST_Distance(ST_MakePoint(29.47, %(h)s)"
        "::geography, ST_MakePoint(29.47, %(s2)s)::geography)",
        {"h": 0.49 - 0.8 * step, "s1": 0.49, "s2": 0.49 + 0.3 * step},
    ).fetchone() or (None, None)
    # The setup: the earlier incident neighbours the first seed, not the middle one.
    assert float(str(near)) < rule["radius_m"] < float(str(far))
    assert _post_batch(client, [earlier])["alerts"] == []
    [surge] = _post_batch(client, seeds)["alerts"]
    assert surge["properties"]["member_count"] == 3


def test_a_surge_near_the_pole_groups_its_seeds_in_fewer_cells_than_squares(
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    surge_only: None,  # noqa: F811 (the fixture)
) -> None:
    """k-means starts from the squares (two group radii across) the seeds fill, but never
    from more groups than the cells it groups: at 85° one cell spans two such squares."""
    [params] = db.execute("SELECT params FROM rule WHERE kind = 'cluster'").fetchone() or ()
    rule: dict[str, Any] = params  # type: ignore[assignment]
    seeds = [(lon, 85.0) for lon in (0.10, 0.15, 0.20)]  # 2 km apart at most
    values = ", ".join(f"(ST_MakePoint({lon}, {lat}))" for lon, lat in seeds)
    square = f"2 * {GROUP_RADIUS_DEGREES.replace(':radius_m', str(rule['radius_m']))}"
    cells, squares = db.execute(
        f"SELECT count(DISTINCT {cell(str(rule['radius_m'] / 4))}),"
        f" count(DISTINCT floor(ST_X(geom) / ({square})))"
        f" FROM (VALUES {values}) AS p(geom)"
    ).fetchone() or (None, None)
    assert (cells, squares) == (1, 2)  # the setup: more squares than cells
    [surge] = _post_batch(client, [incident(lon, lat) for lon, lat in seeds])["alerts"]
    assert surge["properties"]["member_count"] == 3
