"""What /metrics tells an operator besides webhooks: HTTP requests by route template and
their latency, rule evaluation time, open streams and their event lag, the database pool,
and the process itself."""

from __future__ import annotations

import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bluewatch.api.paths import PathTable
from bluewatch.rules.engine import EVALUATION_SECONDS

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ServiceMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "bluewatch_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "bluewatch_http_request_duration_seconds",
            "Time to the response's first byte, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.streams = Gauge(
            "bluewatch_sse_clients", "Open alert streams in this process", registry=registry
        )
        self.stream_position = Gauge(
            "bluewatch_sse_delivered_event_id",
            "The newest event id this process has handed to its streams",
            registry=registry,
        )
        self.event_lag = Histogram(
            "bluewatch_sse_event_lag_seconds",
            "From the transaction that wrote an event to its hand-over to this process's streams",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        registry.register(EVALUATION_SECONDS)
        self.tile_cache = Counter(
            "bluewatch_tile_cache_lookups",
            "Vector tile requests by whether the rendered tile was in memory",
            ["result"],
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "bluewatch_db_pool_connections_in_use",
            "Database connections checked out of this process's pool",
            registry=registry,
        )
        self.pool_size = Gauge(
            "bluewatch_db_pool_connections",
            "Database connections held open by this process's pool",
            registry=registry,
        )
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)


class RequestMetrics:
    """Counts each request under its route template (``/api/v1/incidents/{record_id}``),
    never its raw path, so ids do not become label values."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, paths: PathTable) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        route = self.paths.template(scope["path"]) or "other"
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                self.metrics.latency.labels(scope["method"], route).observe(
                    time.perf_counter() - started
                )
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
