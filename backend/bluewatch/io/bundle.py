"""The JMAC bundle: every layer as GeoJSON, CSV and KML, one GeoPackage, and a manifest.

The bundle takes the incident filters (``bbox``, ``datetime``, ``category``,
``severity_min``, ``status``). Routes follow ``bbox`` and ``datetime`` (their
movement window), camps follow ``bbox``, and the alerts are those raised by the
incidents included. All files come from one REPEATABLE READ snapshot, so the
counts in ``manifest.json`` are exactly what the files hold.
"""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.errors import InvalidParameter
from bluewatch.io import files
from bluewatch.io.exports import Summary, snapshot, summarise, write_text
from bluewatch.io.sources import Source, alert_source, layer_source
from bluewatch.layers import LAYERS
from bluewatch.layers.query import SqlFilter
from bluewatch.rules.members import is_member
from bluewatch.security.principal import Principal

PARAMETERS = {name: spec.bundle_filters for name, spec in LAYERS.items()}
TEXT_FORMATS = ("geojson", "csv")


def sources(params: Mapping[str, str], principal: Principal) -> list[Source]:
    unknown = set(params) - PARAMETERS["incidents"]
    if unknown:
        raise InvalidParameter(
            f"The bundle takes these filters: {', '.join(sorted(PARAMETERS['incidents']))}."
        )
    chosen = [
        layer_source(
            LAYERS[name], {k: v for k, v in params.items() if k in allowed}, principal.clearance
        )
        for name, allowed in PARAMETERS.items()
    ]
    incidents = chosen[0]
    raised = alert_source({}, principal.clearance)
    selected = incidents.select("t.id", ordered=False)
    sql_filter = SqlFilter(
        clauses=[*raised.sql_filter.clauses, is_member("a.id", f"ANY(ARRAY({selected}))")],
        params={**raised.sql_filter.params, **incidents.sql_filter.params},
    )
    return [*chosen, replace(raised, sql_filter=sql_filter)]


async def _time_range(connection: AsyncConnection, incidents: Source) -> dict[str, Any]:
    row = (
        await connection.execute(
            text(
                incidents.select(
                    "min(t.occurred_at) AS start", "max(t.occurred_at) AS end", ordered=False
                )
            ),
            incidents.sql_filter.params,
        )
    ).one()
    return {
        "start": row.start.isoformat() if row.start else None,
        "end": row.end.isoformat() if row.end else None,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


async def build(
    database: Database,
    chosen: list[Source],
    params: Mapping[str, str],
    principal: Principal,
    directory: Path,
) -> tuple[Path, Summary, dict[str, Any]]:
    """Write the ``sources(params, principal)`` into ``directory`` as a bundle; returns
    the zip, its summary and its manifest."""
    content = directory / "content"
    content.mkdir()
    summaries: dict[str, Summary] = {}
    async with snapshot(database, principal.name) as connection:
        for source in chosen:
            summary = await summarise(connection, source)
            summaries[source.name] = summary
            for fmt in TEXT_FORMATS:
                with (content / f"{source.name}.{fmt}").open("wb") as handle:
                    async for chunk in write_text(connection, source, fmt, summary):
                        handle.write(chunk)
            await files.write_file(connection, source, "kml", content, summary)
            await files.write_layer(connection, source, "gpkg", content / "bluewatch.gpkg", summary)
        time_range = await _time_range(connection, chosen[0])
    highest = Classification.highest(s.highest for s in summaries.values())
    total = Summary(count=sum(s.count for s in summaries.values()), highest=highest, bbox=None)
    manifest = await asyncio.to_thread(
        _manifest, params, principal, summaries, highest, time_range, content
    )
    archive = directory / "bundle.zip"
    await asyncio.to_thread(_zip, archive, content, manifest)
    return archive, total, manifest


def _manifest(
    params: Mapping[str, str],
    principal: Principal,
    summaries: dict[str, Summary],
    highest: Classification,
    time_range: dict[str, Any],
    content: Path,
) -> dict[str, Any]:
    return {
        "generator": "Bluewatch",
        "generated_at": datetime.now(UTC).isoformat(),
        "requested_by": {"name": principal.name, "role": principal.role.value},
        "classification": highest.marking,
        "highest_classification": highest.value,
        "query": dict(params),
        "time_range": {"requested": params.get("datetime"), "incidents": time_range},
        "layers": {
            name: {"count": s.count, "classification": s.marking, "bbox": s.bbox}
            for name, s in summaries.items()
        },
        "files": [
            {"path": part.name, "bytes": part.stat().st_size, "sha256": _sha256(part)}
            for part in sorted(content.iterdir())
        ],
    }


def _zip(archive: Path, content: Path, manifest: dict[str, Any]) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(content.iterdir()):
            bundle.write(part, part.name)
        bundle.writestr("manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
