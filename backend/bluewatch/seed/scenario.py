"""Load the sample scenario from ``sample_data/``, with times relative to now.

The scenario goes through the same service as the API (validation, and the rules
once they exist), and is idempotent: its records carry external keys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.layers import CAMPS, FACILITIES, INCIDENTS, ROADS, ROUTES, UNITS, service
from bluewatch.layers.spec import LayerSpec
from bluewatch.security.principal import Actor, Principal, Role
from bluewatch.settings import Settings

SEED_ACTOR = Actor(Principal("scenario-loader", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL))
Report = dict[str, dict[str, int]]


def _timestamp(now: datetime, hours: float) -> str:
    return (now + timedelta(hours=hours)).isoformat()


def scenario_layer(directory: Path, spec: LayerSpec, now: datetime) -> dict[str, Any]:
    """One layer's FeatureCollection with relative times made absolute."""
    collection: dict[str, Any] = orjson.loads((directory / f"{spec.name}.geojson").read_bytes())
    for feature in collection["features"]:
        properties = feature["properties"]
        if "hours_ago" in properties:
            occurred = now - timedelta(hours=properties.pop("hours_ago"))
            properties["occurred_at"] = occurred.isoformat()
            properties["reported_at"] = (occurred + timedelta(minutes=40)).isoformat()
        if "active_from_hours" in properties:
            properties["active_from"] = _timestamp(now, properties.pop("active_from_hours"))
        if "active_until_hours" in properties:
            properties["active_until"] = _timestamp(now, properties.pop("active_until_hours"))
    return collection


async def load_into(database: Database, settings: Settings) -> Report:
    now = datetime.now(UTC)
    limits = settings.geometry_limits()
    report: Report = {}
    # Camps and routes first, so incidents meet them when the rules evaluate.
    for spec in (CAMPS, ROUTES, ROADS, FACILITIES, UNITS, INCIDENTS):
        body = scenario_layer(settings.sample_data_dir, spec, now)
        result = await service.create(database, spec, body, SEED_ACTOR, limits)
        report[spec.name] = {
            outcome: result.outcome.count(outcome)
            for outcome in ("created", "updated", "unchanged")
        }
    return report


async def load_if_empty(database: Database, settings: Settings) -> Report | None:
    async with database.read() as connection:
        has_data = (await connection.execute(text("SELECT EXISTS (SELECT FROM incident)"))).scalar()
    return None if has_data else await load_into(database, settings)


def describe(report: Report) -> str:
    return "sample scenario: " + "; ".join(
        f"{layer} {counts['created']} created, {counts['updated']} updated"
        for layer, counts in report.items()
    )
