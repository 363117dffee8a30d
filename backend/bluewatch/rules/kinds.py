"""Rule kinds in one registry: for each kind, its params model, what changes it watches,
how it is evaluated, and how its alerts read in CAP.

The engine, the rules API, the rule store and CAP read this registry, so a new kind is
its own module (params model, evaluator, wording) and one entry here; nothing else
branches on a kind's name. The database's check on ``rule.kind`` and the API's list of
kinds are compared with this registry by a test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events.log import AlertChange
from bluewatch.rules import baseline, cluster, coverage, proximity
from bluewatch.rules.params import (
    BaselineParams,
    ClusterParams,
    CoverageParams,
    ProximityParams,
    RuleParams,
)
from bluewatch.rules.wording import (
    AlertFacts,
    Language,
    baseline_event,
    coverage_event,
    headline_sentence,
    proximity_certainty,
    proximity_description,
    proximity_event,
    surge_description,
    surge_event,
)

if TYPE_CHECKING:
    from bluewatch.rules.store import Rule

# What changed: new or edited incidents, camps or routes (their ids), the rule itself
# (created, changed or enabled: every recent incident is evaluated again), or the road
# network and medical facilities (no ids: every camp and route is judged again).
Changed = Literal["incident", "camp", "route", "rule", "network"]


@dataclass(frozen=True)
class Trigger:
    changed: Changed
    ids: list[int] | None = None  # None: everything recent


Evaluator = Callable[[AsyncConnection, "Rule", Trigger], Awaitable[list[AlertChange]]]
Words = Callable[[AlertFacts, Language], str]


@dataclass(frozen=True)
class RuleKind:
    name: str
    params: type[RuleParams]
    evaluate: Evaluator
    # Which changes a rule of this kind answers to, given its params.
    watches: Callable[[Any], frozenset[Changed]]
    # CAP: <event>, <description>, the circle's radius (from the alert's distance and the
    # rule's params), and <certainty>.
    cap_event: Words
    cap_description: Words
    cap_radius_km: Callable[[float | None, Callable[[str], Any]], float]
    cap_certainty: Callable[[AlertFacts], str]


async def _proximity(
    connection: AsyncConnection, rule: Rule, trigger: Trigger
) -> list[AlertChange]:
    if trigger.changed == "incident":
        scope = proximity.Scope(incident_ids=trigger.ids)
    elif trigger.changed == "rule":
        scope = proximity.Scope()
    else:
        scope = proximity.Scope(target_ids=trigger.ids)
    return await proximity.evaluate(connection, rule, scope)


async def _surge(connection: AsyncConnection, rule: Rule, trigger: Trigger) -> list[AlertChange]:
    return await cluster.evaluate(connection, rule, trigger.ids)


async def _baseline(connection: AsyncConnection, rule: Rule, trigger: Trigger) -> list[AlertChange]:
    incidents = trigger.ids if trigger.changed == "incident" else None
    targets = trigger.ids if trigger.changed in ("camp", "route") else None
    return await baseline.evaluate(connection, rule, incidents, targets)


async def _coverage(connection: AsyncConnection, rule: Rule, trigger: Trigger) -> list[AlertChange]:
    return await coverage.evaluate(
        connection, rule, trigger.ids if trigger.changed in ("camp", "route") else None
    )


def _rule_radius_km(_: float | None, rule_param: Callable[[str], Any]) -> float:
    """The circle of an area rule (surge, baseline): its radius."""
    return float(rule_param("radius_m")) / 1000


def _likely(_: AlertFacts) -> str:
    return "Likely"


KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind(
            name="proximity",
            params=ProximityParams,
            evaluate=_proximity,
            watches=lambda params: frozenset({"incident", "rule", params.target}),
            cap_event=proximity_event,
            cap_description=proximity_description,
            cap_radius_km=lambda distance_m, _: max((distance_m or 0.0) / 1000, 0.5),
            cap_certainty=proximity_certainty,
        ),
        RuleKind(
            name="cluster",
            params=ClusterParams,
            evaluate=_surge,
            watches=lambda _: frozenset({"incident", "rule"}),
            cap_event=surge_event,
            cap_description=surge_description,
            cap_radius_km=_rule_radius_km,
            cap_certainty=_likely,
        ),
        RuleKind(
            name="baseline",
            params=BaselineParams,
            evaluate=_baseline,
            watches=lambda params: frozenset({"incident", "rule", params.target}),
            cap_event=baseline_event,
            cap_description=headline_sentence,
            cap_radius_km=_rule_radius_km,
            cap_certainty=_likely,
        ),
        RuleKind(
            name="coverage",
            params=CoverageParams,
            evaluate=_coverage,
            watches=lambda params: frozenset({"rule", "network", params.target}),
            cap_event=coverage_event,
            cap_description=headline_sentence,
            cap_radius_km=lambda _distance, _param: 1.0,  # about the camp or the worst point
            cap_certainty=_likely,
        ),
    )
}


def parse_params(kind: str, raw: object) -> RuleParams:
    """Validate stored or posted params for ``kind``; the kind is not taken from the params."""
    if not isinstance(raw, dict):
        raw = {}
    return KINDS[kind].params.model_validate({**raw, "kind": kind})
