"""W4 and W6 beside tipg (PyPI), serving the same incident table from the same database.

tipg runs in its own virtualenv (``bench/.tipg``, made on first use) and its own
uvicorn process, like our API; the load generator is this process: 16 concurrent
connections for a fixed time per workload. Both servers are asked for the same
properties; the synthetic coordinates have 6 decimals, so both print the same
digits (we round to 7, tipg to 9).
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.processes import free_port, wait_until_ready

from bench.harness import CONNECTIONS, Report, Row, Send, World, latency_rows, load, median
from bluewatch.seed.synthetic import HOTSPOTS

TIPG_VERSION = "1.6.1"
VENV = Path(__file__).parent / ".tipg"
PROPERTIES = [
    "occurred_at", "reported_at", "category", "severity", "fatalities", "injured", "title",
    "description", "source", "source_reliability", "source_credibility", "geo_precision",
    "status", "classification", "external_source", "external_id", "created_at", "updated_at",
    "created_by", "updated_by",
]  # fmt: skip
DATETIME = "2000-01-01T00:00:00Z/.."  # every incident: the filter runs, the bbox decides


def _tipg_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             f"tipg=={TIPG_VERSION}", "uvicorn"],
            check=True,
        )  # fmt: skip
    return python


@contextmanager
def tipg(url: str) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "BLUEWATCH_"))}
    env |= {
        "DATABASE_URL": url,
        "TIPG_DB_TABLES": '["public.incident"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        "TIPG_DB_MAX_CONN_SIZE": "16",  # as our pool
        # tipg stops a tile at 10,000 features by default, dropping the rest unseen; ours
        # carry every incident (grid cells up to z7), so tipg is asked for all as well.
        "TIPG_MAX_FEATURES_PER_TILE": "2000000",
    }
    process = subprocess.Popen(
        [str(_tipg_python()), "-m", "uvicorn", "tipg.main:app", "--port", str(port),
         "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/collections", process, 120)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _boxes(count: int, half: float) -> list[tuple[float, float, float, float]]:
    return [
        (lon - half, lat - half, lon + half, lat + half) for lon, lat in HOTSPOTS.tolist()[:count]
    ]


def _tiles(z: int) -> list[tuple[int, int, int]]:
    n = 2**z
    found = []
    for lon, lat in HOTSPOTS.tolist():
        rad = math.radians(lat)
        y = int((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)
        found.append((z, int((lon + 180) / 360 * n), y))
    return found


def measure(world: World, base: str, report: Report, seconds: float, runs: int) -> None:
    ours_headers = {"Authorization": f"Bearer {world.admin_token}"}
    properties = ",".join(PROPERTIES)
    with tipg(world.url) as peer:
        for features in (1_000, 10_000):
            boxes = [",".join(f"{v:.4f}" for v in box) for box in _boxes(10, 0.5)]
            ours = [
                f"{base}/api/v1/incidents?bbox={b}&datetime={DATETIME}&limit={features}"
                for b in boxes
            ]
            theirs = [
                f"{peer}/collections/public.incident/items?bbox={b}&datetime={DATETIME}"
                f"&limit={features}&properties={properties}"
                for b in boxes
            ]
            _compare(report, "W4 bbox", f"{features:,} features", ours, theirs, ours_headers,
                     seconds, runs, "≥ 10× tipg at 1k; p95 ≤ 60 ms")  # fmt: skip
        for z in (6, 8, 10, 12):
            tiles = _tiles(z)
            ours = [f"{base}/api/v1/tiles/incidents/{t[0]}/{t[1]}/{t[2]}.pbf" for t in tiles]
            theirs = [
                f"{peer}/collections/public.incident/tiles/WebMercatorQuad/{t[0]}/{t[1]}/{t[2]}"
                f"?properties=category,severity,status,occurred_at,title,classification"
                for t in tiles
            ]
            _compare(report, "W6 tiles", f"z{z}", ours, theirs, ours_headers, seconds, runs,
                     "≥ 3× tipg at z10; z6 ≤ 100 ms")  # fmt: skip


def _compare(
    report: Report, workload: str, figure: str, ours: list[str], theirs: list[str],
    headers: dict[str, str], seconds: float, runs: int, target: str,
) -> None:  # fmt: skip
    our_rates, peer_rates, our_latencies = [], [], []
    for _ in range(runs):
        rate, latencies = asyncio.run(load(_getter(ours), headers, seconds))
        our_rates.append(rate)
        our_latencies.append(latencies)
        peer_rates.append(asyncio.run(load(_getter(theirs), {}, seconds))[0])
    report.add(Row(workload, f"{figure}, requests/s ({CONNECTIONS} connections)",
                   median(our_rates), "req/s", "tipg, same table and query",
                   median(peer_rates), target))  # fmt: skip
    latency_rows(report, workload, figure, our_latencies)


def _getter(urls: list[str]) -> Send:
    async def get(http: httpx.AsyncClient, number: int) -> httpx.Response:
        return await http.get(urls[number % len(urls)])

    return get
