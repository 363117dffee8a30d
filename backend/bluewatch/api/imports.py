"""Imports (analyst; camps need admin): a file in the body, a report in the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import Response

from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import AnalystDep
from bluewatch.api.responses import JSONResponse
from bluewatch.classification import Classification
from bluewatch.errors import Forbidden, InvalidParameter, NotFound
from bluewatch.io import imports, readers, spool
from bluewatch.io.mission_area import Box
from bluewatch.layers import LAYERS

router = APIRouter(prefix="/import", tags=["Imports"])
PARAMETERS = frozenset({"format", "dry_run", "atomic", "source", "classification"})


def _flag(params: Mapping[str, str], name: str, default: bool) -> bool:
    raw = params.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidParameter(f"'{name}' is true or false.")
    return raw.lower() in ("true", "1")


def parse_options(
    params: Mapping[str, str], mission_area: Box | None = None
) -> imports.ImportOptions:
    if set(params) - PARAMETERS:
        raise InvalidParameter(f"Imports take: {', '.join(sorted(PARAMETERS))}.")
    source = params.get("source", "import").strip()
    if not 1 <= len(source) <= 100:
        raise InvalidParameter("'source' is 1 to 100 characters.")
    classification = None
    if "classification" in params:
        try:
            classification = Classification(params["classification"])
        except ValueError:
            choices = ", ".join(level.value for level in Classification)
            raise InvalidParameter(f"'classification' is one of: {choices}.") from None
    return imports.ImportOptions(
        dry_run=_flag(params, "dry_run", False),
        atomic=_flag(params, "atomic", True),
        source=source,
        classification=classification,
        mission_area=mission_area,
    )


@router.post(
    "/{layer}",
    summary="Import a file: GeoJSON, GeoJSONSeq, ACLED-style CSV, GeoPackage, KML, zipped SHP",
    description=(
        "Send the file as the body with its Content-Type (or `format=`). Idempotent on "
        "(external_source, external_id); `dry_run=true` reports without storing; atomic "
        "by default (`atomic=false` stores the valid rows). The answer reports rows "
        "created, updated, unchanged and rejected (with row and reason), and warns about "
        "features outside the mission area (`BLUEWATCH_MISSION_AREA`, else the camps' and "
        "routes' extent widened by 1 degree), saying when longitude and latitude look swapped."
    ),
)
async def import_file(
    layer: str, request: Request, database: DatabaseDep, settings: SettingsDep, actor: AnalystDep
) -> Response:
    spec = LAYERS.get(layer)
    if spec is None:
        raise NotFound(f"Imports go to one of: {', '.join(LAYERS)}.")
    if not actor.principal.role.includes(spec.write_role):
        raise Forbidden(f"Importing {spec.name} needs the {spec.write_role.value} role.")
    options = parse_options(request.query_params, settings.mission_area)
    fmt = readers.detect_format(
        request.headers.get("content-type", ""), request.query_params.get("format")
    )
    with spool.working_folder(settings.resolved_spool_dir, "import") as directory:
        path = directory / f"upload.{fmt.replace('shp.zip', 'zip')}"
        with path.open("wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
        reading = await asyncio.to_thread(
            readers.read, path, fmt, spec.name, settings.read_limits()
        )
        report = await imports.run(
            database, spec, reading, fmt, options, actor, settings.geometry_limits()
        )
    return JSONResponse(report.as_dict())
