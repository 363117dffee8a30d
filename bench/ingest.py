"""W1: ingest through the API, rules on, against COPY of the same rows: 1,000-feature
batches one after another, and single features from 16 concurrent connections."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import psycopg

from bench.harness import (
    CONNECTIONS,
    SEED,
    Report,
    Row,
    World,
    latency_rows,
    load,
    median,
)
from bluewatch.seed.synthetic import CATEGORIES, HOTSPOTS

TAG = time.strftime("%Y%m%d%H%M%S")  # keeps external keys new in a reused bench database


def batch(size: int, run: int, number: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(SEED + run * 1000 + number)
    now = datetime.now(UTC)
    points = HOTSPOTS[rng.integers(0, len(HOTSPOTS), size)] + rng.normal(0, 0.1, (size, 2))
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "occurred_at": (now - timedelta(seconds=float(age))).isoformat(),
                "category": CATEGORIES[category],
                "severity": int(severity),
                "title": "Bench incident",
                "external_source": f"bench-{TAG}-{run}",
                "external_id": f"{number}-{index}",
            },
        }
        for index, ((lon, lat), age, category, severity) in enumerate(
            zip(
                points.tolist(),
                rng.uniform(0, 48 * 3600, size),
                rng.integers(0, len(CATEGORIES), size),
                rng.integers(1, 6, size),
                strict=True,
            )
        )
    ]


def copy_rows(features: list[dict[str, Any]], source: str) -> str:
    lines = []
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        p = feature["properties"]
        lines.append(
            f"SRID=4326;POINT({lon} {lat})\t{p['occurred_at']}\t{p['category']}\t"
            f"{p['severity']}\t{p['title']}\t{source}\t{p['external_id']}\n"
        )
    return "".join(lines)


def measure(
    world: World, base: str, report: Report, batches: int, size: int, seconds: float, runs: int
) -> None:
    api_rates, copy_rates, single_rates = [], [], []
    latencies: list[list[float]] = []
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        for run in range(runs):
            batches_of_features = [batch(size, run, n) for n in range(batches)]
            payloads = [{"type": "FeatureCollection", "features": f} for f in batches_of_features]
            started = time.perf_counter()
            for payload in payloads:
                response = http.post("/api/v1/incidents", json=payload)
                response.raise_for_status()
            api_rates.append(batches * size / (time.perf_counter() - started))

            rows = "".join(copy_rows(f, f"copy-{TAG}-{run}") for f in batches_of_features)
            with psycopg.connect(world.url) as connection, connection.cursor() as cursor:
                started = time.perf_counter()
                with cursor.copy(
                    "COPY incident (geom, occurred_at, category, severity, title, "
                    "external_source, external_id) FROM STDIN"
                ) as copy:
                    copy.write(rows)
                connection.commit()
                copy_rates.append(batches * size / (time.perf_counter() - started))
            single_rates.append(asyncio.run(_singles(base, headers, run, seconds, latencies)))
    report.add(
        Row(
            "W1 ingest", f"POST /incidents, {size:,}-feature batches, rules on",
            median(api_rates), "incidents/s", "COPY of the same rows",
            median(copy_rates), "≥ 0.5× COPY",
        )
    )  # fmt: skip
    figure = f"POST /incidents, single features, rules on, {CONNECTIONS} connections"
    report.add(Row("W1 ingest", figure, median(single_rates), "incidents/s",
                   "COPY of the same rows", median(copy_rates), "≥ 1,000/s"))  # fmt: skip
    latency_rows(report, "W1 ingest", "single features", latencies)


async def _singles(
    base: str, headers: dict[str, str], run: int, seconds: float, latencies: list[list[float]]
) -> float:
    features = batch(int(3_000 * seconds), run, 9_999)  # more than the API can take

    async def post(http: httpx.AsyncClient, number: int) -> httpx.Response:
        return await http.post(f"{base}/api/v1/incidents", json=features[number])

    rate, run_latencies = await load(post, headers, seconds)
    latencies.append(run_latencies)
    return rate
