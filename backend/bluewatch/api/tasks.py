"""The response loop (issue 20): task an alert to a unit (the units to send suggested
by road travel time), move the task on, read tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from bluewatch.api.body import json_body, read_model
from bluewatch.api.contracts import Task, TaskList, UnitOptions
from bluewatch.api.contracts import TaskStatus as TaskStatusName
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import AnalystDep, ViewerDep
from bluewatch.api.responses import JSONResponse
from bluewatch.network.dispatch import nearest_units
from bluewatch.tasking import service, tasks
from bluewatch.tasking.steps import TaskStatus
from bluewatch.text import PlainText

router = APIRouter(tags=["Tasking"])
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TaskId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class NewTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=2**63 - 1, strict=True)
    note: PlainText | None = Field(default=None, max_length=2000)


class TaskChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TaskStatus = Field(description="Forward only; cancelled while not completed.")
    note: PlainText | None = Field(default=None, max_length=2000)


@router.get(
    "/alerts/{alert_id}/units",
    summary="The available units to send to an alert, fastest by road first",
    description=(
        "Units you may see that are marked available and on no task, with the travel time "
        "by road from each one's last known position to the alert (the carry to and from "
        "the road at the `offroad_kmh` setting); units with no road to it come last, "
        "nearest first."
    ),
    responses={200: {"model": UnitOptions}},
)
async def unit_options(
    alert_id: AlertId,
    database: DatabaseDep,
    settings: SettingsDep,
    actor: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
) -> Response:
    async with database.read() as connection:
        units = await nearest_units(
            connection,
            alert_id,
            actor.principal.clearance,
            settings.seasons(),
            settings.offroad_kmh,
            datetime.now(UTC).date(),
            limit,
        )
    return JSONResponse({"alert_id": alert_id, "units": units})


@router.post(
    "/alerts/{alert_id}/tasks",
    summary="Task the alert to a unit (an open alert is acknowledged)",
    status_code=201,
    openapi_extra=json_body(NewTask),
    responses={201: {"model": Task}},
)
async def task_alert(
    alert_id: AlertId, request: Request, database: DatabaseDep, actor: AnalystDep
) -> Response:
    wanted = await read_model(request, NewTask)
    task = await service.task_alert(database, alert_id, wanted.unit_id, wanted.note, actor)
    return JSONResponse(task, status_code=201)


@router.get(
    "/tasks",
    summary="Tasks, newest first",
    description=(
        "Filter by `alert` (id) and `status` (repeat it for several: "
        "`status=tasked&status=en_route`), up to `limit` (1 to 1000)."
    ),
    responses={200: {"model": TaskList}},
)
async def list_tasks(
    database: DatabaseDep,
    actor: ViewerDep,
    alert: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    status: Annotated[list[TaskStatusName] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> Response:
    async with database.read() as connection:
        found = await tasks.listing(
            connection,
            actor.principal.clearance,
            alert_id=alert,
            statuses=None if status is None else list(status),
            limit=limit,
        )
    return JSONResponse(b'{"tasks":' + found + b"}")


@router.get("/tasks/{task_id}", summary="One task", responses={200: {"model": Task}})
async def get_task(task_id: TaskId, database: DatabaseDep, actor: ViewerDep) -> Response:
    async with database.read() as connection:
        return JSONResponse(await tasks.one(connection, task_id, actor.principal.clearance))


@router.patch(
    "/tasks/{task_id}",
    summary="Move a task on: en_route, on_scene, completed (or cancelled)",
    description="Each step is timed; a step may be skipped, never undone.",
    openapi_extra=json_body(TaskChange),
    responses={200: {"model": Task}},
)
async def change_task(
    task_id: TaskId, request: Request, database: DatabaseDep, actor: AnalystDep
) -> Response:
    wanted = await read_model(request, TaskChange)
    task = await service.move_task(database, task_id, wanted.status, wanted.note, actor)
    return JSONResponse(task)
