"""Subscriptions and the delivery log, in SQL."""

from __future__ import annotations

import secrets as random
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import NotFound
from bluewatch.security.scope import CLEARANCE_WITHIN, bound
from bluewatch.webhooks.signing import new_secret

CHANNEL = "bluewatch_deliveries"
PUBLIC = """id, url, description, event_types, min_level::text AS min_level, camp_ids, route_ids,
    clearance::text AS clearance, enabled, digest_minutes, failing_since, disabled_reason,
    created_by,
    created_at, updated_at,
    (previous_secret IS NOT NULL AND previous_secret_until > now()) AS rotating"""
DELIVERY = """id, webhook_id, event_id, message_id, event_type, status, digest_id, attempts,
    next_attempt_at, last_status_code, last_error, created_at, delivered_at"""
FIELDS = ("url", "description", "event_types", "min_level", "camp_ids", "route_ids",
          "clearance", "enabled", "digest_minutes")  # fmt: skip

ENQUEUE = text("""
    WITH queued AS (
        INSERT INTO webhook_delivery (webhook_id, event_id, message_id, event_type, payload,
                                      status)
        SELECT w.id, e.id, e.id::text, e.type,
               json_build_object('id', e.id, 'type', e.type, 'timestamp', e.occurred_at,
                                 'data', e.data)::text,
               -- A digest subscription waits for its digest, but never for a critical alert.
               CASE WHEN w.digest_minutes > 0 AND a.level <> 'critical' THEN 'held'
                    ELSE 'pending' END
        FROM event e
        JOIN alert a ON a.id = e.alert_id
        JOIN webhook w
          ON w.enabled
         AND e.type = ANY(w.event_types)
         AND e.classification <= w.clearance
         AND a.level >= w.min_level
         AND ((cardinality(w.camp_ids) = 0 AND cardinality(w.route_ids) = 0)
              OR (a.target_type = 'camp' AND a.target_id = ANY(w.camp_ids))
              OR (a.target_type = 'route' AND a.target_id = ANY(w.route_ids)))
        WHERE e.id = ANY(CAST(:event_ids AS bigint[]))
        RETURNING 1
    )
    SELECT count(*) FROM queued
""")


async def enqueue(connection: AsyncConnection, event_ids: list[int]) -> int:
    """Delivery rows for every subscription that wants these events (same transaction)."""
    queued = int((await connection.execute(ENQUEUE, {"event_ids": event_ids})).scalar_one())
    if queued:
        await connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return queued


async def create(
    connection: AsyncConnection, fields: dict[str, Any], created_by: str
) -> tuple[dict[str, Any], str]:
    secret = new_secret()
    row = (
        await connection.execute(
            text(f"""
                INSERT INTO webhook (url, description, event_types, min_level, camp_ids,
                                     route_ids, clearance, enabled, digest_minutes, secret,
                                     created_by)
                VALUES (:url, :description, :event_types, CAST(:min_level AS alert_level),
                        :camp_ids, :route_ids, CAST(:clearance AS classification), :enabled,
                        :digest_minutes, :secret, :created_by)
                RETURNING {PUBLIC}
            """),
            {**fields, "secret": secret, "created_by": created_by},
        )
    ).one()
    return dict(row._mapping), secret


async def listing(connection: AsyncConnection, scope: Classification) -> list[dict[str, Any]]:
    rows = await connection.execute(
        text(f"SELECT {PUBLIC} FROM webhook WHERE {CLEARANCE_WITHIN} ORDER BY id"), bound(scope)
    )
    return [dict(row._mapping) for row in rows]


async def get(
    connection: AsyncConnection, webhook_id: int, scope: Classification, *, lock: bool = False
) -> dict[str, Any]:
    """The subscription, when it lies within ``scope``; ``lock`` holds it for a change."""
    row = (
        await connection.execute(
            text(f"""
                SELECT {PUBLIC} FROM webhook WHERE id = :id AND {CLEARANCE_WITHIN}
                {"FOR UPDATE" if lock else ""}
            """),
            {"id": webhook_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such webhook (id {webhook_id}).")
    return dict(row._mapping)


async def update(
    connection: AsyncConnection, webhook_id: int, changes: dict[str, Any], scope: Classification
) -> dict[str, Any]:
    casts = {"min_level": "alert_level", "clearance": "classification"}
    assignments = [
        f"{name} = CAST(:{name} AS {casts[name]})" if name in casts else f"{name} = :{name}"
        for name in changes
        if name in FIELDS
    ]
    if changes.get("enabled") is True:  # re-enabling forgives the past failures
        assignments += ["failing_since = NULL", "disabled_reason = NULL"]
    row = (
        await connection.execute(
            text(f"""
                UPDATE webhook SET {", ".join([*assignments, "updated_at = now()"])}
                WHERE id = :id AND {CLEARANCE_WITHIN} RETURNING {PUBLIC}
            """),
            {**changes, "id": webhook_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such webhook (id {webhook_id}).")
    if "clearance" in changes:
        await connection.execute(WITHHOLD_ABOVE_CLEARANCE, {"id": webhook_id})
    return dict(row._mapping)


# A subscription's clearance lowered: what it may no longer see is not sent.
WITHHOLD_ABOVE_CLEARANCE = text("""
    UPDATE webhook_delivery d
    SET status = 'withheld', last_error = 'above the subscription''s clearance'
    FROM event e, webhook w
    WHERE d.webhook_id = :id AND w.id = d.webhook_id AND e.id = d.event_id
      AND d.status IN ('pending', 'held') AND e.classification > w.clearance
""")


async def delete(
    connection: AsyncConnection, webhook_id: int, scope: Classification
) -> Classification:
    """Unsubscribe; the clearance the subscription had."""
    row = (
        await connection.execute(
            text(f"DELETE FROM webhook WHERE id = :id AND {CLEARANCE_WITHIN} RETURNING clearance"),
            {"id": webhook_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such webhook (id {webhook_id}).")
    return Classification(row.clearance)


async def rotate(
    connection: AsyncConnection, webhook_id: int, overlap: timedelta, scope: Classification
) -> str:
    """A new secret; the old one keeps signing beside it for ``overlap``."""
    secret = new_secret()
    row = (
        await connection.execute(
            text(f"""
                UPDATE webhook SET previous_secret = secret, secret = :secret,
                       previous_secret_until = now() + :overlap, updated_at = now()
                WHERE id = :id AND {CLEARANCE_WITHIN} RETURNING id
            """),
            {"secret": secret, "overlap": overlap, "id": webhook_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such webhook (id {webhook_id}).")
    return secret


async def deliveries(
    connection: AsyncConnection, webhook_id: int, scope: Classification, limit: int = 100
) -> list[dict[str, Any]]:
    await get(connection, webhook_id, scope)
    rows = await connection.execute(
        text(f"""
            SELECT {DELIVERY} FROM webhook_delivery WHERE webhook_id = :id
            ORDER BY id DESC LIMIT :limit
        """),
        {"id": webhook_id, "limit": limit},
    )
    return [dict(row._mapping) for row in rows]


async def retry(
    connection: AsyncConnection, webhook_id: int, delivery_id: int, scope: Classification
) -> dict[str, Any]:
    row = (
        await connection.execute(
            text(f"""
                UPDATE webhook_delivery
                SET status = 'pending', next_attempt_at = now(), lease_until = NULL
                WHERE id = :delivery AND webhook_id = :webhook
                  AND status NOT IN ('delivering', 'held', 'digested')
                  AND webhook_id IN (SELECT id FROM webhook WHERE {CLEARANCE_WITHIN})
                RETURNING {DELIVERY}
            """),
            {"delivery": delivery_id, "webhook": webhook_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(
            "No such delivery, or it is being delivered right now, or it waits for or went"
            " out in a digest."
        )
    await connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return dict(row._mapping)


async def ping(
    connection: AsyncConnection, webhook_id: int, scope: Classification
) -> dict[str, Any]:
    """A signed test message through the normal delivery path."""
    message_id = f"ping_{random.token_hex(8)}"
    payload = orjson.dumps(
        {"id": message_id, "type": "webhook.test", "data": {"webhook_id": webhook_id}}
    ).decode()
    row = (
        await connection.execute(
            text(f"""
                INSERT INTO webhook_delivery (webhook_id, message_id, event_type, payload)
                SELECT id, :message_id, 'webhook.test', :payload FROM webhook
                WHERE id = :id AND {CLEARANCE_WITHIN}
                RETURNING {DELIVERY}
            """),
            {"id": webhook_id, "message_id": message_id, "payload": payload, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such webhook (id {webhook_id}).")
    await connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return dict(row._mapping)


# Digests due: for each digest subscription whose oldest held delivery has waited its
# minutes, one ``alert.digest`` delivery holding every held message (oldest event
# first, at most DIGEST_MAX), and those marked ``digested`` into it. One statement.
# The messages are folded first and the digest is made of what was folded: a worker
# whose snapshot predates another's digest finds those rows no longer held when it
# comes to update them (READ COMMITTED rechecks the status on the newest row version)
# and makes no second digest of them. Locking the subscription alone does not do it:
# the lock is free again once the other worker commits, and the snapshot still shows
# its messages held.
DIGEST_MAX = 1000
MAKE_DIGESTS = text("""
    WITH due AS (
        SELECT w.id AS webhook_id,
               nextval(pg_get_serial_sequence('webhook_delivery', 'id')) AS digest_id
        FROM webhook w
        WHERE w.enabled AND w.digest_minutes > 0
          AND EXISTS (SELECT 1 FROM webhook_delivery h
                      WHERE h.webhook_id = w.id AND h.status = 'held'
                        AND h.created_at <= now() - make_interval(mins => w.digest_minutes))
        FOR UPDATE OF w SKIP LOCKED
    ), members AS (
        SELECT ranked.id, ranked.webhook_id, ranked.digest_id FROM (
            SELECT h.id, h.webhook_id, due.digest_id,
                   row_number() OVER (PARTITION BY h.webhook_id ORDER BY h.event_id) AS n
            FROM webhook_delivery h JOIN due USING (webhook_id)
            WHERE h.status = 'held'
        ) ranked
        WHERE ranked.n <= :most
    ), folded AS (
        UPDATE webhook_delivery d SET status = 'digested', digest_id = members.digest_id
        FROM members
        WHERE d.id = members.id AND d.status = 'held'
        RETURNING d.webhook_id, d.digest_id, d.event_id, d.payload
    ), made AS (
        INSERT INTO webhook_delivery (id, webhook_id, event_id, message_id, event_type, payload)
        SELECT digest_id, webhook_id, NULL, message_id, 'alert.digest',
               json_build_object('id', message_id, 'type', 'alert.digest',
                                 'timestamp', now(),
                                 'data', json_build_object('count', count,
                                                           'events', events))::text
        FROM (
            SELECT webhook_id, digest_id,
                   format('digest-%s-%s-%s', webhook_id, min(event_id), max(event_id))
                       AS message_id,
                   count(*) AS count,
                   json_agg(payload::json ORDER BY event_id) AS events
            FROM folded GROUP BY webhook_id, digest_id
        ) grouped
        RETURNING id
    )
    SELECT count(*) FROM made
""")


async def make_digests(connection: AsyncConnection) -> int:
    """Fold what digest subscriptions hold into their due digests; how many were made."""
    return int((await connection.execute(MAKE_DIGESTS, {"most": DIGEST_MAX})).scalar_one())
