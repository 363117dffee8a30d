"""W1: ingest through the API, rules on, against COPY of the same rows: 1,000-feature
batches one after another, and single features from 16 concurrent connections.

Batches come in two layouts: dense (every incident near a town, where the camps and
routes are: several alerts each) and sparse (spread evenly over the mission area, as a
feed of the whole region reads; the routes' corridors still reach much of it). The
dense layout is posted once more with a 60-minute cooldown on the proximity rules, as a
mission that wants few alerts sets them (issue 19): the same incidents, written into
the band's open alert of the hour instead of an alert each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import psycopg

from bench import floor
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
from bluewatch.seed.synthetic import AREA, CATEGORIES, HOTSPOTS

TAG = time.strftime("%Y%m%d%H%M%S")  # keeps external keys new in a reused bench database


@dataclass(frozen=True)
class Variant:
    """One way W1 posts its batches: where the incidents lie, and the proximity rules'
    cooldown while they are posted (0: the seeded rules, an alert per incident)."""

    key: str  # in the incidents' external keys
    label: str  # in the report
    layout: str
    cooldown_minutes: float = 0


VARIANTS = (
    Variant("dense", "dense layout", "dense"),
    Variant("sparse", "sparse layout", "sparse"),
    Variant("grouped", "dense layout, proximity cooldown 60 min", "dense", 60),
)


def batch(
    size: int, run: int, number: int, layout: str = "dense", key: str | None = None
) -> list[dict[str, Any]]:
    """A batch's features; ``key`` (default: the layout) keeps their external keys apart
    from another variant's posting the same incidents."""
    rng = np.random.default_rng(SEED + run * 1000 + number)
    now = datetime.now(UTC)
    if layout == "dense":
        points = HOTSPOTS[rng.integers(0, len(HOTSPOTS), size)] + rng.normal(0, 0.1, (size, 2))
    else:
        points = np.column_stack(
            [rng.uniform(AREA[0], AREA[2], size), rng.uniform(AREA[1], AREA[3], size)]
        )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "occurred_at": (now - timedelta(seconds=float(age))).isoformat(),
                "category": CATEGORIES[category],
                "severity": int(severity),
                "title": "Bench incident",
                "external_source": f"bench-{TAG}-{key or layout}-{run}",
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
    rates: dict[Variant, Rates] = {variant: Rates() for variant in VARIANTS}
    single_rates: list[float] = []
    latencies: list[list[float]] = []
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        for run in range(runs):
            for variant in VARIANTS:
                with _proximity_cooldown(http, variant.cooldown_minutes):
                    _batches(world, http, rates[variant], [
                        batch(size, run, n, variant.layout, variant.key) for n in range(batches)
                    ], f"copy-{TAG}-{variant.key}-{run}")  # fmt: skip
            single_rates.append(asyncio.run(_singles(base, headers, run, seconds, latencies)))
    for variant, got in rates.items():
        layout = variant.label
        figure = f"POST /incidents, {size:,}-feature batches, rules on, {layout}"
        report.add(Row("W1 ingest", figure, median(got.api), "incidents/s",
                       "COPY of the same rows", median(got.copy), "≥ 0.5× COPY"))  # fmt: skip
        report.add(Row("W1 ingest", f"alerts raised or grown per incident, {layout}",
                       median(got.alerts), "alerts/incident"))  # fmt: skip
        figure = f"the rows those batches wrote, by COPY, nothing computed, {layout}"
        report.add(Row("W1 ingest", figure, median(got.floor), "incidents/s",
                       "COPY of the incidents alone", median(got.floor_alone),
                       "the fastest this model allows"))  # fmt: skip
        figure = f"the rows the contract asks for of those, by COPY, {layout}"
        report.add(Row("W1 ingest", figure, median(got.floor_asked_for), "incidents/s",
                       "COPY of the incidents alone", median(got.floor_alone),
                       "the fastest §5 and §6 allow"))  # fmt: skip
    figure = f"POST /incidents, single features, rules on, {CONNECTIONS} connections"
    dense = rates[VARIANTS[0]]
    report.add(Row("W1 ingest", figure, median(single_rates), "incidents/s",
                   "COPY of the same rows", median(dense.copy), "≥ 1,000/s"))  # fmt: skip
    latency_rows(report, "W1 ingest", "single features", latencies)


@contextmanager
def _proximity_cooldown(http: httpx.Client, minutes: float) -> Iterator[None]:
    """The proximity rules with a cooldown of ``minutes`` (through ``PATCH /rules``, as an
    admin sets it) while the block runs, then as they were; nothing changes for 0."""
    if minutes == 0:
        yield
        return
    answer = http.get("/api/v1/rules")
    answer.raise_for_status()
    proximity = [rule for rule in answer.json()["items"] if rule["kind"] == "proximity"]
    try:
        for rule in proximity:
            _set_params(http, rule["id"], {**rule["params"], "cooldown_minutes": minutes})
        yield
    finally:
        for rule in proximity:
            _set_params(http, rule["id"], rule["params"])


def _set_params(http: httpx.Client, rule_id: int, params: dict[str, Any]) -> None:
    http.patch(f"/api/v1/rules/{rule_id}", json={"params": params}).raise_for_status()


@dataclass
class Rates:
    """One layout's figures, a value per run."""

    api: list[float] = field(default_factory=list)
    copy: list[float] = field(default_factory=list)
    alerts: list[float] = field(default_factory=list)  # alert features answered per incident
    floor: list[float] = field(default_factory=list)  # every row the batches wrote, by COPY
    floor_alone: list[float] = field(default_factory=list)  # their incidents alone, by COPY
    floor_asked_for: list[float] = field(default_factory=list)  # the rows the contract asks for


def _batches(
    world: World, http: httpx.Client, rates: Rates, batches: list[list[dict[str, Any]]],
    copy_source: str,
) -> None:  # fmt: skip
    """POST the batches one after another, then COPY the same rows in one statement,
    then measure the floor of what the POSTs wrote (``bench.floor``)."""
    incidents = sum(len(features) for features in batches)
    answers = []
    before = floor.Marks.now(world.url)
    started = time.perf_counter()
    for features in batches:
        response = http.post("/api/v1/incidents", json={"type": "FeatureCollection",
                                                        "features": features})  # fmt: skip
        response.raise_for_status()
        answers.append(response)
    rates.api.append(incidents / (time.perf_counter() - started))
    # Read after the clock stops: parsing the answers is the client's work.
    rates.alerts.append(sum(len(a.json()["alerts"]) for a in answers) / incidents)
    after = floor.Marks.now(world.url)
    rows = "".join(copy_rows(features, copy_source) for features in batches)
    with psycopg.connect(world.url) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(
            "COPY incident (geom, occurred_at, category, severity, title, "
            "external_source, external_id) FROM STDIN"
        ) as copy:
            copy.write(rows)
        connection.commit()
        rates.copy.append(incidents / (time.perf_counter() - started))
    measured = floor.measure(world.url, before, after)
    rates.floor_alone.append(incidents / measured.alone)
    rates.floor.append(incidents / measured.every)
    rates.floor_asked_for.append(incidents / measured.asked_for)


async def _singles(
    base: str, headers: dict[str, str], run: int, seconds: float, latencies: list[list[float]]
) -> float:
    features = batch(int(3_000 * seconds), run, 9_999)  # more than the API can take

    async def post(http: httpx.AsyncClient, number: int) -> httpx.Response:
        return await http.post(f"{base}/api/v1/incidents", json=features[number])

    rate, run_latencies = await load(post, headers, seconds)
    latencies.append(run_latencies)
    return rate
