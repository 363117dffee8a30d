"""Delivery workers: claim due deliveries, send them signed, record what happened.

Claims are short transactions (``FOR UPDATE SKIP LOCKED`` plus a lease), so many
workers in many processes share the queue. A worker that dies after sending and
before recording leaves the row ``delivering`` with a lease; when the lease ends
another worker sends it again with the same ``webhook-id``: at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.db.engine import Database
from bluewatch.events.listen import Backoff, listen_forever
from bluewatch.parsing import whole_number
from bluewatch.security import audit
from bluewatch.security.principal import SYSTEM, Actor
from bluewatch.settings import Settings
from bluewatch.webhooks import signing, store
from bluewatch.webhooks.metrics import WebhookMetrics
from bluewatch.webhooks.sender import ProtocolError, Sender
from bluewatch.webhooks.ssrf import Guard, GuardedConnector, Refused

logger = logging.getLogger(__name__)
WORKER_ACTOR = Actor(SYSTEM, request_id="webhook-worker")
USER_AGENT = "Bluewatch-Webhooks/1"
CONNECTIONS_PER_RECEIVER = 10  # at once, per worker process
BATCH = 20  # deliveries a loop claims at once

CLAIM = text("""
    UPDATE webhook_delivery d
    SET status = 'delivering', attempts = d.attempts + 1,
        lease_until = now() + make_interval(secs => :lease_seconds)
    FROM (
        SELECT delivery.id FROM webhook_delivery delivery
        JOIN webhook w ON w.id = delivery.webhook_id AND w.enabled
        WHERE delivery.next_attempt_at <= now()
          AND (delivery.status = 'pending'
               OR (delivery.status = 'delivering' AND delivery.lease_until < now()))
          -- An event marked above the subscription since it was queued is not sent.
          AND NOT EXISTS (SELECT 1 FROM event e
                          WHERE e.id = delivery.event_id AND e.classification > w.clearance)
          -- Nor a digest holding such an event (the marking trigger withholds it first).
          AND NOT EXISTS (SELECT 1 FROM webhook_delivery member
                          JOIN event e ON e.id = member.event_id
                          WHERE member.digest_id = delivery.id
                            AND e.classification > w.clearance)
        ORDER BY delivery.next_attempt_at
        LIMIT :batch
        FOR UPDATE OF delivery SKIP LOCKED
    ) due, webhook w
    WHERE d.id = due.id AND w.id = d.webhook_id
    RETURNING d.id, d.webhook_id, d.message_id, d.payload, d.attempts, w.url, w.secret,
              CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END
                  AS previous_secret
""")


@dataclass(frozen=True)
class Claimed:
    id: int
    webhook_id: int
    message_id: str
    payload: str
    attempts: int
    url: str
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    seconds = whole_number(value, upper=10**9)
    if seconds is not None:
        return float(seconds)
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    return None


class DeliveryWorker:
    """``loops`` delivery loops of one process, woken by one LISTEN connection.

    A notification wakes one idle loop, not all of them: every loop woken claims, and
    all but one found nothing (W7 sends every alert to 10 subscriptions; five loops
    woken per notification made four empty claims each time). A loop that claims a
    full batch wakes another, as more is likely waiting. A loop stops at a batch that
    is not full: whatever it could not see was committed after its claim began, and
    that commit's notification wakes a loop again.
    """

    def __init__(
        self,
        database: Database,
        plain_url: str,
        settings: Settings,
        metrics: WebhookMetrics,
        guard: Guard | None = None,
        loops: int = 1,
    ) -> None:
        self.database = database
        self.plain_url = plain_url
        self.settings = settings
        self.metrics = metrics
        self.loops = loops
        self.guard = guard or Guard(settings.webhook_allow_cidrs)
        self.sender = Sender(
            GuardedConnector(self.guard), CONNECTIONS_PER_RECEIVER,
            settings.webhook_max_response_bytes,
        )  # fmt: skip
        # At most one wake waits: the loop that takes it claims after every commit
        # notified so far.
        self.wakes: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self.digests_made_at = -math.inf

    async def run(self) -> None:
        """Deliver until cancelled; wakes on NOTIFY or every poll interval."""
        listening = listen_forever(
            self.plain_url,
            store.CHANNEL,
            self.wake,
            lambda: self.settings.webhook_poll_seconds,
            "webhook worker",
        )
        tasks = [asyncio.create_task(listening)]
        tasks += [asyncio.create_task(self.deliver_forever()) for _ in range(self.loops)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.sender.aclose()

    async def wake(self) -> None:
        """Wake an idle loop, unless a wake already waits for one."""
        with contextlib.suppress(asyncio.QueueFull):
            self.wakes.put_nowait(None)

    async def deliver_forever(self) -> None:
        backoff = Backoff()
        while True:
            await self.wakes.get()
            try:
                await self.drain()
                backoff.succeeded()
            except (DBAPIError, OSError) as error:
                wait = backoff.next()
                logger.warning("webhook loop failed (%s); waking again in %.1fs",
                               type(error).__name__, wait)  # fmt: skip
                await asyncio.sleep(wait)
                await self.wake()

    async def drain(self, batch: int = BATCH) -> None:
        """Make the digests due (at most once a poll interval: they fall due with time,
        not with a notification), then claim and send until a batch is not full."""
        now = time.monotonic()
        if now - self.digests_made_at >= self.settings.webhook_poll_seconds:
            self.digests_made_at = now
            async with self.database.transaction() as connection:
                await store.make_digests(connection)
        while True:
            claimed = await self.work_once(batch)
            self.metrics.claims.labels(found="some" if claimed else "none").inc()
            if claimed < batch:
                return
            await self.wake()  # more may be due: another loop helps

    async def work_once(self, batch: int = BATCH) -> int:
        """Claim and send one batch; returns how many were claimed."""
        async with self.database.transaction() as connection:
            rows = await connection.execute(
                CLAIM, {"lease_seconds": self.settings.webhook_lease_seconds, "batch": batch}
            )
            claimed = [
                Claimed(
                    row.id, row.webhook_id, row.message_id, row.payload, row.attempts, row.url,
                    [s for s in (row.secret, row.previous_secret) if s],
                )
                for row in rows
            ]  # fmt: skip
        outcomes = await asyncio.gather(*(self.send(item) for item in claimed))
        for outcome in outcomes:
            self.metrics.observe(outcome.delivered, outcome.duration_ms / 1000)
        if claimed:
            # One commit for the batch; a crash before it only means sending again.
            async with self.database.transaction() as connection:
                done = [(i, o) for i, o in zip(claimed, outcomes, strict=True) if o.delivered]
                await record_delivered(connection, done)
                for item, outcome in zip(claimed, outcomes, strict=True):
                    if not outcome.delivered:
                        await self.record_failed(connection, item, outcome)
        return len(claimed)

    async def send(self, item: Claimed) -> Outcome:
        body = item.payload.encode()
        headers = [
            ("content-type", "application/json"),
            ("user-agent", USER_AGENT),
            *signing.headers(item.secrets, item.message_id, int(time.time()), body).items(),
        ]
        started = time.perf_counter()
        try:
            answer = await self.sender.post(
                item.url, headers, body, self.settings.webhook_timeout_seconds
            )
        except Refused as refused:
            return Outcome(None, f"refused: {refused}", None, _ms(started))
        except TimeoutError:
            return Outcome(None, "timed out", None, _ms(started))
        except (ProtocolError, OSError) as error:
            return Outcome(None, f"network error: {type(error).__name__}", None, _ms(started))
        retry_after = retry_after_seconds(answer.retry_after)
        return Outcome(answer.status, None, retry_after, _ms(started))

    def next_delay(self, attempts: int, retry_after: float | None) -> float | None:
        """Seconds until the next attempt, or None when the schedule is exhausted."""
        schedule = self.settings.webhook_retry_schedule
        if attempts >= len(schedule):
            return None
        jitter = self.settings.webhook_jitter
        delay = schedule[attempts] * random.uniform(1 - jitter, 1 + jitter)  # noqa: S311
        if retry_after is not None:
            delay = max(delay, min(retry_after, 86_400.0))
        return delay

    async def record_failed(
        self, connection: AsyncConnection, item: Claimed, outcome: Outcome
    ) -> None:
        """An attempt that did not deliver: tried again later, or failed for good."""
        delay = None if outcome.gone else self.next_delay(item.attempts, outcome.retry_after)
        status = "failed" if delay is None else "pending"
        await connection.execute(
            text("""
                INSERT INTO webhook_attempt (delivery_id, status_code, error, duration_ms)
                VALUES (:id, :code, :error, :ms)
            """),
            {"id": item.id, "code": outcome.status_code, "error": outcome.error,
             "ms": outcome.duration_ms},
        )  # fmt: skip
        await connection.execute(
            text("""
                UPDATE webhook_delivery
                SET status = :status, lease_until = NULL, last_status_code = :code,
                    last_error = :error,
                    next_attempt_at = now() + make_interval(secs => :delay), delivered_at = NULL
                WHERE id = :id AND status = 'delivering'
            """),
            {"status": status, "code": outcome.status_code, "id": item.id,
             "error": outcome.error or f"HTTP {outcome.status_code}", "delay": delay or 0.0},
        )  # fmt: skip
        await self._track_subscription(connection, item, outcome)

    async def _track_subscription(
        self, connection: AsyncConnection, item: Claimed, outcome: Outcome
    ) -> None:
        """A failure starts the failing period (a success ends it: ``RECORD_DELIVERED``);
        410, or failing too long, disables."""
        reason = None
        if outcome.gone:
            reason = "the receiver answered 410 Gone"
        row = (
            await connection.execute(
                text("""
                    UPDATE webhook SET failing_since = coalesce(failing_since, now())
                    WHERE id = :id
                    RETURNING failing_since < now() - make_interval(secs => :limit) AS too_long
                """),
                {"id": item.webhook_id, "limit": self.settings.webhook_disable_after_hours * 3600},
            )
        ).first()
        if reason is None and row is not None and row.too_long:
            reason = f"failing for more than {self.settings.webhook_disable_after_hours:g} hours"
        if reason is None:
            return
        disabled = (
            await connection.execute(
                text("""
                    UPDATE webhook SET enabled = false, disabled_reason = :reason,
                           updated_at = now()
                    WHERE id = :id AND enabled
                    RETURNING id
                """),
                {"id": item.webhook_id, "reason": reason},
            )
        ).first()
        if disabled is not None:  # concurrent loops may all decide; one disables
            await audit.record(
                connection, WORKER_ACTOR, "webhooks.disable", object_type="webhook",
                object_id=item.webhook_id, details={"reason": reason},
            )  # fmt: skip


# The deliveries a batch sent, in one statement (before: three statements a delivery,
# sixty for a batch of twenty; W7 sends each alert to 10 sinks).
RECORD_DELIVERED = text("""
    WITH done AS (
        SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:webhooks AS bigint[]),
                             CAST(:codes AS int[]), CAST(:ms AS float8[]))
                      AS d(id, webhook_id, code, ms)
    ), attempts AS (
        INSERT INTO webhook_attempt (delivery_id, status_code, error, duration_ms)
        SELECT id, code, NULL, ms FROM done
    ), marked AS (
        UPDATE webhook_delivery w
        SET status = 'delivered', lease_until = NULL, last_status_code = d.code,
            last_error = NULL, next_attempt_at = now(), delivered_at = now()
        FROM done d WHERE w.id = d.id AND w.status = 'delivering'
    )
    UPDATE webhook SET failing_since = NULL  -- a success ends the failing period
    WHERE id IN (SELECT webhook_id FROM done) AND failing_since IS NOT NULL
""")


async def record_delivered(
    connection: AsyncConnection, done: list[tuple[Claimed, Outcome]]
) -> None:
    if done:
        await connection.execute(
            RECORD_DELIVERED,
            {
                "ids": [item.id for item, _ in done],
                "webhooks": [item.webhook_id for item, _ in done],
                "codes": [outcome.status_code for _, outcome in done],
                "ms": [outcome.duration_ms for _, outcome in done],
            },
        )


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def queue_state(database: Database) -> tuple[int, float]:
    """(deliveries due or in flight, age in seconds of the oldest one)."""
    async with database.read() as connection:
        row = (
            await connection.execute(
                text("""
                    SELECT count(*) AS depth,
                           coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest
                    FROM webhook_delivery WHERE status IN ('pending', 'delivering')
                """)
            )
        ).one()
    return int(row.depth), float(row.oldest)
