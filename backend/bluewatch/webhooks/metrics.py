"""Prometheus metrics for webhook delivery, in a registry owned by the app or the worker.

The API shows them at its ``/metrics``; a ``bluewatch worker`` process serves its own
(deliveries it made, the queue, the process) when given ``--metrics-port``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    start_http_server,
)


class WebhookMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "bluewatch_webhook_deliveries",
            "Webhook delivery attempts by result",
            ["result"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bluewatch_webhook_attempt_seconds",
            "Duration of one webhook delivery attempt",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30),
            registry=self.registry,
        )
        self.claims = Counter(
            "bluewatch_webhook_claims",
            "Claims of due deliveries by a delivery loop, by whether they found any",
            ["found"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "bluewatch_webhook_queue_depth",
            "Deliveries pending or in flight",
            registry=self.registry,
        )
        self.oldest_pending = Gauge(
            "bluewatch_webhook_oldest_pending_seconds",
            "Age of the oldest delivery still pending or in flight",
            registry=self.registry,
        )

    def observe(self, delivered: bool, seconds: float) -> None:
        self.deliveries.labels(result="success" if delivered else "failure").inc()
        self.latency.observe(seconds)

    def set_queue(self, depth: int, oldest_seconds: float) -> None:
        self.queue_depth.set(depth)
        self.oldest_pending.set(oldest_seconds)

    def exposition(self, depth: int, oldest_seconds: float) -> bytes:
        self.set_queue(depth, oldest_seconds)
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> None:
        """Serve this registry, with the process's own metrics, on ``host:port`` (a
        worker has no API of its own)."""
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        start_http_server(port, addr=host, registry=self.registry)


async def keep_queue_current(
    metrics: WebhookMetrics, read: Callable[[], Awaitable[tuple[int, float]]], every: float
) -> None:
    """Refresh the queue gauges every ``every`` seconds (the worker's scrape cannot
    query the database itself)."""
    while True:
        metrics.set_queue(*await read())
        await asyncio.sleep(every)
