"""Reports (issue 20): response times, as JSON and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from bluewatch.api.contracts import ResponseTimes
from bluewatch.api.deps import DatabaseDep
from bluewatch.api.policy import AnalystDep
from bluewatch.api.responses import JSONResponse
from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.errors import InvalidParameter
from bluewatch.instants import Instant
from bluewatch.security import audit
from bluewatch.security.principal import Actor
from bluewatch.tasking import report

router = APIRouter(prefix="/reports", tags=["Reports"])
DEFAULT_DAYS = 30
Start = Annotated[
    Instant | None,
    Query(alias="from", description="Alerts raised from (RFC 3339); default: 30 days before `to`"),
]
End = Annotated[
    Instant | None, Query(alias="to", description="… up to, not including (default: now)")
]


def _period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise InvalidParameter("'from' must come before 'to'.")
    return start, end


async def _report(
    database: Database, actor: Actor, start: datetime, end: datetime
) -> dict[str, Any]:
    async with database.read() as connection:
        found = await report.response_times(connection, actor.principal.clearance, start, end)
    async with database.transaction() as connection:
        await audit.record(
            connection,
            actor,
            "reports.response_times",
            object_type="report",
            classification=Classification(found["classification"]),
            details={"from": found["from"], "to": found["to"]},
        )
    return found


@router.get(
    "/response-times",
    summary="Response times: from alert to tasking and to a unit on scene",
    description=(
        "For the alerts raised in [`from`, `to`): per alert level, per camp or route, and "
        "overall, the median and 90th percentile (seconds) from the alert to its first "
        "task and to the first unit on scene, and the alerts never tasked. Only alerts "
        "and tasks within your clearance count."
    ),
    responses={200: {"model": ResponseTimes}},
)
async def response_times(
    database: DatabaseDep, actor: AnalystDep, start: Start = None, end: End = None
) -> Response:
    found = await _report(database, actor, *_period(start, end))
    return JSONResponse(found, headers={"X-Classification": _marking(found)})


@router.get(
    "/response-times.csv",
    summary="The response-time report as CSV, a row per group",
    responses={200: {"content": {"text/csv": {}}}},
)
async def response_times_csv(
    database: DatabaseDep, actor: AnalystDep, start: Start = None, end: End = None
) -> Response:
    found = await _report(database, actor, *_period(start, end))
    return Response(
        report.as_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="response-times.csv"',
            "X-Classification": _marking(found),
        },
    )


def _marking(found: dict[str, Any]) -> str:
    return Classification(found["classification"]).marking
