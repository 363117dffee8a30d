"""The Server-Sent Events stream of alert events, with replay from Last-Event-ID."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.events.hub import EventHub, Subscription

RETRY_MS = 2000
# The principal's clearance now, or None once its key, user or session is gone.
Recheck = Callable[[], Awaitable[Classification | None]]
BURST = 1000  # events a client is sent in one write, at most
CLOSED = b'event: stream.closed\ndata: {"reason": "credential"}\n\n'


async def stream(
    hub: EventHub,
    subscription: Subscription,
    database: Database,
    last_event_id: int | None,
    heartbeat_seconds: float,
    recheck: Recheck,
) -> AsyncIterator[bytes]:
    """Replay what followed ``last_event_id``, then stream live, never an event twice.

    The principal's rights are checked again at least every ``heartbeat_seconds``: a
    revoked key, disabled user or ended session closes the stream, and a changed
    clearance filters every later event.

    The caller subscribes *before* the response starts: once the client has the
    headers, every later commit must reach it, and the body only runs when the event
    loop gets to it.
    """
    clearance = subscription.clearance
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        cursor = subscription.start_id
        if last_event_id is None:
            # A fresh client learns where the stream starts, so that a break before its
            # first alert event still resumes without a gap.
            yield (
                f"id: {subscription.start_id}\nevent: stream.open\n"
                f'data: {{"position": {subscription.start_id}}}\n\n'
            ).encode()
        else:
            async with database.read() as connection:
                oldest = await log.oldest_retained(connection)
                if oldest is not None and last_event_id < oldest - 1:
                    # Events after last_event_id may have been purged: tell the client
                    # to reload the alert list instead of trusting the replay alone.
                    yield b'event: stream.reset\ndata: {"reason": "retention"}\n\n'
                after = last_event_id
                while after < subscription.start_id:
                    events = await log.read(
                        connection, after, subscription.start_id, clearance,
                        layers=subscription.layers,
                    )  # fmt: skip
                    if not events:
                        break
                    for missed in events:
                        yield missed.message
                    after = events[-1].id
            cursor = max(last_event_id, subscription.start_id)
        checked = time.monotonic()
        while True:
            if time.monotonic() - checked >= heartbeat_seconds:
                current = await recheck()
                if current is None:
                    yield CLOSED
                    return
                subscription.clearance = current
                checked = time.monotonic()
            try:
                event: log.StoredEvent | None = await asyncio.wait_for(
                    subscription.queue.get(), heartbeat_seconds
                )
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            # What else is queued already goes out in the same write: under load the hub
            # hands each client its events in bursts, and every write passes the whole
            # middleware stack and a system call, once per client.
            burst = [event]
            while len(burst) < BURST and not subscription.queue.empty():
                burst.append(subscription.queue.get_nowait())
            messages = []
            for queued in burst:
                if queued is None:  # this client fell too far behind; it resumes from its id
                    break
                if queued.id > cursor and queued.classification.rank <= subscription.clearance.rank:
                    messages.append(queued.message)
                    cursor = queued.id
            if messages:
                yield b"".join(messages)
            if burst[-1] is None:
                return
    finally:
        hub.unsubscribe(subscription)
