"""W4 and W6 beside tipg (PyPI), serving the same incident table from the same database.

tipg runs in its own virtualenv (``bench/.tipg``, made on first use) and its own
uvicorn process, like our API; the load generator is wrk (``bench/wrk.py``): 8
concurrent connections for a fixed time per workload. Both servers are asked for the same
properties; the synthetic coordinates have 6 decimals, so both print the same
digits (we round to 7, tipg to 9).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, running

from bench import harness, wrk
from bench.harness import Report, Row, World, median
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
CONNECTIONS = 8
ZOOMS = (6, 8, 10, 12)
TILE_TARGET = "≥ 3× tipg at z8, z10, z12; z6 p50 ≤ 100 ms"


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
    base = f"http://127.0.0.1:{port}"
    command = [str(_tipg_python()), "-m", "uvicorn", "tipg.main:app", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    with running(command, f"{base}/collections", 120, env):
        yield base


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
    """W4 and W6 beside tipg with wrk (8 connections), then the same with the tile cache
    off (every tile rendered) and with two API processes."""
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    properties = ",".join(PROPERTIES)
    bbox_urls = {
        features: [
            f"/api/v1/incidents?bbox={b}&datetime={DATETIME}&limit={features}"
            for b in (",".join(f"{v:.4f}" for v in box) for box in _boxes(10, 0.5))
        ]
        for features in (1_000, 10_000)
    }
    tile_paths = {z: [f"/{t[0]}/{t[1]}/{t[2]}" for t in _tiles(z)] for z in ZOOMS}
    with tipg(world.url) as peer:
        for features, paths in bbox_urls.items():
            theirs = [
                f"{peer}/collections/public.incident/items?" + path.split("?", 1)[1]
                + f"&properties={properties}" for path in paths
            ]  # fmt: skip
            _compare(report, "W4 bbox", f"{features:,} features",
                     [base + p for p in paths], theirs, headers, seconds, runs,
                     "≥ 10× tipg at 1k; p95 ≤ 60 ms")  # fmt: skip
        for z, paths in tile_paths.items():
            theirs = [
                f"{peer}/collections/public.incident/tiles/WebMercatorQuad{p}"
                "?properties=category,severity,status,occurred_at,title,classification"
                for p in paths
            ]  # fmt: skip
            ours = [f"{base}/api/v1/tiles/incidents{p}.pbf" for p in paths]
            _compare(report, "W6 tiles", f"z{z} (tile cache on)", ours, theirs, headers,
                     seconds, runs, TILE_TARGET)  # fmt: skip
            with harness.api_process(world.url, tile_cache_bytes="0") as cold:
                cold_urls = [f"{cold}/api/v1/tiles/incidents{p}.pbf" for p in paths]
                _compare(report, "W6 tiles", f"z{z} (cache off: every tile rendered)",
                         cold_urls, theirs, headers, seconds, runs, TILE_TARGET)  # fmt: skip
    with harness.api_process(world.url, workers="2") as two:
        for features, paths in bbox_urls.items():
            _ours_only(report, "W4 bbox", f"{features:,} features, 2 API processes",
                       [two + p for p in paths], headers, seconds, runs)  # fmt: skip
        for z in (8, 10):
            urls = [f"{two}/api/v1/tiles/incidents{p}.pbf" for p in tile_paths[z]]
            _ours_only(report, "W6 tiles", f"z{z} (tile cache on), 2 API processes", urls,
                       headers, seconds, runs)  # fmt: skip


def _compare(
    report: Report, workload: str, figure: str, ours: list[str], theirs: list[str],
    headers: dict[str, str], seconds: float, runs: int, target: str,
) -> None:  # fmt: skip
    our_results, peer_rates = [], []
    for _ in range(runs):
        our_results.append(wrk.run(ours, headers, seconds, CONNECTIONS))
        peer_rates.append(wrk.run(theirs, {}, seconds, CONNECTIONS).rate)
    peer, baseline = median(peer_rates), "tipg, same table and query"
    if peer == 0:  # no request of tipg's finished within the run: report the bound
        peer, baseline = 1 / seconds, f"tipg: none finished in {seconds:.0f} s (at most)"
    report.add(Row(workload, f"{figure}, requests/s ({CONNECTIONS} connections, wrk)",
                   median([r.rate for r in our_results]), "req/s", baseline, peer,
                   target))  # fmt: skip
    _latencies(report, workload, figure, our_results)


def _ours_only(
    report: Report, workload: str, figure: str, ours: list[str], headers: dict[str, str],
    seconds: float, runs: int,
) -> None:  # fmt: skip
    results = [wrk.run(ours, headers, seconds, CONNECTIONS) for _ in range(runs)]
    report.add(Row(workload, f"{figure}, requests/s ({CONNECTIONS} connections, wrk)",
                   median([r.rate for r in results]), "req/s"))  # fmt: skip
    _latencies(report, workload, figure, results)


def _latencies(report: Report, workload: str, figure: str, results: list[wrk.Result]) -> None:
    for name in ("p50", "p95", "p99"):
        value = median([getattr(result, name) for result in results])
        report.add(Row(workload, f"{figure}, {name}", value, "ms"))
