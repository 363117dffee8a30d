"""How far help is, by road (issue 20): from an incident (CASEVAC), and the area a
level of care covers within N minutes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from bluewatch.api.contracts import Casevac, Coverage
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import GeoJSONResponse
from bluewatch.network.casevac import casevac
from bluewatch.network.coverage import Reach, coverage

router = APIRouter(tags=["Medical evacuation"])

IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the incident's id")]


@router.get(
    "/incidents/{incident_id}/casevac",
    summary="The medical facilities reachable by road from an incident, fastest first",
    description=(
        "A GeoJSON FeatureCollection of route lines (incident → road → facility) with "
        "`travel_time_s` and `distance_m` (road at each road's speed, the carry to and from "
        "the road at the `offroad_kmh` setting), unreachable facilities last (null "
        "geometry), and the incident's 10-1-2 verdict in `timeline`: first aid within 10 "
        "minutes (level ≥ 1), damage control within 60 (level ≥ 2), surgery within 120 "
        "(level ≥ 2). Only the roads and facilities within your clearance are used."
    ),
    response_class=GeoJSONResponse,
    responses={200: {"model": Casevac}},
)
async def incident_casevac(
    incident_id: IncidentId, database: DatabaseDep, settings: SettingsDep, actor: ViewerDep
) -> Response:
    async with database.read() as connection:
        found = await casevac(
            connection,
            incident_id,
            actor.principal.clearance,
            settings.seasons(),
            settings.offroad_kmh,
            datetime.now(UTC).date(),
        )
    return GeoJSONResponse(found)


@router.get(
    "/coverage",
    summary="The area from which a facility of at least a level is reached within N minutes",
    description=(
        "One GeoJSON Feature: a MultiPolygon of the places from which a casualty, carried "
        "to the nearest road at the `offroad_kmh` setting and driven at each road's speed, "
        "reaches a facility of at least `level` within `minutes` (the roads driven, 50 m "
        "either side, and what is carried to them). The 10-1-2 rings: `level=1&minutes=10`, "
        "`level=2&minutes=60`, `level=2&minutes=120`. Only the roads and facilities within "
        "your clearance count. Null geometry when no such facility is visible."
    ),
    response_class=GeoJSONResponse,
    responses={200: {"model": Coverage}},
)
async def medical_coverage(
    database: DatabaseDep,
    settings: SettingsDep,
    actor: ViewerDep,
    level: Annotated[int, Query(ge=1, le=3, description="UN level of care")] = 1,
    minutes: Annotated[int, Query(ge=1, le=240)] = 60,
) -> Response:
    async with database.read() as connection:
        found = await coverage(
            connection,
            Reach(level, minutes),
            actor.principal.clearance,
            settings.seasons(),
            settings.offroad_kmh,
            datetime.now(UTC).date(),
        )
    return GeoJSONResponse(found)
