"""The audit log: who did what, to which object, at which classification, and the result.

Entries never hold secrets, tokens or geometry. A write and its entry commit in the
same transaction; denials and failed sign-ins are written on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.layers import LAYERS
from bluewatch.security.principal import Actor
from bluewatch.security.scope import ENTRY_WITHIN, bound

Result = Literal["success", "denied", "failed"]

INSERT = text("""
    INSERT INTO audit_log
        (actor, role, action, object_type, object_id, classification, result,
         request_id, address, details)
    VALUES (:actor, :role, :action, :object_type, :object_id,
            CAST(:classification AS classification), :result, :request_id, :address,
            CAST(:details AS jsonb))
""")


@dataclass(frozen=True)
class Entry:
    actor: Actor
    action: str
    result: Result = "success"
    object_type: str | None = None
    object_id: str | int | None = None
    classification: Classification | None = None
    details: dict[str, Any] | None = None

    def params(self) -> dict[str, Any]:
        return {
            "actor": self.actor.principal.name,
            "role": self.actor.principal.role.value,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": None if self.object_id is None else str(self.object_id),
            "classification": self.classification.value if self.classification else None,
            "result": self.result,
            "request_id": self.actor.request_id,
            "address": self.actor.address,
            "details": orjson.dumps(self.details or {}).decode(),
        }


async def record(
    connection: AsyncConnection,
    actor: Actor,
    action: str,
    *,
    result: Result = "success",
    object_type: str | None = None,
    object_id: str | int | None = None,
    classification: Classification | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    entry = Entry(actor, action, result, object_type, object_id, classification, details)
    await connection.execute(INSERT, entry.params())


async def record_each(connection: AsyncConnection, entries: list[Entry]) -> None:
    """Several entries in one round trip (an executemany, which psycopg pipelines)."""
    if entries:
        await connection.execute(INSERT, [entry.params() for entry in entries])


async def record_alone(database: Database, actor: Actor, action: str, **fields: Any) -> None:
    """An entry in its own transaction: for outcomes whose own transaction rolls back."""
    async with database.transaction() as connection:
        await record(connection, actor, action, **fields)


# An entry about a layer record follows the record's marking now: once a record is
# raised above the reader, the entries about it go with it (issue 14, 8).
RECORD_STILL_WITHIN = " AND ".join(
    f"""NOT EXISTS (SELECT 1 FROM {table} r
           WHERE object_type = '{table}'
             AND r.id = CASE WHEN object_id ~ '^[0-9]{{1,18}}$' THEN object_id::bigint END
             AND r.classification > CAST(:scope AS classification))"""
    for table in (spec.table for spec in LAYERS.values())
)


async def entries(
    connection: AsyncConnection,
    *,
    since: datetime | None,
    action: str | None,
    actor: str | None,
    before_id: int | None,
    limit: int,
    scope: Classification,
) -> list[dict[str, Any]]:
    """Entries about what lies within ``scope`` (the reader's clearance), newest first."""
    rows = await connection.execute(
        text(f"""
            SELECT id, at, actor, role, action, object_type, object_id, classification,
                   result, request_id, address, details
            FROM audit_log
            WHERE (CAST(:since AS timestamptz) IS NULL OR at >= :since)
              AND (CAST(:action AS text) IS NULL OR action = :action)
              AND (CAST(:actor AS text) IS NULL OR actor = :actor)
              AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id)
              AND {ENTRY_WITHIN}
              AND {RECORD_STILL_WITHIN}
            ORDER BY id DESC
            LIMIT :limit
        """),
        {
            "since": since,
            "action": action,
            "actor": actor,
            "before_id": before_id,
            "limit": limit,
            **bound(scope),
        },
    )
    return [dict(row._mapping) for row in rows]
