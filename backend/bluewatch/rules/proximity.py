"""Proximity: incidents within a band's distance of a camp perimeter or a convoy route.

One set-based statement per rule: candidate pairs come from ST_DWithin on geography
(GiST indexes on ``geom::geography``), distances are geodesic metres on the
spheroid (0 inside a camp), and alerts are upserted on (rule, incident, target):
a closer band escalates the existing alert, never a duplicate.

A rule's options (docs/decisions.md, issue 19): an approximate position widens the
test by its uncertainty (one level lower when only that brings it in); a cooldown
groups a band's incidents into one alert per target; a margin lets an incident's alert
step down or close once the incident is that far beyond its band (hysteresis).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events.log import AlertChange
from bluewatch.rules import members
from bluewatch.rules.members import ADD_MEMBERS, NEW_ALERT_ID, short
from bluewatch.rules.params import (
    Given,
    ProximityParams,
    in_scope,
    incident_filters,
    near_target_box,
)
from bluewatch.rules.wording import (
    LANGUAGES,
    Language,
    proximity_group_headline,
    proximity_headline,
)

if TYPE_CHECKING:
    from bluewatch.rules.store import Rule  # the store reads kinds.py, which reads this

TARGET_TABLES = {"camp": "camp", "route": "route"}

# A route counts when active, or when the incident falls in its movement window
# widened by the lead time; suspended and closed routes never count.
ROUTE_COUNTS = """
    AND t.status NOT IN ('suspended', 'closed')
    AND (t.status = 'active'
         OR (t.active_from IS NOT NULL
             AND i.occurred_at >= t.active_from - make_interval(secs => :lead_seconds)
             AND (t.active_until IS NULL OR i.occurred_at <= t.active_until)))
"""


@dataclass(frozen=True)
class Scope:
    """Which incidents and targets to evaluate; None means all within the age window."""

    incident_ids: list[int] | None = None
    target_ids: list[int] | None = None

    @property
    def given(self) -> Given:
        """Which ids are given: the statement differs for each case (``in_scope``)."""
        return Given(self.incident_ids is not None, self.target_ids is not None)


HEADLINE = proximity_headline("banded", ":target_type", "en")
HEADLINE_FR = proximity_headline("banded", ":target_type", "fr")


# What ``band`` gives of the band it finds: its level, or its distance.
BAND_LEVEL = "CAST(:band_level{k} AS alert_level)"
BAND_DISTANCE = ":band_m{k}"


def band(distance: str, bands: int, value: str = BAND_LEVEL) -> str:
    """The `value` (``BAND_LEVEL`` or ``BAND_DISTANCE``) of the closest band that
    `distance` (an SQL expression) is within, or NULL: a CASE over the rule's bands as
    bound values (``:band_m0``, ``:band_level0``…, closest first), not a JSON document
    read again for every pair."""
    cases = " ".join(
        f"WHEN {distance} <= :band_m{k} THEN {value.format(k=k)}" for k in range(bands)
    )
    return f"CASE {cases} END"


# How near an incident may really be: its distance less its stated uncertainty.
NEAREST_POSSIBLE = "GREATEST(candidates.distance_m - candidates.uncertainty_m, 0)"


def _pairs(target: str, precision: str, reach: str, given: Given) -> str:
    """Incidents of one precision and the targets within `reach` of them. Exact and
    approximate positions are searched apart, so the wider reach of the few approximate
    ones does not widen the index search for all."""
    route_condition = ROUTE_COUNTS if target == "route" else ""
    return f"""
        SELECT i.id AS incident_id, i.category, i.geom, i.occurred_at, t.id AS target_id,
               t.name AS target_name,
               ST_Distance(i.geom::geography, t.geom::geography) AS distance_m,
               CASE i.geo_precision WHEN 2 THEN :near_m WHEN 3 THEN :district_m ELSE 0
               END AS uncertainty_m,
               GREATEST(i.classification, t.classification) AS classification
        FROM incident i
        JOIN {TARGET_TABLES[target]} t ON ST_DWithin(i.geom::geography, t.geom::geography, {reach})
        WHERE {precision}
          AND {in_scope("i.id", "incident_ids", given.incidents)}
          AND {in_scope("t.id", "target_ids", given.targets)}
          AND i.occurred_at >= now() - make_interval(secs => :max_age_seconds)
          AND {incident_filters("i")}
          {route_condition}
    """


# The latest time a dwell's other report is looked for: any (the API refuses a time
# more than minutes ahead; the box needs a bound).
FAR_FUTURE = "now() + make_interval(days => 36525)"


def _dwelt(target: str) -> str:
    """SQL: another report in the same or a closer band of the target lies at least
    ``:dwell_seconds`` before or after the pair ``ranged`` (its band is ``band_m``).

    Found through the (lon, lat, days) box of the target and the rule's age window: by
    the geography index ANDed with the time index, each pair read every recent incident
    of the area (a changed route rule over 16,000 recent pairs: 8.5 s); by the geography
    index alone, it would read through the target's whole history."""
    route_condition = ROUTE_COUNTS if target == "route" else ""
    since = "now() - make_interval(secs => :max_age_seconds)"
    return f"""
        EXISTS (
            SELECT 1 FROM {TARGET_TABLES[target]} t
            JOIN incident i ON {near_target_box("ranged.band_m", since, FAR_FUTURE)}
                           AND _ST_DWithin(i.geom::geography, t.geom::geography, ranged.band_m)
            WHERE t.id = ranged.target_id AND i.id <> ranged.incident_id
              AND abs(extract(epoch FROM i.occurred_at - ranged.occurred_at)) >= :dwell_seconds
              AND now() - i.occurred_at <= make_interval(secs => :max_age_seconds)
              AND {incident_filters("i")}
              {route_condition})
    """


# Approximate positions are searched that much further.
WIDER_REACH = ":reach_m + GREATEST(:near_m, :district_m)"


def _banded(target: str, bands: int, dwell: bool, given: Given) -> str:
    """The incident/target pairs in a band, with the band's level and whether only the
    incident's uncertainty brought it in (CTEs ``candidates``, ``ranged``, ``banded``);
    with `dwell`, only the pairs whose band has dwelt.

    ``candidates`` is MATERIALIZED: inlined, each mention of ``distance_m`` in the bands'
    CASEs computed the geodesic distance again (W2 at 1M: ~2,200 → ~3,500 incidents/s)."""
    return f"""
        WITH candidates AS MATERIALIZED (
            {_pairs(target, "i.geo_precision = 1", ":reach_m", given)}
            UNION ALL
            {_pairs(target, "i.geo_precision > 1", WIDER_REACH, given)}
        ), ranged AS (
            SELECT candidates.*, {band("candidates.distance_m", bands)} AS exact_level,
                   {band(NEAREST_POSSIBLE, bands)} AS reduced_level,
                   {band(NEAREST_POSSIBLE, bands, BAND_DISTANCE)} AS band_m
            FROM candidates
            WHERE candidates.distance_m - candidates.uncertainty_m <= :reach_m
        ), banded AS (
            -- A band reached only thanks to the uncertainty counts one level lower.
            SELECT ranged.*,
                   (exact_level IS NULL OR reduced_level > exact_level) AS uncertain,
                   CASE WHEN exact_level IS NULL OR reduced_level > exact_level
                        THEN GREATEST(exact_level, CASE reduced_level
                            WHEN 'critical' THEN 'warning'::alert_level
                            ELSE 'watch'::alert_level END)
                        ELSE exact_level END AS level
            FROM ranged WHERE reduced_level IS NOT NULL {f"AND {_dwelt(target)}" if dwell else ""}
        )"""


# SQL over alert ``m``: an alert of this rule for the target of the pair ``banded``.
OF_THIS_TARGET = """m.rule_id = :rule_id AND m.rule_kind = 'proximity'
    AND m.target_type = :target_type AND m.target_id = banded.target_id"""


# ... a group the incident joined (not its own alert) at the pair's band or closer: it
# covers the pair, so a rule whose cooldown was switched off raises no alert of its own.
COVERED_BY_A_GROUP = f"""{OF_THIS_TARGET}
    AND m.incident_id IS DISTINCT FROM banded.incident_id AND m.level >= banded.level"""


def _statement(target: str, bands: int, dwell: bool, given: Given) -> str:
    """One alert per incident and target; a closer band escalates it. An incident a
    group alert of the rule covers at the target (joined while a cooldown was on) raises
    nothing more unless it comes closer."""
    return f"""
        {_banded(target, bands, dwell, given)}, upserted AS (
            INSERT INTO alert AS a (rule_id, rule_kind, level, incident_id, member_count,
                                    occurred_at, target_type, target_id, target_name,
                                    distance_m, classification, headline, headline_fr,
                                    uncertain, geom)
            SELECT :rule_id, 'proximity', banded.level, banded.incident_id, 1,
                   banded.occurred_at, :target_type, banded.target_id, banded.target_name,
                   banded.distance_m, banded.classification, {HEADLINE}, {HEADLINE_FR},
                   banded.uncertain, banded.geom
            FROM banded
            WHERE NOT {members.in_an_alert("banded.incident_id", COVERED_BY_A_GROUP)}
            ON CONFLICT (rule_id, incident_id, target_type, target_id)
                WHERE rule_kind = 'proximity'
            DO UPDATE SET level = GREATEST(a.level, EXCLUDED.level),
                          classification = GREATEST(a.classification, EXCLUDED.classification),
                          distance_m = EXCLUDED.distance_m, headline = EXCLUDED.headline,
                          headline_fr = EXCLUDED.headline_fr, uncertain = EXCLUDED.uncertain,
                          geom = EXCLUDED.geom, target_name = EXCLUDED.target_name,
                          occurred_at = EXCLUDED.occurred_at,
                          version = a.version + 1, updated_at = now()
            WHERE a.status <> 'resolved'
              AND (EXCLUDED.level > a.level OR EXCLUDED.classification > a.classification)
            RETURNING a.id, a.incident_id, (a.xmax = 0) AS created
        ), members AS (
            {ADD_MEMBERS}
            SELECT id, incident_id, 1 FROM upserted WHERE created
        )
        SELECT id, created, false AS short FROM upserted
    """


def _group_headline(count: str, distance: str, name: str, language: Language) -> str:
    return proximity_group_headline(count, distance, name, ":target_type", language)


def _grouped_statement(target: str, bands: int, dwell: bool, given: Given) -> str:
    """With a cooldown: an incident not yet in an alert of this rule and target joins the
    alert opened for its band within the cooldown, else the batch's incidents of one
    band and target open one alert together (the closest is its incident)."""
    single = {lang: proximity_headline("g", ":target_type", lang) for lang in LANGUAGES}
    grouped = {
        lang: _group_headline("g.members", "g.distance_m", "g.target_name", lang)
        for lang in LANGUAGES
    }
    grown = {
        lang: _group_headline(
            "a.member_count + j.added",
            "LEAST(a.distance_m, j.distance_m)", "a.target_name", lang,
        )
        for lang in LANGUAGES
    }  # fmt: skip
    return f"""
        {_banded(target, bands, dwell, given)}, fresh AS (
            SELECT banded.* FROM banded
            WHERE NOT {members.in_an_alert("banded.incident_id", OF_THIS_TARGET)}
        ), assigned AS (
            SELECT fresh.*, open_group.id AS alert_id
            FROM fresh
            LEFT JOIN LATERAL (
                SELECT a.id FROM alert a
                WHERE a.rule_id = :rule_id AND a.rule_kind = 'proximity'
                  AND a.target_type = :target_type AND a.target_id = fresh.target_id
                  AND a.level = fresh.level AND a.status <> 'resolved'
                  AND a.created_at >= now() - make_interval(secs => :cooldown_seconds)
                ORDER BY a.created_at DESC, a.id DESC LIMIT 1  -- ix_alert_target
            ) open_group ON true
        ), joined AS (
            UPDATE alert a
            SET member_count = a.member_count + j.added,
                classification = GREATEST(a.classification, j.classification),
                distance_m = LEAST(a.distance_m, j.distance_m),
                occurred_at = GREATEST(a.occurred_at, j.occurred_at),
                headline = {grown["en"]}, headline_fr = {grown["fr"]},
                version = a.version + 1, updated_at = now()
            FROM (
                SELECT alert_id, count(*) AS added, max(classification) AS classification,
                       min(distance_m) AS distance_m, max(occurred_at) AS occurred_at
                FROM assigned WHERE alert_id IS NOT NULL GROUP BY alert_id
            ) j
            WHERE a.id = j.alert_id
            RETURNING a.id, a.version, j.added
        ), joined_members AS ({members.joining("assigned", "incident_id", "joined")}
        ), g AS (
            SELECT DISTINCT ON (target_id, level) assigned.*,
                   array_agg(incident_id) OVER band_group AS member_ids,
                   count(*) OVER band_group AS members,
                   max(classification) OVER band_group AS group_classification,
                   max(occurred_at) OVER band_group AS group_occurred_at
            FROM assigned WHERE alert_id IS NULL
            WINDOW band_group AS (PARTITION BY target_id, level ORDER BY incident_id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
            ORDER BY target_id, level, distance_m, incident_id
        ), numbered AS (
            SELECT g.*, {NEW_ALERT_ID} AS new_id FROM g
        ), opened AS (
            INSERT INTO alert (id, rule_id, rule_kind, level, incident_id, member_count,
                               occurred_at, target_type, target_id, target_name, distance_m,
                               classification, headline, headline_fr, uncertain, geom)
            SELECT g.new_id, :rule_id, 'proximity', g.level, g.incident_id, g.members,
                   g.group_occurred_at, :target_type, g.target_id, g.target_name, g.distance_m,
                   g.group_classification,
                   CASE WHEN g.members = 1 THEN {single["en"]} ELSE {grouped["en"]} END,
                   CASE WHEN g.members = 1 THEN {single["fr"]} ELSE {grouped["fr"]} END,
                   g.uncertain, g.geom
            FROM numbered g
            ON CONFLICT (rule_id, incident_id, target_type, target_id)
                WHERE rule_kind = 'proximity' DO NOTHING
            RETURNING id
        ), opened_members AS (
            {ADD_MEMBERS}
            SELECT opened.id, member, 1 FROM opened
                       JOIN numbered ON numbered.new_id = opened.id,
                       unnest(numbered.member_ids) AS member
        )
        SELECT id, true AS created, false AS short FROM opened
        UNION ALL
        SELECT id, false AS created, {short("joined_members", "joined")} AS short FROM joined
    """


def _step_down_statement(target: str, bands: int, given: Given) -> str:
    """Hysteresis: an open alert of one incident (an exact position) whose incident now
    lies more than the margin beyond its band steps down to the band it is within by the
    margin, or is resolved by Bluewatch when it is beyond every band by more than that."""
    held = band("GREATEST(current.distance_m - :margin_m, 0)", bands)
    headline = {lang: proximity_headline("held", ":target_type", lang) for lang in LANGUAGES}
    gone = "held.held_level IS NULL"
    return f"""
        WITH current AS (
            SELECT a.id, a.level AS old_level, i.category, t.name AS target_name,
                   ST_Distance(i.geom::geography, t.geom::geography) AS distance_m,
                   false AS uncertain
            FROM alert a
            JOIN incident i ON i.id = a.incident_id
            JOIN {TARGET_TABLES[target]} t ON t.id = a.target_id
            WHERE a.rule_id = :rule_id AND a.rule_kind = 'proximity'
              AND a.target_type = :target_type AND a.status <> 'resolved'
              AND a.member_count = 1 AND i.geo_precision = 1
              AND {in_scope("a.incident_id", "incident_ids", given.incidents)}
              AND {in_scope("a.target_id", "target_ids", given.targets)}
        ), held AS (
            SELECT current.*, {held} AS held_level FROM current
        )
        UPDATE alert a
        SET level = coalesce(held.held_level, a.level),
            status = CASE WHEN {gone} THEN 'resolved' ELSE a.status END,
            resolved_at = CASE WHEN {gone} THEN now() ELSE a.resolved_at END,
            resolved_by = CASE WHEN {gone} THEN 'bluewatch' ELSE a.resolved_by END,
            resolve_note = CASE WHEN {gone}
                THEN 'The incident lies beyond the rule''s bands by more than its margin.'
                ELSE a.resolve_note END,
            distance_m = held.distance_m,
            headline = {headline["en"]}, headline_fr = {headline["fr"]}, uncertain = false,
            version = a.version + 1, updated_at = now()
        FROM held
        WHERE a.id = held.id AND ({gone} OR held.held_level < held.old_level)
        RETURNING a.id, a.status
    """


# A group's headline counts its members (a.target_type: the recount binds no target).
RECOUNT = members.recount({
    "headline": proximity_group_headline(
        "c.members", "a.distance_m", "a.target_name", "a.target_type", "en"),
    "headline_fr": proximity_group_headline(
        "c.members", "a.distance_m", "a.target_name", "a.target_type", "fr"),
})  # fmt: skip


@functools.cache
def step_down(target: str, bands: int, given: Given) -> TextClause:
    return text(_step_down_statement(target, bands, given))


@functools.cache
def statement(target: str, bands: int, grouped: bool, dwell: bool, given: Given) -> TextClause:
    """The statement for a rule's target, number of bands, grouping, dwell and scope,
    made once."""
    return text((_grouped_statement if grouped else _statement)(target, bands, dwell, given))


def bound_values(rule: Rule, scope: Scope) -> dict[str, Any]:
    """The values a proximity rule's statements bind, for `scope`."""
    params = rule.params
    assert isinstance(params, ProximityParams)
    return {
        **{f"band_m{k}": b.distance_m for k, b in enumerate(params.bands)},
        **{f"band_level{k}": b.level.value for k, b in enumerate(params.bands)},
        "cooldown_seconds": params.cooldown_minutes * 60,
        "dwell_seconds": params.dwell_minutes * 60,
        "near_m": params.near_uncertainty_m,
        "district_m": params.district_uncertainty_m,
        "rule_id": rule.id,
        "target_type": params.target,
        "reach_m": params.reach_m,
        "incident_ids": scope.incident_ids,
        "target_ids": scope.target_ids,
        "max_age_seconds": params.max_age_hours * 3600,
        "lead_seconds": params.lead_hours * 3600,
        "severity_min": params.severity_min,
        "categories": [category.value for category in params.categories],
        "margin_m": params.margin_m,
    }


async def evaluate(connection: AsyncConnection, rule: Rule, scope: Scope) -> list[AlertChange]:
    params = rule.params
    assert isinstance(params, ProximityParams)
    values = bound_values(rule, scope)
    grouped, dwell = params.cooldown_minutes > 0, params.dwell_minutes > 0
    result = await connection.execute(
        statement(params.target, len(params.bands), grouped, dwell, scope.given), values
    )
    rows = result.all()
    await members.count_again(connection, rows, RECOUNT)
    changes = AlertChange.raised(rows)
    if params.margin_m is not None:
        moved = await connection.execute(
            step_down(params.target, len(params.bands), scope.given), values
        )
        changes += [
            AlertChange(row.id, "alert.resolved" if row.status == "resolved" else "alert.updated")
            for row in moved
        ]
    return changes
