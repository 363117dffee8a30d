"""W5: streaming exports through the API against ``COPY (...) TO STDOUT`` of the same rows.

The COPY baseline selects exactly what the export sends (the same Feature JSON or
the same CSV columns), so the ratio isolates the cost of the API path. The API
process's peak RSS growth is read from /proc around each export.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psycopg
from tests.processes import SERVED, status_kb

from bench.harness import Report, Row, World, median
from bluewatch.classification import Classification
from bluewatch.io.sources import layer_source
from bluewatch.layers import LAYERS


def _api(base: str, token: str, fmt: str) -> tuple[float, float]:
    """(MB/s, peak RSS growth in MB) of one export."""
    pid = SERVED[base]
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = status_kb(pid, "VmRSS")
    received = 0
    started = time.perf_counter()
    url = f"{base}/api/v1/export/incidents.{fmt}"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", url, headers=headers, timeout=900) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes(1 << 20):
            received += len(chunk)
    seconds = time.perf_counter() - started
    return received / 2**20 / seconds, (status_kb(pid, "VmHWM") - before) / 1024


def _copy(url: str, fmt: str) -> float:
    """MB/s of COPY of the same rows: the physical limit of reading them out."""
    source = layer_source(LAYERS["incidents"], {}, Classification.STRICTLY_CONFIDENTIAL)
    if fmt == "csv":
        columns = ", ".join(f"{field.sql} AS {field.name}" for field in source.csv_fields)
        statement = f"COPY ({source.select(columns)}) TO STDOUT WITH (FORMAT csv, HEADER)"
    else:
        statement = f"COPY ({source.select(f'{source.feature}::text')}) TO STDOUT"
    statement = statement.replace(
        "CAST(:clearance AS classification)", "'strictly_confidential'::classification"
    )
    received = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(statement) as copy:
            for block in copy:
                received += len(block)
        seconds = time.perf_counter() - started
    return received / 2**20 / seconds


def measure(world: World, base: str, report: Report, runs: int) -> None:
    for fmt in ("geojsonseq", "csv", "geojson"):
        api, growth, baseline = [], [], []
        for _ in range(runs):
            rate, grown = _api(base, world.admin_token, fmt)
            api.append(rate)
            growth.append(grown)
            baseline.append(_copy(world.url, "csv" if fmt == "csv" else "json"))
        report.add(
            Row(
                "W5 export", f"{fmt} of {world.incidents:,} incidents", median(api), "MB/s",
                "COPY (same rows) TO STDOUT", median(baseline), "≥ 0.65× COPY",
            )
        )  # fmt: skip
        report.add(
            Row("W5 export", f"{fmt}: API peak RSS growth", max(growth), "MB",
                target="< 100 MB")
        )  # fmt: skip
