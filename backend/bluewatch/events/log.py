"""The append-only event log, and reading it without ever skipping a late commit.

Event ids come from a sequence, and sequence values commit out of order: a
transaction may take id 5, another take id 6 and commit first. A reader that saw
6 and then resumes "after 6" would miss 5. So readers only read up to a *safe
horizon*. Writers take their transaction id before their event ids
(``pg_current_xact_id()``). A reader samples the sequence's last value L, then
takes a transaction id X of its own: every writer of an id up to L holds an xid
below X. Once the snapshot's xmin has passed X, all of those writers have ended
and the ids up to L are final.

(A snapshot's xmax is *not* such a bound: it is the newest completed xid + 1, and
running transactions may already hold larger xids. A stress test caught that.)
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.layers import LAYERS
from bluewatch.rules.alerts import EVENT_FEATURE
from bluewatch.webhooks import store as webhooks

CHANNEL = "bluewatch_events"

APPEND = text(f"""
    INSERT INTO event (type, alert_id, classification, data)
    SELECT change.type, a.id, a.classification, {EVENT_FEATURE}
    FROM unnest(CAST(:alert_ids AS bigint[]), CAST(:types AS text[]))
         WITH ORDINALITY AS change(alert_id, type, ord)
    JOIN alert a ON a.id = change.alert_id
    ORDER BY change.ord
    RETURNING id
""")


@dataclass(frozen=True)
class AlertChange:
    alert_id: int
    type: str  # alert.created | alert.updated | alert.acknowledged | alert.resolved

    @classmethod
    def raised(cls, rows: Iterable[Any]) -> list[AlertChange]:
        """The changes a rule's statement made: rows of (id, created)."""
        return [cls(row.id, "alert.created" if row.created else "alert.updated") for row in rows]


async def _announce(connection: AsyncConnection, ids: list[int]) -> None:
    """Wake the hubs (a notification carries the last id only)."""
    if ids:
        await connection.execute(
            text("SELECT pg_notify(:channel, :last_id)"),
            {"channel": CHANNEL, "last_id": str(max(ids))},
        )


async def append(connection: AsyncConnection, changes: Sequence[AlertChange]) -> list[int]:
    """Write one event per change in the caller's transaction; returns the event ids."""
    if not changes:
        return []
    return await append_about_alerts(
        connection,
        APPEND,
        {
            "alert_ids": [change.alert_id for change in changes],
            "types": [change.type for change in changes],
        },
    )


async def append_about_alerts(
    connection: AsyncConnection, insert: TextClause, values: dict[str, Any]
) -> list[int]:
    """Run ``insert`` (an INSERT INTO event … RETURNING id of events about alerts: their
    own changes, their tasks'), announce the events and queue their webhook deliveries."""
    # The transaction id must exist before the event ids are taken (see module doc).
    await connection.execute(text("SELECT pg_current_xact_id()"))
    ids = list((await connection.execute(insert, values)).scalars())
    await _announce(connection, ids)
    await webhooks.enqueue(connection, ids)  # nothing depends on memory: same transaction
    return ids


# Layer events are thin: which record of which layer, and what happened to it. A
# statement that changes more records than this tells readers once that the layer
# changed (``<layer>.batch``), instead of once per record (an import of a million rows).
BATCH_EVENT_LIMIT = 1000

APPEND_RECORDS = """
    INSERT INTO event (type, layer, record_id, classification, data)
    SELECT :layer || '.' || change.type, :layer, t.id, t.classification,
           json_build_object('layer', :layer, 'id', t.id)
    FROM unnest(CAST(:ids AS bigint[]), CAST(:types AS text[]))
         WITH ORDINALITY AS change(record_id, type, ord)
    JOIN {table} t ON t.id = change.record_id
    ORDER BY change.ord
    RETURNING id
"""

APPEND_BATCH = """
    INSERT INTO event (type, layer, classification, data)
    SELECT :layer || '.batch', :layer, min(t.classification),
           json_build_object('layer', :layer, 'id', NULL)
    FROM {table} t WHERE t.id = ANY(:ids)
    HAVING count(*) > 0
    RETURNING id
"""

APPEND_REMOVAL = text("""
    INSERT INTO event (type, layer, record_id, classification, hidden_from, data)
    VALUES (:layer || '.deleted', :layer, :id, CAST(:classification AS classification),
            CAST(:hidden_from AS classification), json_build_object('layer', :layer, 'id', :id))
    RETURNING id
""")

LAYER_TABLES = tuple(spec.table for spec in LAYERS.values())


async def append_record_changes(
    connection: AsyncConnection, layer: str, changes: Sequence[tuple[int, str]]
) -> list[int]:
    """Events for records created or updated (``(record id, "created" | "updated")``),
    each marked as its record is now; past ``BATCH_EVENT_LIMIT``, one batch event."""
    assert layer in LAYER_TABLES
    if not changes:
        return []
    await connection.execute(text("SELECT pg_current_xact_id()"))  # see the module doc
    ids = [record_id for record_id, _ in changes]
    if len(changes) > BATCH_EVENT_LIMIT:
        statement, params = APPEND_BATCH, {"layer": layer, "ids": ids}
    else:
        types = [change for _, change in changes]
        statement, params = APPEND_RECORDS, {"layer": layer, "ids": ids, "types": types}
    rows = await connection.execute(text(statement.format(table=layer)), params)
    event_ids = list(rows.scalars())
    await _announce(connection, event_ids)
    return event_ids


async def append_record_removal(
    connection: AsyncConnection,
    layer: str,
    record_id: int,
    classification: Classification,
    hidden_from: Classification | None = None,
) -> int:
    """A record is gone for readers cleared for ``classification``: deleted (no
    ``hidden_from``), or reclassified to ``hidden_from``, above some of them."""
    assert layer in LAYER_TABLES
    await connection.execute(text("SELECT pg_current_xact_id()"))
    event_id = int(
        (
            await connection.execute(
                APPEND_REMOVAL,
                {
                    "layer": layer,
                    "id": record_id,
                    "classification": classification.value,
                    "hidden_from": hidden_from.value if hidden_from else None,
                },
            )
        ).scalar_one()
    )
    await _announce(connection, [event_id])
    return event_id


@dataclass
class Horizon:
    """Tracks the highest event id that no later commit can precede."""

    safe_id: int = 0
    # (reader xid, last id) samples; dropping the oldest only delays, as later ones
    # cover them.
    _pending: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=1000))

    @property
    def waiting(self) -> bool:
        """Samples wait for writers to end: advance again soon."""
        return bool(self._pending) and self._pending[-1][1] > self.safe_id

    async def advance(self, connection: AsyncConnection) -> int:
        """Sample, and release what earlier samples made safe. The caller's transaction
        gets an xid here: end it at once (before reading), as it holds back every
        reader's horizon while it lasts."""
        last_id = (
            await connection.execute(
                text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM event_id_seq")
            )
        ).scalar_one()
        row = (
            await connection.execute(
                text("""
                    SELECT pg_current_xact_id()::text::numeric AS reader_xid,
                           pg_snapshot_xmin(pg_current_snapshot())::text::numeric AS xmin
                """)
            )
        ).one()
        while self._pending and self._pending[0][0] < int(row.xmin):
            self.safe_id = max(self.safe_id, self._pending.popleft()[1])
        self._pending.append((int(row.reader_xid), int(last_id)))
        return self.safe_id


@dataclass(frozen=True)
class StoredEvent:
    id: int
    type: str
    classification: Classification
    envelope: str  # {"id", "type", "timestamp", "data"} as JSON text
    age_seconds: float = 0.0  # since the writing transaction began, when read
    hidden_from: Classification | None = None

    @property
    def about_alert(self) -> bool:
        """An alert's own change or its task's (the stream without layers sends both)."""
        return self.type.startswith(("alert.", "task."))

    @functools.cached_property
    def message(self) -> bytes:
        """The event as one SSE message, encoded once however many streams send it (the
        same bytes for every reader allowed to see it)."""
        return f"id: {self.id}\nevent: {self.type}\ndata: {self.envelope}\n\n".encode()

    def visible_to(self, clearance: Classification) -> bool:
        """Marked within the clearance, and not meant only for readers below it."""
        return self.classification.rank <= clearance.rank and (
            self.hidden_from is None or clearance.rank < self.hidden_from.rank
        )


# An event's age when read: seconds since its writing transaction began (the lag).
AGE = "extract(epoch FROM clock_timestamp() - occurred_at)"


async def read(
    connection: AsyncConnection,
    after_id: int,
    up_to_id: int,
    clearance: Classification | None = None,
    limit: int = 1000,
    layers: bool = True,
) -> list[StoredEvent]:
    """Events after ``after_id`` up to ``up_to_id`` that a reader with ``clearance``
    receives; every event when ``clearance`` is None (the hub, which filters per stream).
    Without ``layers``, alert events only."""
    rows = await connection.execute(
        text(f"""
            SELECT id, type, classification, hidden_from, {AGE} AS age,
                   json_build_object('id', id, 'type', type, 'timestamp', occurred_at,
                                     'data', data)::text AS envelope
            FROM event
            WHERE id > :after AND id <= :up_to
              AND (:layers OR alert_id IS NOT NULL)
              AND (CAST(:clearance AS classification) IS NULL
                   OR (classification <= CAST(:clearance AS classification)
                       AND (hidden_from IS NULL
                            OR hidden_from > CAST(:clearance AS classification))))
            ORDER BY id
            LIMIT :limit
        """),
        {
            "after": after_id,
            "up_to": up_to_id,
            "clearance": clearance.value if clearance else None,
            "limit": limit,
            "layers": layers,
        },
    )
    return [
        StoredEvent(
            row.id,
            row.type,
            Classification(row.classification),
            row.envelope,
            float(row.age),
            Classification(row.hidden_from) if row.hidden_from else None,
        )
        for row in rows
    ]


AGES = text(f"""
    SELECT id, {AGE} AS age
    FROM event WHERE id > :after AND id <= :up_to
    ORDER BY id LIMIT :limit
""")


async def ages(
    connection: AsyncConnection, after_id: int, up_to_id: int, limit: int = 10_000
) -> list[tuple[int, float]]:
    """(id, seconds since it was written) of the events after ``after_id`` up to
    ``up_to_id``, at most ``limit``: what the hub observes of events no stream is open
    for."""
    rows = await connection.execute(AGES, {"after": after_id, "up_to": up_to_id, "limit": limit})
    return [(row.id, float(row.age)) for row in rows]


async def oldest_retained(connection: AsyncConnection) -> int | None:
    return (await connection.execute(text("SELECT min(id) FROM event"))).scalar()


async def purge(connection: AsyncConnection, retention_days: float) -> int:
    result = await connection.execute(
        text("DELETE FROM event WHERE occurred_at < now() - make_interval(secs => :seconds)"),
        {"seconds": retention_days * 86_400},
    )
    return result.rowcount or 0
