"""Webhook delivery: N alerts to 10 subscriptions each, at a local receiver.

Alerts and their events are written through the real path (``events.log.append``,
which queues the deliveries in the same transaction); the API process's delivery
loop and one ``bluewatch worker`` process deliver them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from sqlalchemy import text
from tests.receiver import Receiver

from bench.harness import Report, Row, World, median, percentile, remove_subscriptions
from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.webhooks.signing import new_secret

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


async def subscribe(world: World, urls: list[str]) -> None:
    database = Database(world.url, world.settings)
    try:
        async with database.transaction() as connection:
            for url in urls:
                await connection.execute(
                    text("""
                        INSERT INTO webhook (url, event_types, clearance, secret)
                        VALUES (:url, ARRAY['alert.created'], 'unclassified', :secret)
                    """),
                    {"url": url, "secret": new_secret()},
                )
    finally:
        await database.dispose()


def measure(world: World, report: Report, alerts: int, runs: int) -> None:
    rates, p50s, p99s, missing, duplicates = [], [], [], [], []
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= {"BLUEWATCH_DATABASE_URL": world.url, "BLUEWATCH_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
            "BLUEWATCH_WEBHOOK_POLL_SECONDS": "0.2"}  # fmt: skip
    receiver = Receiver()
    worker = subprocess.Popen(
        [sys.executable, "-m", "bluewatch", "worker", "--workers", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        remove_subscriptions(world.url)  # earlier workloads' sinks are closed
        asyncio.run(subscribe(world, [f"{receiver.url}?n={n}" for n in range(SUBSCRIPTIONS)]))
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
            p50s.append(percentile(latencies, 0.5) if latencies else float("nan"))
            p99s.append(percentile(latencies, 0.99) if latencies else float("nan"))
            missing.append(expected - len(first_receipt))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        receiver.close()
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
