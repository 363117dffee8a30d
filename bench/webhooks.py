"""Webhook delivery: N alerts to 10 subscriptions each, at a local receiver.

Alerts and their events are written through the real path (``events.log.append``,
which queues the deliveries in the same transaction); the API process's delivery
loop and one ``bluewatch worker`` process deliver them to W7's receiver (``stream.sink``,
in a process of its own, answering 204 at once).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text
from tests.processes import free_port

from bench import wire
from bench.harness import (
    Report,
    Row,
    World,
    delivery_worker,
    median,
    percentile,
    remove_subscriptions,
    subscribe,
)
from bench.stream import sink
from bluewatch.db.engine import Database
from bluewatch.events import log

SUBSCRIPTIONS = 10

MAKE_ALERTS = text("""
    INSERT INTO alert (rule_id, rule_kind, level, classification, headline, geom)
    SELECT 1, 'cluster', 'critical', 'unclassified', 'Bench alert ' || n,
           ST_SetSRID(ST_MakePoint(29.2 + n * 0.0001, -1.6), 4326)
    FROM generate_series(1, :count) AS n
    RETURNING id
""")


async def raise_alerts(world: World, count: int) -> tuple[float, set[int]]:
    """Commit ``count`` alert.created events; returns the commit time and their ids."""
    database = Database(world.url, world.settings)
    try:
        async with database.transaction() as connection:
            ids = list((await connection.execute(MAKE_ALERTS, {"count": count})).scalars())
            events = await log.append(
                connection, [log.AlertChange(i, "alert.created") for i in ids]
            )
        return time.time(), set(events)
    finally:
        await database.dispose()


def measure(world: World, report: Report, alerts: int, runs: int) -> None:
    rates, p50s, p99s, missing, duplicates = [], [], [], [], []
    context = multiprocessing.get_context("spawn")
    received, stop_sink = context.Value("q", 0), context.Event()
    port = free_port()
    subscribe(world.url, [f"http://127.0.0.1:{port}/hook?sink={n}" for n in range(SUBSCRIPTIONS)],
              ["alert.created"], "unclassified")  # fmt: skip
    runs_events: list[tuple[float, set[int]]] = []  # each run's commit time and event ids
    expected = alerts * SUBSCRIPTIONS
    with delivery_worker(world.url), tempfile.TemporaryDirectory(prefix="bluewatch-burst-") as out:
        receiver = context.Process(target=sink, args=(port, out, received, stop_sink))
        receiver.start()
        try:
            wire.wait_listening(port)
            for _ in range(runs):
                already = received.value
                runs_events.append(asyncio.run(raise_alerts(world, alerts)))
                deadline = time.monotonic() + 120
                while received.value - already < expected and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            stop_sink.set()
            receiver.join(timeout=60)
        requests = np.load(Path(out) / "sinks.npy")
    remove_subscriptions(world.url)  # nothing is left to receive them
    for committed, events in runs_events:
        first: dict[tuple[int, int], float] = {}
        arrivals = 0
        for number, event_id, at in requests:  # at least once: the first receipt counts
            if int(event_id) in events:
                arrivals += 1
                first.setdefault((int(number), int(event_id)), at)
        latencies = [(at - committed) * 1000 for at in first.values()]
        last = max(first.values(), default=committed)
        rates.append(len(first) / max(last - committed, 1e-6))
        duplicates.append(arrivals - len(first))
        p50s.append(percentile(latencies, 0.5))
        p99s.append(percentile(latencies, 0.99))
        missing.append(expected - len(first))
    label = f"{alerts:,} alerts × {SUBSCRIPTIONS} subscriptions"
    report.add(Row("W7 webhook burst", f"{label}, deliveries/s", median(rates), "deliveries/s",
                   target="≥ 500/s"))  # fmt: skip
    report.add(Row("W7 webhook burst", f"{label}, commit → receipt p50", median(p50s), "ms"))
    report.add(Row("W7 webhook burst", f"{label}, commit → receipt p99", median(p99s), "ms",
                   target="≤ 1,000 ms"))  # fmt: skip
    report.add(
        Row(
            "W7 webhook burst",
            f"{label}, not delivered in 120 s",
            max(missing),
            "deliveries",
            target="0",
        )
    )
    report.add(Row("W7 webhook burst", f"{label}, duplicates (allowed: at least once)",
                   max(duplicates), "deliveries"))  # fmt: skip
