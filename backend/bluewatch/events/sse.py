"""The Server-Sent Events stream of alert events, with replay from Last-Event-ID."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.events.hub import EventHub, Subscription

RETRY_MS = 2000


def message(event: log.StoredEvent) -> bytes:
    return f"id: {event.id}\nevent: {event.type}\ndata: {event.envelope}\n\n".encode()


async def stream(
    hub: EventHub,
    subscription: Subscription,
    database: Database,
    last_event_id: int | None,
    heartbeat_seconds: float,
) -> AsyncIterator[bytes]:
    """Replay what followed ``last_event_id``, then stream live, never an event twice.

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
                    events = await log.read(connection, after, subscription.start_id, clearance)
                    if not events:
                        break
                    for missed in events:
                        yield message(missed)
                    after = events[-1].id
            cursor = max(last_event_id, subscription.start_id)
        while True:
            try:
                event: log.StoredEvent | None = await asyncio.wait_for(
                    subscription.queue.get(), heartbeat_seconds
                )
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if event is None:  # this client fell too far behind; it resumes from its id
                return
            if event.id > cursor:
                yield message(event)
                cursor = event.id
    finally:
        hub.unsubscribe(subscription)
