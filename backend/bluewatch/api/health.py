"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import PUBLIC
from bluewatch.api.responses import PROBLEM_RESPONSES, JSONResponse, problem
from bluewatch.db.migrate import head_revision

router = APIRouter(tags=["Health"], dependencies=[PUBLIC.depends()], responses=PROBLEM_RESPONSES)


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", summary="The database answers and its schema is at the newest migration")
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
