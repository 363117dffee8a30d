"""Imports: rows from a file → validated records → stored with their rules, or a report.

Every row is validated like a posted feature; a row that fails is rejected with
its number and the reason. Valid rows are written chunk by chunk in ONE
transaction, with the rules run on each chunk, so an atomic import (the default)
that meets a rejection rolls back entirely, and a dry run is a real run that is
rolled back: its counts are exactly what an import would do.

Idempotency: records are keyed on (``external_source``, ``external_id``). A row
without ``external_source`` takes the ``source`` option (default ``import``); a
row without ``external_id`` takes its feature id, else a hash of its content.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.errors import InvalidInput
from bluewatch.geo import GeometryLimits, parse_features
from bluewatch.io.mission_area import Box, mission_area, placement_warning
from bluewatch.io.readers import Reading, Row
from bluewatch.layers import store
from bluewatch.layers.query import visible_to
from bluewatch.layers.records import validate_properties
from bluewatch.layers.service import evaluate_changes, record_changes
from bluewatch.layers.spec import READ_ONLY_PROPERTIES, LayerSpec
from bluewatch.security import audit
from bluewatch.security.principal import Actor

CHUNK_ROWS = 2_000
MAX_LISTED_REJECTIONS = 1_000
MAX_LISTED_WARNINGS = 1_000


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    atomic: bool = True
    source: str = "import"  # external_source for rows without one
    classification: Classification | None = None  # for rows without one
    mission_area: Box | None = None  # configured; else the camps' and routes' extent


@dataclass
class ImportReport:
    layer: str
    format: str
    dry_run: bool
    atomic: bool
    stored: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    alerts: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    ignored_columns: set[str] = field(default_factory=set)
    mission_area: Box | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    outside_mission_area: int = 0

    def reject(self, row: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append({"row": row, "reason": reason})

    def warn_outside(self, row: int, warning: str) -> None:
        self.outside_mission_area += 1
        if len(self.warnings) < MAX_LISTED_WARNINGS:
            self.warnings.append({"row": row, "warning": warning})

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "format": self.format,
            "dry_run": self.dry_run,
            "atomic": self.atomic,
            "stored": self.stored,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": sorted(self.rejections, key=lambda item: item["row"]),
            "ignored_columns": sorted(self.ignored_columns),
            "alerts": self.alerts,
            "mission_area": list(self.mission_area) if self.mission_area else None,
            "outside_mission_area": self.outside_mission_area,
            "warnings": sorted(self.warnings, key=lambda item: item["row"]),
        }


class ImportRefused(InvalidInput):
    """An atomic import met rejected rows: nothing was stored."""

    def __init__(self, report: ImportReport) -> None:
        first = min(report.rejections, key=lambda item: item["row"])
        super().__init__(
            f"{report.rejected} row(s) rejected, so nothing was stored (atomic import); "
            f"row {first['row']}: {first['reason']}. Fix them, or import with atomic=false."
        )
        self.extensions = {"report": report.as_dict()}


class RowRejected(Exception):
    pass


@dataclass
class _Candidate:
    number: int
    record: dict[str, Any]


class _Validator:
    """Turns rows into records for one layer, or says why not."""

    def __init__(
        self,
        spec: LayerSpec,
        options: ImportOptions,
        actor: Actor,
        limits: GeometryLimits,
        report: ImportReport,
    ) -> None:
        self.spec = spec
        self.options = options
        self.actor = actor
        self.limits = limits
        self.report = report
        self.known = set(spec.properties_model.model_fields)
        self.seen: dict[tuple[str, str], int] = {}

    def record(self, row: Row) -> dict[str, Any]:
        if row.feature is None:
            raise RowRejected(row.reason or "is not a GeoJSON Feature")
        feature = dict(row.feature)
        raw = feature.get("properties")
        properties = dict(raw) if isinstance(raw, dict) else {}
        if "title" in self.known and "title" not in properties and properties.get("name"):
            properties["title"] = str(properties["name"])[:200]  # KML placemark names
        extra = set(properties) - self.known - READ_ONLY_PROPERTIES
        self.report.ignored_columns |= extra
        properties = {k: v for k, v in properties.items() if k in self.known}
        self._fill_key(properties, feature)
        if properties.get("classification") is None and self.options.classification:
            properties["classification"] = self.options.classification.value
        feature["properties"] = properties
        record = self._validated(feature)
        level = Classification(record["classification"])
        if not self.actor.principal.may_see(level):
            raise RowRejected("classification is above your clearance")
        key = (record["external_source"], record["external_id"])
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            raise RowRejected(f"repeats the external key of row {first}")
        return record

    def _fill_key(self, properties: dict[str, Any], feature: dict[str, Any]) -> None:
        if properties.get("external_source") in (None, ""):
            properties["external_source"] = self.options.source
        if properties.get("external_id") in (None, ""):
            fid = feature.get("id", (feature.get("properties") or {}).get("id"))
            if isinstance(fid, str | int) and not isinstance(fid, bool) and str(fid):
                properties["external_id"] = str(fid)
            else:
                content = orjson.dumps(
                    {"g": feature.get("geometry"), "p": properties}, option=orjson.OPT_SORT_KEYS
                )
                properties["external_id"] = "sha256:" + hashlib.sha256(content).hexdigest()[:32]
        else:
            properties["external_id"] = str(properties["external_id"])

    def _validated(self, feature: dict[str, Any]) -> dict[str, Any]:
        try:
            parsed = parse_features(feature, self.spec.geometry_type, self.limits)[0]
            properties = validate_properties(self.spec, parsed.properties, "")
        except InvalidInput as invalid:
            reasons = [f"{e.pointer.lstrip('/') or 'feature'}: {e.message}" for e in invalid.errors]
            raise RowRejected("; ".join(reasons[:3]) or invalid.detail) from None
        record = properties.model_dump(mode="json")
        record["geometry"] = parsed.geometry
        return record


def _next_chunk(rows: Iterator[Row]) -> list[Row]:
    return list(islice(rows, CHUNK_ROWS))


def _validate_chunk(validator: _Validator, chunk: list[Row]) -> list[_Candidate]:
    candidates = []
    report = validator.report
    for row in chunk:
        try:
            candidate = _Candidate(row.number, validator.record(row))
        except RowRejected as rejected:
            report.reject(row.number, str(rejected))
            continue
        candidates.append(candidate)
        if report.mission_area is not None:
            warning = placement_warning(candidate.record["geometry"], report.mission_area)
            if warning is not None:
                report.warn_outside(row.number, warning)
    return candidates


async def _store(
    connection: AsyncConnection,
    spec: LayerSpec,
    candidates: list[_Candidate],
    actor: Actor,
    report: ImportReport,
) -> Classification | None:
    """Write valid records and run the rules; PostGIS-invalid geometries are rejected."""
    invalid = dict(
        await store.invalid_geometries(connection, spec, [c.record["geometry"] for c in candidates])
    )
    for index, reason in invalid.items():
        report.reject(candidates[index].number, f"geometry: {reason}")
    records = [c.record for i, c in enumerate(candidates) if i not in invalid]
    if not records:
        return None
    outcome = await store.upsert(connection, spec, records, actor.principal)
    report.created += outcome.count("created")
    report.updated += outcome.count("updated")
    report.unchanged += outcome.count("unchanged")
    changed = await record_changes(connection, spec, outcome)
    changes = await evaluate_changes(connection, spec, changed)
    report.alerts += await visible_alerts(
        connection, {change.alert_id for change in changes}, actor.principal.clearance
    )
    return Classification.highest(Classification(r["classification"]) for r in records)


async def visible_alerts(
    connection: AsyncConnection, alert_ids: set[int], clearance: Classification
) -> int:
    """How many of the alerts the importer may see: one resting on a camp or route above
    the importer's clearance is marked as high, and counting it would reveal the camp."""
    if not alert_ids:
        return 0
    sql_filter = visible_to("a", clearance)
    found = await connection.execute(
        text(f"SELECT count(*) FROM alert a WHERE a.id = ANY(:ids) AND {sql_filter.where}"),
        {**sql_filter.params, "ids": sorted(alert_ids)},
    )
    return int(found.scalar_one())


async def run(
    database: Database,
    spec: LayerSpec,
    reading: Reading,
    fmt: str,
    options: ImportOptions,
    actor: Actor,
    limits: GeometryLimits,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the rows; raises ``ImportRefused`` when an atomic import rejects any row."""
    report = ImportReport(
        layer=spec.name, format=fmt, dry_run=options.dry_run, atomic=options.atomic
    )
    report.ignored_columns |= reading.ignored_columns
    validator = _Validator(spec, options, actor, limits, report)
    highest = Classification.UNCLASSIFIED
    # Leaving the block commits, unless rolled back below; an exception rolls back.
    async with database.engine.connect() as connection, connection.begin() as transaction:
        report.mission_area = await mission_area(
            connection, options.mission_area, actor.principal.clearance
        )
        rows = iter(reading.rows)
        # Reading and validating parse files and geometries: in a worker thread, so the
        # event loop keeps serving other requests meanwhile.
        while chunk := await asyncio.to_thread(_next_chunk, rows):
            candidates = await asyncio.to_thread(_validate_chunk, validator, chunk)
            report.rows += len(chunk)
            level = await _store(connection, spec, candidates, actor, report)
            highest = Classification.highest([highest, level or highest])
            if progress is not None:
                progress(len(chunk))
        details = {k: v for k, v in report.as_dict().items() if k != "rejections"}
        if options.dry_run or (options.atomic and report.rejected):
            await transaction.rollback()
        else:
            await audit.record(
                connection, actor, f"{spec.name}.import", object_type=spec.table,
                classification=highest, details=details | {"stored": True},
            )  # fmt: skip
            report.stored = True
    if not report.stored:
        # Dry runs and refused imports leave no records, but who tried what is audited.
        await audit.record_alone(
            database, actor, f"{spec.name}.import", object_type=spec.table,
            result="success" if options.dry_run else "failed",
            classification=highest, details=details,
        )  # fmt: skip
    if options.atomic and report.rejected and not options.dry_run:
        raise ImportRefused(report)
    return report
