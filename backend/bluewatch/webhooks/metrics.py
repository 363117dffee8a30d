"""Prometheus metrics for webhook delivery, in a registry owned by the app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


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

    def exposition(self, depth: int, oldest_seconds: float) -> bytes:
        self.queue_depth.set(depth)
        self.oldest_pending.set(oldest_seconds)
        return generate_latest(self.registry)
