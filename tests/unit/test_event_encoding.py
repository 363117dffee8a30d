"""An event is encoded once, whatever number of streams send it (issue 19)."""

from __future__ import annotations

from bluewatch.classification import Classification
from bluewatch.events.hub import Subscription
from bluewatch.events.log import StoredEvent


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
