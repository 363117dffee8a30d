"""Commit → SSE delivery at a steady rate of incidents, each next to a camp."""

from __future__ import annotations

import asyncio
import queue
import time
from datetime import datetime
from typing import Any

import httpx
import psycopg

from bench.harness import Report, Row, World, median, percentile
from bluewatch.events.client import SSEListener


async def post_steadily(
    base: str, headers: dict[str, str], targets: list[tuple[float, float]], rate: float,
    seconds: float,
) -> tuple[list[dict[str, Any]], list[int]]:  # fmt: skip
    """POST one incident every 1/rate s; returns the alerts the responses announced and
    the requests that failed or timed out."""
    announced: list[dict[str, Any]] = []
    failures: list[int] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:

        async def one(number: int) -> None:
            lon, lat = targets[number % len(targets)]
            body = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "occurred_at": datetime.now().astimezone().isoformat(),
                    "category": "armed_clash",
                    "severity": 4,
                    "title": f"Bench threat {number}",
                },
            }
            try:
                response = await http.post("/api/v1/incidents", json=body)
            except httpx.TimeoutException:
                failures.append(number)
                return
            if response.status_code >= 400:
                failures.append(number)
                return
            announced.extend(response.json()["alerts"])

        tasks = []
        start = time.monotonic()
        for number in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(number)))
        await asyncio.gather(*tasks)
    return announced, failures


def measure(
    world: World, base: str, report: Report, rate: float, seconds: float, runs: int
) -> None:
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    with psycopg.connect(world.url) as connection:
        targets = [
            (round(x, 6), round(y, 6))
            for x, y in connection.execute(
                "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM camp LIMIT 50"
            ).fetchall()
        ]
    p50s, p99s, lost_counts, failed_counts = [], [], [], []
    for _ in range(runs):
        listener = SSEListener(f"{base}/api/v1/alerts/stream", headers)
        try:
            announced, failures = asyncio.run(post_steadily(base, headers, targets, rate, seconds))
            failed_counts.append(len(failures))
            wanted = {(a["id"], a["properties"]["version"]) for a in announced}
            latencies: list[float] = []
            seen: set[tuple[int, int]] = set()
            deadline = time.monotonic() + 60  # late is measured; only absent is lost
            while wanted - seen and time.monotonic() < deadline:
                try:
                    message = listener.next(timeout=1)
                except queue.Empty:
                    continue
                alert = message.data["data"]
                seen.add((alert["id"], alert["properties"]["version"]))
                committed = datetime.fromisoformat(message.data["timestamp"]).timestamp()
                latencies.append((message.received - committed) * 1000)
        finally:
            listener.close()
        p50s.append(percentile(latencies, 0.5) if latencies else float("nan"))
        p99s.append(percentile(latencies, 0.99) if latencies else float("nan"))
        lost_counts.append(len(wanted - seen))
    label = f"commit → SSE at {rate:.0f} incidents/s ({seconds:.0f}s)"
    report.add(Row("stream", f"{label}, p50", median(p50s), "ms"))
    report.add(Row("stream", f"{label}, p99", median(p99s), "ms", target="p99 ≤ 250 ms"))
    report.add(
        Row("stream", f"{label}, events not received in 60 s", max(lost_counts), "events",
            target="0")
    )  # fmt: skip
    report.add(
        Row(
            "stream", f"{label}, POSTs failed or > 30 s", max(failed_counts), "requests", target="0"
        )
    )
