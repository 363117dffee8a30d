"""How far help is from an incident, by road (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from bluewatch.api.contracts import Casevac
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import ViewerDep
from bluewatch.api.responses import GeoJSONResponse
from bluewatch.network.casevac import casevac

router = APIRouter(prefix="/incidents", tags=["Medical evacuation"])

IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the incident's id")]


@router.get(
    "/{incident_id}/casevac",
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
