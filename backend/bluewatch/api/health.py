"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import PUBLIC, VIEWER
from bluewatch.api.responses import PROBLEM_RESPONSES, JSONResponse, problem
from bluewatch.db.migrate import head_revision
from bluewatch.webhooks.worker import queue_state

router = APIRouter(tags=["Health"], responses=PROBLEM_RESPONSES)


@router.get("/healthz", summary="The process is up", dependencies=[PUBLIC.depends()])
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get(
    "/metrics",
    summary="Prometheus metrics: HTTP, streams, database pool, webhooks, the process",
    dependencies=[VIEWER.depends()],
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(request: Request, database: DatabaseDep) -> Response:
    depth, oldest = await queue_state(database)
    service = request.app.state.service_metrics
    hub = request.app.state.event_hub
    service.streams.set(hub.subscriber_count)
    service.stream_position.set(hub.delivered_id)
    pool = database.engine.pool
    service.pool_in_use.set(pool.checkedout())  # type: ignore[attr-defined]
    service.pool_size.set(pool.size())  # type: ignore[attr-defined]
    body = request.app.state.webhook_metrics.exposition(depth, oldest)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/readyz",
    summary="The database answers and its schema is at the newest migration",
    dependencies=[PUBLIC.depends()],
)
async def readyz(database: DatabaseDep, settings: SettingsDep) -> Response:
    try:
        async with database.read() as connection:
            current = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except DBAPIError:
        return problem(503, "not-ready", "Not ready", "The database does not answer.")
    head = head_revision(settings)
    if current != head:
        return problem(
            503, "not-ready", "Not ready", "The database schema is not at the newest migration."
        )
    return JSONResponse({"status": "ready", "migration": current})
