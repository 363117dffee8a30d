"""Tasking use cases: each change, its events and its audit entry in one transaction.

Tasking an open alert acknowledges it (someone has acted on it), with a note naming
the task; a resolved alert is not tasked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.rules import alerts
from bluewatch.security import audit
from bluewatch.security.principal import Actor
from bluewatch.tasking import tasks
from bluewatch.tasking.steps import TaskStatus


async def _task_event(connection: AsyncConnection, task_id: int, event_type: str) -> None:
    await log.append_about_alerts(connection, tasks.EVENT, {"task_id": task_id, "type": event_type})


async def task_alert(
    database: Database, alert_id: int, unit_id: int, note: str | None, actor: Actor
) -> bytes:
    """Hand the alert to the unit; the new task as JSON."""
    clearance = actor.principal.clearance
    async with database.transaction() as connection:
        tasked = await tasks.create(
            connection, alert_id, unit_id, note, actor.principal.name, clearance
        )
        if tasked.alert_status == "open":
            await alerts.transition(
                connection,
                alert_id,
                alerts.ACKNOWLEDGE,
                actor.principal.name,
                f"Tasked (task {tasked.task_id}).",
                clearance,
            )
            await log.append(connection, [log.AlertChange(alert_id, alerts.ACKNOWLEDGE.event)])
        await _task_event(connection, tasked.task_id, "task.created")
        await audit.record(
            connection,
            actor,
            "task.created",
            object_type="task",
            object_id=tasked.task_id,
            classification=tasked.classification,
            details={"alert_id": alert_id, "unit_id": unit_id},
        )
        return await tasks.one(connection, tasked.task_id, clearance)


async def move_task(
    database: Database, task_id: int, status: TaskStatus, note: str | None, actor: Actor
) -> bytes:
    """Move the task a step on (or cancel it); the task as JSON."""
    clearance = actor.principal.clearance
    async with database.transaction() as connection:
        marking = await tasks.advance(
            connection, task_id, status, note, actor.principal.name, clearance
        )
        await _task_event(connection, task_id, "task.updated")
        await audit.record(
            connection,
            actor,
            "task.updated",
            object_type="task",
            object_id=task_id,
            classification=marking,
            details={"status": status.value},
        )
        return await tasks.one(connection, task_id, clearance)
