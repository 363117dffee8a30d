"""Large synthetic incident sets for benchmarks: seeded, reproducible, loaded with COPY.

Incidents cluster around the scenario's towns (hotspots) with a uniform background
over eastern DRC, spread over the last year. They carry no external key, and they
bypass the rules: they are history, not new reports.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import psycopg

from bluewatch.layers.incidents import IncidentCategory

CATEGORIES = [category.value for category in IncidentCategory]
HOTSPOTS = np.array(
    [
        (29.2228, -1.6792), (29.0453, -1.5736), (29.4500, -1.1850), (28.9830, -1.1870),
        (29.2917, 0.1417), (29.4731, 0.4911), (29.5170, 0.7000), (30.2500, 1.5667),
        (30.5000, 1.9200), (29.7670, 1.3670),
    ]
)  # fmt: skip
AREA = (27.5, -3.0, 31.0, 2.5)  # lon/lat box of the mission area
CLASSIFICATIONS = np.array(["unclassified", "confidential", "strictly_confidential"])
CHUNK = 50_000

COPY_SQL = (
    "COPY incident (geom, occurred_at, reported_at, category, severity, fatalities, title, "
    "classification) FROM STDIN"
)


def rows(count: int, seed: int, now: datetime) -> list[str]:
    """``count`` COPY text lines; the same seed gives the same incidents (relative to now)."""
    rng = np.random.default_rng(seed)
    near = rng.random(count) < 0.8
    centres = HOTSPOTS[rng.integers(0, len(HOTSPOTS), count)]
    spread = rng.normal(0.0, 0.12, (count, 2))
    background = np.column_stack(
        [rng.uniform(AREA[0], AREA[2], count), rng.uniform(AREA[1], AREA[3], count)]
    )
    points = np.where(near[:, None], centres + spread, background)
    points[:, 0] = points[:, 0].clip(-180, 180)
    points[:, 1] = points[:, 1].clip(-90, 90)
    seconds_ago = rng.uniform(0, 365 * 86_400, count)
    categories = rng.integers(0, len(CATEGORIES), count)
    severities = rng.integers(1, 6, count)
    fatalities = rng.poisson(np.maximum(severities - 2, 0))
    classes = CLASSIFICATIONS[rng.choice(3, count, p=[0.5, 0.35, 0.15])]
    epoch = now.timestamp()
    lines = []
    for index in range(count):
        occurred = datetime.fromtimestamp(epoch - seconds_ago[index], UTC).isoformat()
        category = CATEGORIES[categories[index]]
        lines.append(
            f"SRID=4326;POINT({points[index, 0]:.6f} {points[index, 1]:.6f})\t{occurred}\t"
            f"{occurred}\t{category}\t{severities[index]}\t{fatalities[index]}\t"
            f"Synthetic {category.replace('_', ' ')} #{index}\t{classes[index]}\n"
        )
    return lines


def load(url: str, count: int, *, seed: int) -> int:
    lines = rows(count, seed, datetime.now(UTC))
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(COPY_SQL) as copy:
            for start in range(0, count, CHUNK):
                copy.write("".join(lines[start : start + CHUNK]))
        cursor.execute("ANALYZE incident")
    return count


def camp_rows(count: int, seed: int) -> list[str]:
    """``count`` square camp perimeters (300-800 m across) near the hotspots, as COPY lines."""
    rng = np.random.default_rng(seed + 1)
    lines = []
    for index in range(count):
        lon, lat = HOTSPOTS[index % len(HOTSPOTS)] + rng.normal(0.0, 0.15, 2)
        half = rng.uniform(0.0015, 0.004)
        ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half),
                (lon - half, lat + half), (lon - half, lat - half)]  # fmt: skip
        wkt = ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring)
        lines.append(
            f"SRID=4326;POLYGON(({wkt}))\tSynthetic camp {index}\tcompany_base\tconfidential\n"
        )
    return lines


def route_rows(count: int, seed: int) -> list[str]:
    """``count`` convoy routes: random walks of 10 legs between hotspots, as COPY lines."""
    rng = np.random.default_rng(seed + 2)
    statuses = ["active", "active", "planned", "suspended", "closed"]
    lines = []
    for index in range(count):
        start = HOTSPOTS[rng.integers(0, len(HOTSPOTS))]
        steps = np.cumsum(rng.normal(0.0, 0.05, (10, 2)), axis=0) + start
        wkt = ", ".join(f"{x:.6f} {y:.6f}" for x, y in [start, *steps])
        status = statuses[index % len(statuses)]
        lines.append(
            f"SRID=4326;LINESTRING({wkt})\tSynthetic route {index}\t{status}\tconfidential\n"
        )
    return lines


def load_targets(url: str, camps: int, routes: int, *, seed: int) -> None:
    """Synthetic camps and routes (no rule evaluation: they frame the benchmarks)."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY camp (geom, name, kind, classification) FROM STDIN") as copy:
            copy.write("".join(camp_rows(camps, seed)))
        with cursor.copy("COPY route (geom, name, status, classification) FROM STDIN") as copy:
            copy.write("".join(route_rows(routes, seed)))
        cursor.execute("ANALYZE camp; ANALYZE route")
