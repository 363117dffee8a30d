"""Webhook delivery: N alerts to 10 subscriptions each, at a local receiver.

Alerts and their events are written through the real path (``events.log.append``,
which queues the deliveries in the same transaction); the API process's delivery
loop and one ``bluewatch worker`` process deliver them.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import closing

from sqlalchemy import text
from tests.receiver import Receiver

from bench.harness import Report, Row, World, delivery_worker, median, percentile, subscribe
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


async def raise_alerts(world: World, count: int) -> float:
    """Commit ``count`` alert.created events; returns the commit time."""
    database = Database(world.url, world.settings)
    try:
        async with database.transaction() as connection:
            ids = list((await connection.execute(MAKE_ALERTS, {"count": count})).scalars())
            await log.append(connection, [log.AlertChange(i, "alert.created") for i in ids])
        return time.time()
    finally:
        await database.dispose()


def measure(world: World, report: Report, alerts: int, runs: int) -> None:
    rates, p50s, p99s, missing, duplicates = [], [], [], [], []
    with closing(Receiver()) as receiver, delivery_worker(world.url):
        sinks = [f"{receiver.url}?n={n}" for n in range(SUBSCRIPTIONS)]
        subscribe(world.url, sinks, ["alert.created"], "unclassified")
        for _ in range(runs):
            before = len(receiver.requests)
            expected = alerts * SUBSCRIPTIONS
            committed = asyncio.run(raise_alerts(world, alerts))
            deadline = time.monotonic() + 120
            while (
                len({(r.path, r.headers["webhook-id"]) for r in receiver.requests[before:]})
                < expected
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
            batch = receiver.requests[before:]
            first_receipt: dict[tuple[str, str], float] = {}
            for request in batch:  # at least once: count each (subscription, id) once
                key = (request.path, request.headers["webhook-id"])
                first_receipt.setdefault(key, request.at)
            latencies = [(at - committed) * 1000 for at in first_receipt.values()]
            last = max(first_receipt.values(), default=committed)
            rates.append(len(first_receipt) / max(last - committed, 1e-6))
            duplicates.append(len(batch) - len(first_receipt))
            p50s.append(percentile(latencies, 0.5))
            p99s.append(percentile(latencies, 0.99))
            missing.append(expected - len(first_receipt))
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
