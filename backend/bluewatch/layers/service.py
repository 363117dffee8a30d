"""Layer use cases: create (single or atomic batch), patch, delete. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluewatch.db.engine import Database
from bluewatch.errors import FieldError, InvalidInput
from bluewatch.geo import GeometryLimits, parse_features, parse_geometry
from bluewatch.layers import store
from bluewatch.layers.records import records_from_features, validate_properties
from bluewatch.layers.spec import READ_ONLY_PROPERTIES, Classification, LayerSpec
from bluewatch.security.principal import Principal


@dataclass
class CreateResult:
    outcome: store.WriteOutcome
    feature: bytes | None  # the stored Feature when one Feature (not a collection) was posted


def _check_classification(
    records: list[dict[str, Any]], principal: Principal, pointers: list[str]
) -> None:
    """Nobody writes a record above their own clearance."""
    errors = [
        FieldError(f"{pointer}/properties/classification", "is above your clearance")
        for pointer, record in zip(pointers, records, strict=True)
        if not principal.may_see(Classification(record["classification"]))
    ]
    if errors:
        raise InvalidInput("You cannot write records above your clearance.", errors)


async def create(
    database: Database,
    spec: LayerSpec,
    body: object,
    principal: Principal,
    limits: GeometryLimits,
) -> CreateResult:
    """All features are stored, or none: one transaction for the whole batch."""
    features = parse_features(body, spec.geometry_type, limits)
    records = records_from_features(spec, features)
    _check_classification(records, principal, [f.pointer for f in features])
    async with database.transaction() as connection:
        await store.check_geometry_validity(
            connection,
            spec,
            [(f"{f.pointer}/geometry", f.geometry) for f in features if f.geometry is not None],
        )
        outcome = await store.upsert(connection, spec, records, principal)
        feature = None
        if isinstance(body, dict) and body.get("type") == "Feature":
            feature = await store.get_feature(connection, spec, outcome.ids[0], principal.clearance)
    return CreateResult(outcome=outcome, feature=feature)


async def patch(
    database: Database,
    spec: LayerSpec,
    record_id: int,
    body: object,
    principal: Principal,
    limits: GeometryLimits,
) -> bytes:
    """Apply a partial Feature: ``{"properties": {...}}`` and/or ``{"geometry": ...}``."""
    if not isinstance(body, dict) or not ({"properties", "geometry"} & body.keys()):
        raise InvalidInput(
            "A patch is an object with 'properties' and/or 'geometry'.",
            [FieldError("/", "needs 'properties' or 'geometry'")],
        )
    unknown = body.keys() - {"type", "id", "properties", "geometry", "bbox"}
    if unknown or body.get("type", "Feature") != "Feature" or "crs" in body:
        raise InvalidInput(
            "A patch is a partial GeoJSON Feature.",
            [FieldError("/", "only 'type', 'properties' and 'geometry' may be given")],
        )
    changes = body.get("properties")
    if changes is None:
        changes = {}
    if not isinstance(changes, dict):
        raise InvalidInput(
            "'properties' must be an object.", [FieldError("/properties", "must be an object")]
        )
    geometry = None
    if "geometry" in body:
        geometry = parse_geometry(body["geometry"], spec.geometry_type, "/geometry", limits)
    async with database.transaction() as connection:
        current = await store.current_properties(connection, spec, record_id, principal.clearance)
        merged = {**current, **{k: v for k, v in changes.items() if k not in READ_ONLY_PROPERTIES}}
        record = validate_properties(spec, merged, "").model_dump(mode="json")
        _check_classification([record], principal, [""])
        if geometry is not None:
            await store.check_geometry_validity(connection, spec, [("/geometry", geometry)])
        record["geometry"] = geometry
        await store.replace(connection, spec, record_id, record, principal)
        return await store.get_feature(connection, spec, record_id, principal.clearance)


async def delete(database: Database, spec: LayerSpec, record_id: int, principal: Principal) -> None:
    async with database.transaction() as connection:
        await store.delete(connection, spec, record_id, principal.clearance)
