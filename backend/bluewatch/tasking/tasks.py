"""Tasks in SQL: hand an alert to a unit, move a task a step on, read tasks.

A task shows its alert and its unit, so a reader sees it only when the alert and the
unit (as they are now) and the task's own marking (the higher of the two when tasked:
it keeps the unit's name after the unit is deleted) are all within clearance.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import Conflict, NotFound
from bluewatch.tasking.steps import ACTIVE, TaskStatus, may_become

FROM = "task t JOIN alert a ON a.id = t.alert_id LEFT JOIN unit u ON u.id = t.unit_id"
VISIBLE = """t.classification <= CAST(:clearance AS classification)
    AND a.classification <= CAST(:clearance AS classification)
    AND (u.id IS NULL OR u.classification <= CAST(:clearance AS classification))"""
MARKING = "greatest(t.classification, a.classification, coalesce(u.classification, 'unclassified'))"
TASK_JSON = f"""json_build_object(
    'id', t.id, 'alert_id', t.alert_id,
    'unit', json_build_object('id', t.unit_id, 'name', t.unit_name, 'kind', t.unit_kind),
    'status', t.status, 'note', t.note, 'classification', {MARKING},
    'alert_level', a.level, 'alert_created_at', a.created_at,
    'tasked_at', t.tasked_at, 'tasked_by', t.tasked_by, 'en_route_at', t.en_route_at,
    'on_scene_at', t.on_scene_at, 'completed_at', t.completed_at,
    'cancelled_at', t.cancelled_at, 'updated_at', t.updated_at, 'updated_by', t.updated_by,
    'version', t.version)"""
ACTIVE_SQL = ", ".join(f"'{status.value}'" for status in ACTIVE)

# The event a change writes: about the task's alert (so subscriptions' level, camp and
# route filters apply), marked as the task is now.
EVENT = text(f"""
    INSERT INTO event (type, alert_id, classification, data)
    SELECT :type, t.alert_id, {MARKING}, {TASK_JSON}
    FROM {FROM} WHERE t.id = :task_id
    RETURNING id
""")


@dataclass(frozen=True)
class Tasked:
    task_id: int
    alert_status: str  # before tasking
    classification: Classification


async def create(
    connection: AsyncConnection,
    alert_id: int,
    unit_id: int,
    note: str | None,
    actor_name: str,
    clearance: Classification,
) -> Tasked:
    """Hand the alert to the unit. The alert and the unit are locked first, so two
    people tasking one unit at once cannot both succeed."""
    values = {"clearance": clearance.value}
    alert = (
        await connection.execute(
            text("""
                SELECT status, classification FROM alert
                WHERE id = :id AND classification <= CAST(:clearance AS classification)
                FOR UPDATE
            """),
            {**values, "id": alert_id},
        )
    ).first()
    if alert is None:
        raise NotFound(f"No such alert (id {alert_id}).")
    if alert.status == "resolved":
        raise Conflict("The alert is resolved; it is not tasked.")
    unit = (
        await connection.execute(
            text(f"""
                SELECT u.name, u.kind, u.available, u.classification,
                       EXISTS (SELECT 1 FROM task t WHERE t.unit_id = u.id
                                 AND t.status IN ({ACTIVE_SQL})) AS busy
                FROM unit u
                WHERE u.id = :id AND u.classification <= CAST(:clearance AS classification)
                FOR UPDATE
            """),
            {**values, "id": unit_id},
        )
    ).first()
    if unit is None:
        raise NotFound(f"No such unit (id {unit_id}).")
    if not unit.available:
        raise Conflict("The unit is marked unavailable.")
    if unit.busy:
        raise Conflict("The unit is on another task; complete or cancel it first.")
    marking = Classification.highest(
        [Classification(alert.classification), Classification(unit.classification)]
    )
    try:
        task_id = (
            await connection.execute(
                text("""
                    INSERT INTO task (alert_id, unit_id, unit_name, unit_kind, note,
                                      classification, tasked_by, updated_by)
                    VALUES (:alert_id, :unit_id, :name, :kind, :note,
                            CAST(:classification AS classification), :who, :who)
                    RETURNING id
                """),
                {
                    "alert_id": alert_id,
                    "unit_id": unit_id,
                    "name": unit.name,
                    "kind": unit.kind,
                    "note": note,
                    "classification": marking.value,
                    "who": actor_name,
                },
            )
        ).scalar_one()
    except IntegrityError as error:  # the unit's row lock makes this a last guard
        raise Conflict("The unit is on another task; complete or cancel it first.") from error
    return Tasked(task_id, alert.status, marking)


async def advance(
    connection: AsyncConnection,
    task_id: int,
    status: TaskStatus,
    note: str | None,
    actor_name: str,
    clearance: Classification,
) -> Classification:
    """Move the task to ``status`` (forward only), timing the step; returns its marking."""
    row = (
        await connection.execute(
            text(f"""
                SELECT t.status, {MARKING} AS marking FROM {FROM}
                WHERE t.id = :id AND {VISIBLE}
                FOR UPDATE OF t
            """),
            {"id": task_id, "clearance": clearance.value},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such task (id {task_id}).")
    current = TaskStatus(row.status)
    if not may_become(current, status):
        raise Conflict(f"The task is {current.value}; it cannot become {status.value}.")
    await connection.execute(
        text(f"""
            UPDATE task SET status = :status, {status.value}_at = now(),
                   note = coalesce(:note, note), updated_at = now(), updated_by = :who,
                   version = version + 1
            WHERE id = :id
        """),
        {"status": status.value, "note": note, "who": actor_name, "id": task_id},
    )
    return Classification(row.marking)


async def one(connection: AsyncConnection, task_id: int, clearance: Classification) -> bytes:
    found = await listing(connection, clearance, task_ids=[task_id])
    if found == b"[]":
        raise NotFound(f"No such task (id {task_id}).")
    return found[1:-1]


async def listing(
    connection: AsyncConnection,
    clearance: Classification,
    *,
    task_ids: list[int] | None = None,
    alert_id: int | None = None,
    statuses: list[str] | None = None,
    limit: int = 1000,
) -> bytes:
    """Tasks the reader may see as a JSON array, newest first."""
    row = (
        await connection.execute(
            text(f"""
                SELECT coalesce(json_agg(task ORDER BY id DESC), '[]')::text FROM (
                    SELECT t.id, {TASK_JSON} AS task FROM {FROM}
                    WHERE {VISIBLE}
                      AND (CAST(:ids AS bigint[]) IS NULL OR t.id = ANY(:ids))
                      AND (CAST(:alert_id AS bigint) IS NULL OR t.alert_id = :alert_id)
                      AND (CAST(:statuses AS text[]) IS NULL OR t.status = ANY(:statuses))
                    ORDER BY t.id DESC LIMIT :limit
                ) found
            """),
            {
                "clearance": clearance.value,
                "ids": task_ids,
                "alert_id": alert_id,
                "statuses": statuses,
                "limit": limit,
            },
        )
    ).scalar_one()
    return str(row).encode()
