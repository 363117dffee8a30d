"""Coverage: camps, and convoy routes until their movement window ends, beyond the reach
of medical care by road (issue 20).

For each target, the places a casualty could be (a camp's point on its perimeter's
surface; a route's vertices and a point every ``spacing_m`` along it) join the road
network as in CASEVAC, and one pgRouting search from every facility of a level the
steps ask for (``pgr_withPointsCost`` over the edges turned round, one per marking the
targets carry) gives every place's time to each: road at each
road's speed (the rule's rainy seasons), carry at the rule's ``offroad_kmh``. A step is
missed when the worst place's fastest facility of its level takes longer than its
minutes; the alert's level is the highest missed step's, and it stands at the worst
place. A planned route is judged before its window opens, so the movement can be
re-planned or a medical team attached; a route whose window has ended, or that is
suspended or closed, is not judged (its alert is resolved).

Judged on what the target's readers may see: only the roads and facilities marked at or
below the target count, so the alert (marked as its target) rests on nothing above it.
A reader cleared higher may know of a closer facility; the headline says "by road" from
what the target's marking allows. One alert per rule and target stands while the gap
does: it is raised, stepped up or down as roads, facilities or the target change, and
resolved by the rule when care comes within reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.events.log import AlertChange
from bluewatch.network.joins import REACH_DEGREES, box_around, nearest_edge, place, points_sql
from bluewatch.network.speeds import Season, edges_sql, rainy
from bluewatch.rules import alerts
from bluewatch.rules.params import AlertLevel, CoverageParams, CoverageStep
from bluewatch.security.principal import SYSTEM

if TYPE_CHECKING:
    from bluewatch.rules.store import Rule

# The targets judged: every camp; routes planned or active whose window has not ended.
TARGETS = {
    "camp": """
        SELECT t.id, t.name, t.classification::text AS classification,
               ST_X(ST_PointOnSurface(t.geom)) AS lon, ST_Y(ST_PointOnSurface(t.geom)) AS lat,
               true AS judged
        FROM camp t
        WHERE CAST(:target_ids AS bigint[]) IS NULL OR t.id = ANY(:target_ids)""",
    "route": """
        SELECT t.id, t.name, t.classification::text AS classification, NULL AS lon,
               NULL AS lat,
               t.status IN ('planned', 'active')
                   AND (t.active_until IS NULL OR t.active_until > now()) AS judged
        FROM route t
        WHERE CAST(:target_ids AS bigint[]) IS NULL OR t.id = ANY(:target_ids)""",
}

# The judged targets' places (pid 1, 2, …, each with its target) and the facilities of
# at least :min_level marked at or below :clearance (pids after), each with where it
# joins the network.
SPOTS = {
    "camp": """
        SELECT t.id AS target_id, 1 AS n, ST_PointOnSurface(t.geom) AS geom
        FROM camp t WHERE t.id = ANY(:target_ids)""",
    "route": """
        SELECT t.id AS target_id, d.path[1] AS n, d.geom
        FROM route t,
             ST_DumpPoints(ST_Segmentize(t.geom::geography, :spacing_m)::geometry) d
        WHERE t.id = ANY(:target_ids)""",
}


def _places_statement(target: str) -> str:
    return f"""
        WITH spots AS ({SPOTS[target]}
        ), every AS (
            SELECT row_number() OVER (ORDER BY target_id, n) AS pid, target_id,
                   NULL::bigint AS record_id, geom, NULL::smallint AS level
            FROM spots
            UNION ALL
            SELECT (SELECT count(*) FROM spots) + row_number() OVER (ORDER BY f.id), NULL,
                   f.id, f.geom, f.level
            FROM facility f
            WHERE f.level >= :min_level AND f.classification <= CAST(:clearance AS classification)
        )
        SELECT e.pid, e.target_id, e.record_id, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat,
               e.level, near.edge_id, near.fraction, near.offroad_m
        FROM every e
        {nearest_edge("e.geom")}
        ORDER BY e.pid
    """


PLACE_STATEMENTS = {target: text(_places_statement(target)) for target in SPOTS}

# From every facility over the edges turned round: each place's time *to* it.
COSTS = text("""
    SELECT -start_pid AS facility_pid, -end_pid AS spot_pid, agg_cost AS seconds
    FROM pgr_withPointsCost(:edges, :points, CAST(:starts AS bigint[]),
                            CAST(:ends AS bigint[]), directed => true, driving_side => 'b')
""")

OPEN_ALERT = text("""
    SELECT id, level::text AS level, headline FROM alert
    WHERE rule_id = :rule_id AND rule_kind = 'coverage' AND target_type = :target_type
      AND target_id = :target_id AND status <> 'resolved'
    ORDER BY id DESC LIMIT 1 FOR UPDATE
""")

RAISE = text("""
    INSERT INTO alert (rule_id, rule_kind, level, target_type, target_id, target_name,
                       classification, headline, headline_fr, geom)
    VALUES (:rule_id, 'coverage', CAST(:level AS alert_level), :target_type, :target_id,
            :target_name, CAST(:classification AS classification), :headline, :headline_fr,
            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    RETURNING id
""")

CHANGE = text("""
    UPDATE alert SET level = CAST(:level AS alert_level), headline = :headline,
           headline_fr = :headline_fr, geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
           target_name = :target_name, version = version + 1, updated_at = now()
    WHERE id = :id
""")


@dataclass(frozen=True)
class Gap:
    """The highest step a target misses, at its worst place."""

    step: CoverageStep
    seconds: float  # the worst place's time to a facility of the step's level; inf: none
    lon: float
    lat: float


async def evaluate(
    connection: AsyncConnection, rule: Rule, target_ids: list[int] | None
) -> list[AlertChange]:
    params = rule.params
    assert isinstance(params, CoverageParams)
    in_rain = rainy([Season.parse(s) for s in params.rainy_seasons], datetime.now(UTC).date())
    targets = (
        await connection.execute(text(TARGETS[params.target]), {"target_ids": target_ids})
    ).all()
    gaps: dict[int, Gap | None] = {}
    # One search per marking the targets carry: each judged on what its readers may see.
    for marking in {t.classification for t in targets if t.judged}:
        judged = [t.id for t in targets if t.judged and t.classification == marking]
        gaps |= await _gaps(connection, params, judged, Classification(marking), in_rain)
    changes: list[AlertChange] = []
    for target in targets:
        change = await _settle(connection, rule, params, target, gaps.get(target.id))
        if change is not None:
            changes.append(change)
    return changes


async def _gaps(
    connection: AsyncConnection,
    params: CoverageParams,
    target_ids: list[int],
    clearance: Classification,
    in_rain: bool,
) -> dict[int, Gap | None]:
    """Each target's highest missed step, from one search per facility over the edges
    turned round (a few facilities, however many places the routes have)."""
    rows = (
        await connection.execute(
            PLACE_STATEMENTS[params.target],
            {
                "target_ids": target_ids,
                "spacing_m": params.spacing_m,
                "min_level": min(step.min_level for step in params.steps),
                "clearance": clearance.value,
            },
        )
    ).all()
    places = {row.pid: place(row) for row in rows}
    spots = [row for row in rows if row.record_id is None]
    facilities = [row for row in rows if row.record_id is not None]
    seconds: dict[tuple[int, int], float] = {}
    starts = [f.pid for f in facilities if f.edge_id is not None]
    ends = [s.pid for s in spots if s.edge_id is not None]
    if starts and ends:
        found = await connection.execute(
            COSTS,
            {
                "edges": edges_sql(
                    clearance, in_rain, box_around(list(places.values()), REACH_DEGREES), True
                ),
                "points": points_sql([places[pid] for pid in starts + ends]),
                "starts": [-pid for pid in starts],
                "ends": [-pid for pid in ends],
            },
        )
        seconds = {(row.facility_pid, row.spot_pid): row.seconds for row in found}
    carry = 3.6 / params.offroad_kmh  # seconds per metre
    steps = sorted(
        params.steps, key=lambda step: list(AlertLevel).index(step.level)
    )  # lowest first
    gaps: dict[int, Gap | None] = {}
    for target_id in target_ids:
        mine = [s for s in spots if s.target_id == target_id]
        missed: Gap | None = None
        for step in steps:
            worst: tuple[float, Any] | None = None
            for spot in mine:
                best = math.inf
                for facility in facilities:
                    road_s = seconds.get((facility.pid, spot.pid))
                    if road_s is None or facility.level < step.min_level:
                        continue
                    total = road_s + ((spot.offroad_m or 0) + (facility.offroad_m or 0)) * carry
                    best = min(best, total)
                if worst is None or best > worst[0]:
                    worst = (best, spot)
            if worst is not None and worst[0] > step.minutes * 60:
                missed = Gap(step, worst[0], worst[1].lon, worst[1].lat)
        gaps[target_id] = missed
    return gaps


async def _settle(
    connection: AsyncConnection, rule: Rule, params: CoverageParams, target: Any, gap: Gap | None
) -> AlertChange | None:
    """Raise, change or resolve the target's alert to match the gap."""
    values = {"rule_id": rule.id, "target_type": params.target, "target_id": target.id}
    current = (await connection.execute(OPEN_ALERT, values)).first()
    if gap is None:
        if current is None:
            return None
        note = "Medical care is within reach by road again." if target.judged else (
            "The route's movement window has ended, or it is suspended or closed.")  # fmt: skip
        await alerts.transition(
            connection, current.id, alerts.RESOLVE, "bluewatch", note, SYSTEM.clearance
        )
        return AlertChange(current.id, alerts.RESOLVE.event)
    words = {
        "headline": headline(target.name, gap, "en"),
        "headline_fr": headline(target.name, gap, "fr"),
        "level": gap.step.level.value,
        "lon": gap.lon,
        "lat": gap.lat,
        "target_name": target.name,
    }
    if current is None:
        raised = await connection.execute(
            RAISE, {**values, **words, "classification": target.classification}
        )
        return AlertChange(raised.scalar_one(), "alert.created")
    if current.level == words["level"] and current.headline == words["headline"]:
        return None
    await connection.execute(CHANGE, {"id": current.id, **words})
    return AlertChange(current.id, "alert.updated")


def headline(target: str, gap: Gap, language: str) -> str:
    """The alert's words. They name the target and times, never a facility: an alert's
    events keep their words, and a facility raised above the target's marking later
    would stay named in them (the leak property test found it); CASEVAC names them."""
    minutes = round(gap.step.minutes)
    level = gap.step.min_level
    if math.isinf(gap.seconds):
        if language == "fr":
            return (f"{target} : aucune structure de niveau {level} ou plus accessible par la "
                    f"route (délai {minutes} min)")  # fmt: skip
        return f"{target}: no level {level}+ care reachable by road (timeline {minutes} min)"
    taken = round(gap.seconds / 60)
    if language == "fr":
        return (f"{target} : soins de niveau {level} ou plus à {taken} min par la route, "
                f"au-delà de {minutes} min")  # fmt: skip
    return f"{target}: level {level}+ care {taken} min away by road, beyond {minutes} min"
