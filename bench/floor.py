"""W1's floor: how fast the rows an ingest had to write can be written at all.

DESIGN §5 runs the rules in the transaction that writes the incidents, so a batch is
done only when its incidents, the alerts they raise, the alerts' members and every
event are written. This takes the rows the API wrote for W1's batches and writes them
again by COPY, with nothing computed (no parsing, no rule, no distance), beside COPY of
the incidents alone into the same tables, in one transaction rolled back after.
Nothing that writes these rows in that transaction can ingest faster.

A second floor keeps only the rows the contract itself asks for: the incidents, their
alerts, the alerts' events (DESIGN §6) and the members of grouped alerts (§5); not
the layer events the live map reads nor the member row of an alert that rests on one
incident (it names the incident itself). Bluewatch writes those for its own features;
the second floor shows what dropping them could give at most.

The one audit row per request is left out (the log is append-only), and alerts that
grew rather than opened count only their new members and events: both make the floors
lower than the true ones, never higher.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg

# In the order COPY writes them back (members and events name alerts and incidents).
TABLES = ("incident", "alert", "alert_member", "event")


@dataclass(frozen=True)
class Marks:
    """The highest incident, alert and event id at one moment."""

    incident: int
    alert: int
    event: int

    @classmethod
    def now(cls, url: str) -> Marks:
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM incident),"
                " (SELECT coalesce(max(id), 0) FROM alert),"
                " (SELECT coalesce(max(id), 0) FROM event)"
            ).fetchone()
        assert row is not None
        return cls(*row)


def _between(table: str, before: Marks, after: Marks) -> str:
    """SQL: the rows of ``table`` written between two marks."""
    incident = f"BETWEEN {before.incident + 1} AND {after.incident}"
    alert = f"BETWEEN {before.alert + 1} AND {after.alert}"
    return {
        "incident": f"id {incident}",
        "alert": f"id {alert}",
        "alert_member": f"alert_id {alert} OR incident_id {incident}",
        "event": f"id BETWEEN {before.event + 1} AND {after.event}",
    }[table]


# SQL over a row of ``table``: the contract asks for it (the second floor).
ASKED_FOR = {
    "incident": "true",
    "alert": "true",
    "alert_member": "EXISTS (SELECT 1 FROM alert a WHERE a.id = alert_id"
    " AND (a.rule_kind <> 'proximity' OR a.member_count > 1))",
    "event": "alert_id IS NOT NULL",
}


@dataclass(frozen=True)
class Floor:
    """Seconds to COPY: the incidents alone, every row, the rows the contract asks for."""

    alone: float
    every: float
    asked_for: float


def measure(url: str, before: Marks, after: Marks) -> Floor:
    with psycopg.connect(url) as connection:
        rows, asked = {}, {}
        for table in TABLES:
            written = _between(table, before, after)
            rows[table] = _copy_out(connection, table, written)
            asked[table] = _copy_out(connection, table, f"({written}) AND {ASKED_FOR[table]}")
        for table in reversed(TABLES):
            connection.execute(f"DELETE FROM {table} WHERE {_between(table, before, after)}")
        # The deletes' deferred triggers run before the clock starts.
        _run_deferred_triggers(connection)
        connection.execute("SAVEPOINT floor")
        alone = _copy_in(connection, {"incident": rows["incident"]})
        connection.execute("ROLLBACK TO SAVEPOINT floor")
        asked_for = _copy_in(connection, asked)
        connection.execute("ROLLBACK TO SAVEPOINT floor")
        every = _copy_in(connection, rows)
        connection.rollback()
    return Floor(alone, every, asked_for)


def _copy_out(connection: psycopg.Connection, table: str, where: str) -> bytes:
    data = bytearray()
    with connection.cursor().copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as copy:
        for chunk in copy:
            data += chunk
    return bytes(data)


def _copy_in(connection: psycopg.Connection, rows: dict[str, bytes]) -> float:
    started = time.perf_counter()
    for table, data in rows.items():
        if data:
            with connection.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(data)
    # The deferred triggers (layer versions) run inside the clock.
    _run_deferred_triggers(connection)
    return time.perf_counter() - started


def _run_deferred_triggers(connection: psycopg.Connection) -> None:
    connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.execute("SET CONSTRAINTS ALL DEFERRED")
