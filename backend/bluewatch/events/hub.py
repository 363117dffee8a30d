"""Fan-out of committed events to this process's open streams.

Each API process runs one hub. It LISTENs on the event channel (notifications
carry ids only), and on every notification or poll reads the log up to the safe
horizon and hands each event to the streams allowed to see it. A dropped listener
connection is reopened, and the hub catches up from the table, so nothing depends
on a notification arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.events.listen import listen_forever

PENDING_POLL_SECONDS = 0.02
AGES_AT_ONCE = 10_000  # events' ages read at once while no stream is open
OVERFLOW = None  # put in a full subscriber's queue: the stream ends, the client resumes


@dataclass(eq=False)
class Subscription:
    clearance: Classification
    start_id: int  # the hub had delivered up to here when the stream subscribed
    layers: bool = False  # layer changes too, not only alert events
    queue: asyncio.Queue[log.StoredEvent | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=10_000)
    )
    overflowed: bool = False

    def offer(self, event: log.StoredEvent) -> None:
        if self.overflowed or not event.visible_to(self.clearance):
            return
        if not self.layers and not event.about_alert:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)


class EventHub:
    def __init__(
        self,
        plain_url: str,
        database: Database,
        poll_seconds: float = 1.0,
        observe_lag: Callable[[float], None] | None = None,
    ) -> None:
        self._url = plain_url
        self._observe_lag = observe_lag
        self._database = database
        self._poll_seconds = poll_seconds
        self._horizon = log.Horizon()
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self.delivered_id = 0

    async def start(self) -> None:
        # Wait for a first safe horizon, so live streams start at "now".
        for _ in range(200):
            async with self._database.read() as connection:
                self.delivered_id = await self._horizon.advance(connection)
                if self.delivered_id or not await log.oldest_retained(connection):
                    break
            await asyncio.sleep(0.02)
        self._task = asyncio.create_task(self._run(), name="bluewatch-event-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self, clearance: Classification, layers: bool = False) -> Subscription:
        subscription = Subscription(clearance, self.delivered_id, layers)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def _run(self) -> None:
        await listen_forever(
            self._url,
            log.CHANNEL,
            self.pump,
            # While commits are still settling, look again soon.
            lambda: PENDING_POLL_SECONDS if self._horizon.waiting else self._poll_seconds,
            "event hub",
        )

    async def pump(self) -> None:
        """Deliver everything committed up to the safe horizon."""
        # Sampling gives the transaction an xid, which holds back every reader's horizon
        # until it ends: sample in a transaction of its own, then read without an xid.
        async with self._database.read() as connection:
            safe_id = await self._horizon.advance(connection)
        async with self._database.read() as connection:
            while self.delivered_id < safe_id:
                if not self._subscribers:
                    # No stream to hand them to: their ages (the lag) are all that is
                    # needed, unless a stream opened meanwhile (its start is the old
                    # position: it must be given these events).
                    ages = await log.ages(connection, self.delivered_id, safe_id, AGES_AT_ONCE)
                    if not self._subscribers:
                        self._observe([age for _, age in ages])
                        whole = len(ages) < AGES_AT_ONCE
                        self.delivered_id = safe_id if whole else ages[-1][0]
                        continue
                events = await log.read(connection, self.delivered_id, safe_id)
                if not events:
                    self.delivered_id = safe_id
                    break
                for event in events:
                    for subscription in list(self._subscribers):
                        subscription.offer(event)
                self._observe([event.age_seconds for event in events])
                self.delivered_id = events[-1].id

    def _observe(self, ages: list[float]) -> None:
        if self._observe_lag is not None:
            for age in ages:
                self._observe_lag(age)
