"""An event is encoded once, whatever number of streams send it (issue 19)."""

from __future__ import annotations

import asyncio
from typing import cast

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.events.hub import EventHub, Subscription
from bluewatch.events.log import StoredEvent
from bluewatch.events.sse import stream
from tests.aio import run


def test_every_stream_sends_the_same_encoded_bytes() -> None:
    event = StoredEvent(
        7, "alert.created", Classification.CONFIDENTIAL,
        '{"id": 7, "type": "alert.created", "timestamp": "t", "data": {}}',
    )  # fmt: skip
    readers = [Subscription(Classification.CONFIDENTIAL, 0) for _ in range(3)]
    below = Subscription(Classification.UNCLASSIFIED, 0)
    for subscription in [*readers, below]:
        subscription.offer(event)  # no event loop needed: the queues are filled at once
    assert below.queue.empty()  # the control: a reader below the marking gets nothing
    received = [subscription.queue.get_nowait() for subscription in readers]
    sent = [item.message for item in received if item is not None]
    assert len(sent) == 3
    assert sent[0] == (
        b'id: 7\nevent: alert.created\ndata: {"id": 7, "type": "alert.created", '
        b'"timestamp": "t", "data": {}}\n\n'
    )
    assert all(message is sent[0] for message in sent)  # one encoding, shared


def _event(number: int, marking: Classification = Classification.UNCLASSIFIED) -> StoredEvent:
    return StoredEvent(number, "alert.created", marking, f'{{"id": {number}}}')


async def _written(subscription: Subscription, writes: int) -> list[bytes]:
    """The first ``writes`` writes of a stream over ``subscription`` (a fresh client)."""

    async def clearance_now() -> Classification:
        return subscription.clearance

    hub = EventHub("postgresql://unused@localhost/unused", cast(Database, None))
    written = stream(hub, subscription, cast(Database, None), None, 60.0, clearance_now)
    return [await anext(written) for _ in range(writes)]


def test_events_already_queued_go_out_in_one_write() -> None:
    """Under load the hub queues a client several events at once; each write passes the
    whole middleware stack, so they leave together, in order, filtered as one by one."""
    subscription = Subscription(Classification.CONFIDENTIAL, 0)
    for event in (_event(1), _event(2), _event(3)):
        subscription.offer(event)
    subscription.queue.put_nowait(_event(4, Classification.CONFIDENTIAL))
    subscription.queue.put_nowait(_event(5))
    subscription.clearance = Classification.UNCLASSIFIED  # lowered since: 4 is held back
    [retry, opened, burst] = run(_written(subscription, 3))
    assert retry.startswith(b"retry:") and b"stream.open" in opened
    assert burst == b"".join(_event(n).message for n in (1, 2, 3, 5))
    assert subscription.queue.empty()


def test_a_client_that_fell_behind_gets_what_came_before_and_the_end() -> None:
    subscription = Subscription(Classification.UNCLASSIFIED, 0)
    subscription.queue = asyncio.Queue(maxsize=2)
    for number in (1, 2, 3):  # one more than the queue holds: the last place says "resume"
        subscription.offer(_event(number))
    assert subscription.overflowed

    async def whole() -> list[bytes]:
        async def clearance_now() -> Classification:
            return subscription.clearance

        hub = EventHub("postgresql://unused@localhost/unused", cast(Database, None))
        written = stream(hub, subscription, cast(Database, None), None, 60.0, clearance_now)
        return [part async for part in written]

    assert run(whole())[2:] == [_event(2).message]
