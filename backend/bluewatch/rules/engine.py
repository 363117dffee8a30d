"""Run the enabled rules over what changed, inside the caller's transaction.

An incident is never stored without its alerts, and an alert never changes without
its event: the write, the evaluation and the events commit together.
"""

from __future__ import annotations

from prometheus_client import Histogram
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events import log
from bluewatch.events.log import AlertChange
from bluewatch.rules import store
from bluewatch.rules.kinds import KINDS, Changed, Trigger
from bluewatch.rules.store import Rule

# Process-wide (rules run wherever a write happens); each app's registry includes it.
EVALUATION_SECONDS = Histogram(
    "bluewatch_rule_evaluation_seconds",
    "Time to run the enabled rules over one write, by what changed",
    ["trigger"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)


# The rule statements of a single POST (or of the few written together) took longer to
# plan than to run (at 1M: ≈ 6 of 9.5 ms of PostgreSQL). For that many incidents or fewer
# the rules run on plans made once per connection (generic plans: the statements look
# the given ids up by index, ``params.in_scope``); larger batches, and everything else,
# keep plans made for their own values, as every statement does (``db.engine``).
GENERIC_PLANS_UP_TO = 64
PLAN_MODE = text("SELECT set_config('plan_cache_mode', :mode, true)")
OWN_PLANS = "force_custom_plan"  # the connections' setting


async def _run(connection: AsyncConnection, changes: list[AlertChange]) -> list[AlertChange]:
    await log.append(connection, changes)
    return changes


async def _evaluate(connection: AsyncConnection, trigger: Trigger, label: str) -> list[AlertChange]:
    """Every enabled rule whose kind answers to what changed."""
    changes: list[AlertChange] = []
    few = trigger.changed == "incident" and len(trigger.ids or ()) <= GENERIC_PLANS_UP_TO
    with EVALUATION_SECONDS.labels(label).time():
        if few:
            await connection.execute(PLAN_MODE, {"mode": "force_generic_plan"})
        for rule in await store.enabled_rules(connection):
            kind = KINDS[rule.kind]
            if trigger.changed in kind.watches(rule.params):
                changes += await kind.evaluate(connection, rule, trigger)
        if few:
            await connection.execute(PLAN_MODE, {"mode": OWN_PLANS})
    return await _run(connection, changes)


async def evaluate_incidents(
    connection: AsyncConnection, incident_ids: list[int]
) -> list[AlertChange]:
    """New or edited incidents against every enabled rule."""
    if not incident_ids:
        return []
    return await _evaluate(connection, Trigger("incident", incident_ids), "incidents")


async def evaluate_targets(
    connection: AsyncConnection, target: Changed, target_ids: list[int]
) -> list[AlertChange]:
    """Recent incidents against new or changed camps or routes."""
    if not target_ids:
        return []
    return await _evaluate(connection, Trigger(target, target_ids), target)


async def evaluate_rule(connection: AsyncConnection, rule: Rule) -> list[AlertChange]:
    """Recent incidents against a new or changed rule."""
    if not rule.enabled:
        return []
    with EVALUATION_SECONDS.labels("rule").time():
        changes = await KINDS[rule.kind].evaluate(connection, rule, Trigger("rule"))
    return await _run(connection, changes)


async def evaluate_network(connection: AsyncConnection) -> list[AlertChange]:
    """Every camp and route against the rules that judge by the road network and the
    medical facilities (coverage), after a road or facility changed."""
    return await _evaluate(connection, Trigger("network"), "network")
