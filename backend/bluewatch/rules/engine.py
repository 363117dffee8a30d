"""Run the enabled rules over what changed, inside the caller's transaction.

An incident is never stored without its alerts, and an alert never changes without
its event: the write, the evaluation and the events commit together.
"""

from __future__ import annotations

from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events import log
from bluewatch.events.log import AlertChange
from bluewatch.rules import cluster, proximity, store
from bluewatch.rules.params import ClusterParams, ProximityParams
from bluewatch.rules.store import Rule

# Process-wide (rules run wherever a write happens); each app's registry includes it.
EVALUATION_SECONDS = Histogram(
    "bluewatch_rule_evaluation_seconds",
    "Time to run the enabled rules over one write, by what changed",
    ["trigger"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)


async def _run(connection: AsyncConnection, changes: list[AlertChange]) -> list[AlertChange]:
    await log.append(connection, changes)
    return changes


async def evaluate_incidents(
    connection: AsyncConnection, incident_ids: list[int]
) -> list[AlertChange]:
    """New or edited incidents against every enabled rule."""
    if not incident_ids:
        return []
    changes: list[AlertChange] = []
    scope = proximity.Scope(incident_ids=incident_ids)
    with EVALUATION_SECONDS.labels("incidents").time():
        for rule in await store.enabled_rules(connection):
            if isinstance(rule.params, ProximityParams):
                changes += await proximity.evaluate(connection, rule, scope)
            else:
                changes += await cluster.evaluate(connection, rule, incident_ids)
    return await _run(connection, changes)


async def evaluate_targets(
    connection: AsyncConnection, target: str, target_ids: list[int]
) -> list[AlertChange]:
    """Recent incidents against new or changed camps or routes."""
    if not target_ids:
        return []
    changes: list[AlertChange] = []
    scope = proximity.Scope(target_ids=target_ids)
    with EVALUATION_SECONDS.labels(target).time():
        for rule in await store.enabled_rules(connection):
            if isinstance(rule.params, ProximityParams) and rule.params.target == target:
                changes += await proximity.evaluate(connection, rule, scope)
    return await _run(connection, changes)


async def evaluate_rule(connection: AsyncConnection, rule: Rule) -> list[AlertChange]:
    """Recent incidents against a new or changed rule."""
    if not rule.enabled:
        return []
    with EVALUATION_SECONDS.labels("rule").time():
        if isinstance(rule.params, ClusterParams):
            changes = await cluster.evaluate(connection, rule, None)
        else:
            changes = await proximity.evaluate(connection, rule, proximity.Scope())
    return await _run(connection, changes)
