"""Layer use cases: create (single or atomic batch), patch, delete. No HTTP here.

Each change, the rule evaluation it triggers (alerts and their events) and its
audit entry commit in one transaction.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.errors import FieldError, InvalidInput
from bluewatch.events import log
from bluewatch.events.log import AlertChange
from bluewatch.geo import FeatureInput, GeometryLimits, parse_features, parse_geometry
from bluewatch.layers import store
from bluewatch.layers.records import records_from_features, validate_properties
from bluewatch.layers.spec import READ_ONLY_PROPERTIES, LayerSpec
from bluewatch.rules import alerts, engine
from bluewatch.security import audit
from bluewatch.security.principal import Actor, Principal

PATCH_MEMBERS = frozenset({"type", "id", "properties", "geometry", "bbox"})


@dataclass
class CreateResult:
    outcome: store.WriteOutcome
    feature: bytes | None  # the stored Feature when one Feature (not a collection) was posted
    alerts: list[bytes]  # alerts raised or escalated, as GeoJSON Features


@dataclass
class PatchResult:
    feature: bytes
    alerts: list[bytes]


async def evaluate_changes(
    connection: AsyncConnection, spec: LayerSpec, ids: list[int]
) -> list[AlertChange]:
    """Run the rules over a layer's changed records: incidents against every rule,
    camps and routes as the targets of the rules that watch them, roads and facilities
    as the network the coverage rules judge by, others not at all."""
    if spec.rule_subject:
        return await engine.evaluate_incidents(connection, ids)
    if spec.rule_target is not None:
        return await engine.evaluate_targets(connection, spec.rule_target, ids)
    if spec.network_part and ids:
        return await engine.evaluate_network(connection)
    return []


async def _evaluate(
    connection: AsyncConnection, spec: LayerSpec, ids: list[int], actor: Actor
) -> list[bytes]:
    """Run the rules over changed records; the alerts the actor may see, as Features."""
    changes = await evaluate_changes(connection, spec, ids)
    alert_ids = list(dict.fromkeys(change.alert_id for change in changes))
    return await alerts.features(connection, alert_ids, actor.principal.clearance)


async def record_changes(
    connection: AsyncConnection, spec: LayerSpec, *outcomes: store.WriteOutcome
) -> list[int]:
    """The events of upserts' created and updated records (one statement); their ids."""
    changes = [change for outcome in outcomes for change in outcome.changes]
    await log.append_record_changes(connection, spec.table, changes)
    return [record_id for record_id, _ in changes]


def _check_classification(
    records: list[dict[str, Any]], principal: Principal, pointers: list[str]
) -> Classification:
    """Nobody writes above their own clearance. Returns the highest level written."""
    levels = [Classification(record["classification"]) for record in records]
    errors = [
        FieldError(f"{pointer}/properties/classification", "is above your clearance")
        for pointer, level in zip(pointers, levels, strict=True)
        if not principal.may_see(level)
    ]
    if errors:
        raise InvalidInput("You cannot write records above your clearance.", errors)
    return Classification.highest(levels)


@dataclass
class Posted:
    """One POST's features, parsed and checked, to be written."""

    spec: LayerSpec
    features: list[FeatureInput]
    records: list[dict[str, Any]]
    highest: Classification  # the highest marking written
    actor: Actor
    single: bool  # one Feature (answered with it), not a collection


def prepare(spec: LayerSpec, body: object, actor: Actor, limits: GeometryLimits) -> Posted:
    """Parse and check a POST's body, before any database work."""
    features = parse_features(body, spec.geometry_type, limits)
    records = records_from_features(spec, features)
    highest = _check_classification(records, actor.principal, [f.pointer for f in features])
    single = isinstance(body, dict) and body.get("type") == "Feature"
    return Posted(spec, features, records, highest, actor, single)


async def create(
    database: Database, spec: LayerSpec, body: object, actor: Actor, limits: GeometryLimits
) -> CreateResult:
    """All features are stored, or none: one transaction for the whole batch."""
    return (await write(database, [prepare(spec, body, actor, limits)]))[0]


async def write(database: Database, posts: list[Posted]) -> list[CreateResult]:
    """Write POSTs of one layer in one transaction, with one rule evaluation; each gets
    its own answer and audit entry. With several, each POST's alerts are those its
    records rest on (the alerts' members), or that none of them does (the evaluation of
    them all raised it): so several only of incidents, the records alerts rest on (the
    API groups single incident POSTs alone)."""
    spec = posts[0].spec
    async with database.transaction() as connection:
        await store.check_geometry_validity(
            connection,
            spec,
            [
                (f"{f.pointer}/geometry", f.geometry)
                for post in posts
                for f in post.features
                if f.geometry is not None
            ],
        )
        outcomes = await _upsert(connection, spec, posts)
        changes = await evaluate_changes(
            connection, spec, await record_changes(connection, spec, *outcomes)
        )
        raised = list(dict.fromkeys(change.alert_id for change in changes))
        owned = (
            [raised]
            if len(posts) == 1
            else await alerts.owned_by(
                connection, raised, [{i for i, _ in outcome.changes} for outcome in outcomes]
            )
        )
        features = await _features_of_singles(connection, spec, posts, outcomes)
        results, entries = [], []
        for post, outcome, alert_ids in zip(posts, outcomes, owned, strict=True):
            seen = await alerts.features(connection, alert_ids, post.actor.principal.clearance)
            entries.append(
                audit.Entry(
                    post.actor,
                    f"{spec.name}.create",
                    object_type=spec.table,
                    object_id=outcome.ids[0] if len(outcome.ids) == 1 else None,
                    classification=post.highest,
                    details={
                        result: outcome.count(result)
                        for result in ("created", "updated", "unchanged")
                    }
                    | {"ids": outcome.ids, "alerts": len(seen)},
                )
            )
            feature = features.get(outcome.ids[0]) if post.single else None
            results.append(CreateResult(outcome=outcome, feature=feature, alerts=seen))
        await audit.record_each(connection, entries)
    return results


async def _features_of_singles(
    connection: AsyncConnection,
    spec: LayerSpec,
    posts: list[Posted],
    outcomes: list[store.WriteOutcome],
) -> dict[int, bytes]:
    """The stored Feature of each single-Feature POST (its answer), one statement for
    each clearance among their writers."""
    wanted: dict[Classification, list[int]] = {}
    for post, outcome in zip(posts, outcomes, strict=True):
        if post.single:
            wanted.setdefault(post.actor.principal.clearance, []).append(outcome.ids[0])
    found: dict[int, bytes] = {}
    for clearance, ids in wanted.items():
        for record_id, feature in zip(
            ids, await store.features_by_id(connection, spec, ids, clearance), strict=True
        ):
            found[record_id] = feature
    return found


async def _upsert(
    connection: AsyncConnection, spec: LayerSpec, posts: list[Posted]
) -> list[store.WriteOutcome]:
    """One upsert for each run of POSTs by the same principal; each POST's outcome."""
    outcomes: list[store.WriteOutcome] = []
    for principal, run in itertools.groupby(posts, key=lambda post: post.actor.principal):
        together = list(run)
        outcome = await store.upsert(
            connection, spec, [r for post in together for r in post.records], principal
        )
        start = 0
        for post in together:
            end = start + len(post.records)
            outcomes.append(store.WriteOutcome(outcome.ids[start:end], outcome.results[start:end]))
            start = end
    return outcomes


def _patch_parts(
    body: object, spec: LayerSpec, limits: GeometryLimits
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The property changes and the new geometry (or None) of a partial Feature."""
    if not isinstance(body, dict) or not ({"properties", "geometry"} & body.keys()):
        raise InvalidInput(
            "A patch is an object with 'properties' and/or 'geometry'.",
            [FieldError("/", "needs 'properties' or 'geometry'")],
        )
    if body.keys() - PATCH_MEMBERS or body.get("type", "Feature") != "Feature":
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
    return changes, geometry


async def patch(
    database: Database,
    spec: LayerSpec,
    record_id: int,
    body: object,
    actor: Actor,
    limits: GeometryLimits,
) -> PatchResult:
    """Apply a partial Feature: ``{"properties": {...}}`` and/or ``{"geometry": ...}``."""
    changes, geometry = _patch_parts(body, spec, limits)
    clearance = actor.principal.clearance
    async with database.transaction() as connection:
        current = await store.current_properties(connection, spec, record_id, clearance)
        merged = {**current, **{k: v for k, v in changes.items() if k not in READ_ONLY_PROPERTIES}}
        record = validate_properties(spec, merged, "").model_dump(mode="json")
        level = _check_classification([record], actor.principal, [""])
        if geometry is not None:
            await store.check_geometry_validity(connection, spec, [("/geometry", geometry)])
        record["geometry"] = geometry
        await store.replace(connection, spec, record_id, record, actor.principal)
        await log.append_record_changes(connection, spec.table, [(record_id, "updated")])
        was = Classification(current["classification"])
        if level.rank > was.rank:  # gone for readers cleared below its new marking
            await log.append_record_removal(connection, spec.table, record_id, was, level)
        raised = await _evaluate(connection, spec, [record_id], actor)
        await audit.record(
            connection,
            actor,
            f"{spec.name}.update",
            object_type=spec.table,
            object_id=record_id,
            classification=level,
            details={
                "properties": sorted(changes),
                "geometry": geometry is not None,
                "alerts": len(raised),
            },
        )
        feature = await store.get_feature(connection, spec, record_id, clearance)
    return PatchResult(feature=feature, alerts=raised)


async def delete(database: Database, spec: LayerSpec, record_id: int, actor: Actor) -> None:
    async with database.transaction() as connection:
        level = await store.delete(connection, spec, record_id, actor.principal.clearance)
        await log.append_record_removal(connection, spec.table, record_id, level)
        if spec.network_part:  # a road or facility gone may leave a place beyond reach
            await engine.evaluate_network(connection)
        await audit.record(
            connection,
            actor,
            f"{spec.name}.delete",
            object_type=spec.table,
            object_id=record_id,
            classification=level,
        )
