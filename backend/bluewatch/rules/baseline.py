"""Baseline surges: more incidents near a camp or route this week than it usually has.

ACLED's subnational surge tracker compares an area's recent count with its own
history; here the area is each camp or route with a radius around it. For each target
near what changed, one statement counts the incidents within ``radius_m`` in the last
``window_days`` and, per window, in the ``baseline_windows`` before; when the recent
count reaches ``min_count`` and ``min_ratio`` times the average, the target's open
baseline alert of this rule (raised within the window) takes the new count, or one is
raised. A quiet place with no history surges on ``min_count`` alone.

The baseline windows are counted only as far as decides the ratio (``ENOUGH_BEFORE``):
a place as busy as usual stops there. With both, one incident's evaluation at 1M (the
dense synthetic history) went from 87 to 30 ms for the camps and from 490 to 141 ms for
the routes (bench/RESULTS.md, 2026-11-27 18:22).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events.log import AlertChange
from bluewatch.rules import members
from bluewatch.rules.members import ADD_MEMBERS, NEW_ALERT_ID, is_member, short
from bluewatch.rules.params import (
    BaselineParams,
    Given,
    date_known_within,
    in_scope,
    incident_filters,
    near_target_box,
)
from bluewatch.rules.proximity import TARGET_TABLES
from bluewatch.rules.wording import LANGUAGES, baseline_headline

if TYPE_CHECKING:
    from bluewatch.rules.store import Rule  # the store reads kinds.py, which reads this

COUNTS = f"""{incident_filters("i")} AND {date_known_within("i", ":window_days * 86400")}"""


def _near_target(newest: str, oldest: str, newest_included: bool) -> str:
    """SQL: incident ``i`` counts for target ``t``, lies within ``:radius_m`` of it and is
    between `newest` and `oldest` days old (SQL expressions; `oldest` included).

    The (lon, lat, days) box goes first (``near_target_box``), which took a route's
    count at 1M from 36 ms to 24 ms; what is left is the candidates' fetch and
    distance."""
    since = f"now() - make_interval(days => {oldest})"
    until = f"now() - make_interval(days => {newest})"
    younger = ">=" if newest_included else ">"
    return f"""{near_target_box(":radius_m", since, until)}
              AND _ST_DWithin(i.geom::geography, t.geom::geography, :radius_m)
              AND now() - i.occurred_at {younger} make_interval(days => {newest})
              AND now() - i.occurred_at <= make_interval(days => {oldest})
              AND {COUNTS}"""


RECENT = _near_target("0", ":window_days", newest_included=True)
BEFORE = _near_target(":window_days", ":window_days * (1 + :baseline_windows)", False)
# The most incidents of the baseline windows that still let the recent count reach
# min_ratio times their average; one more decides that it does not (rounded up, so a
# float's error cannot count one too few).
ENOUGH_BEFORE = (
    "ceil(cardinality(recent.ids) * CAST(:baseline_windows AS float8)"
    " / CAST(:min_ratio AS float8))::bigint + 1"
)


def _near_incidents_given(given: bool) -> str:
    """SQL: target ``t`` lies near one of the incidents given, when they are given."""
    if not given:
        return "true"
    return f"""EXISTS (
                    SELECT 1 FROM incident i
                    WHERE i.id = ANY(:incident_ids) AND {COUNTS}
                      AND i.occurred_at >= now() - make_interval(days => :window_days)
                      AND ST_DWithin(i.geom::geography, t.geom::geography, :radius_m))"""


def _statement(target: str, given: Given) -> str:
    table = TARGET_TABLES[target]
    headline = {lang: baseline_headline("s", ":target_type", lang) for lang in LANGUAGES}
    return f"""
        WITH touched AS (
            SELECT DISTINCT t.id FROM {table} t
            WHERE {in_scope("t.id", "target_ids", given.targets)}
              AND {_near_incidents_given(given.incidents)}
        ), counted AS (
            SELECT t.id AS target_id, t.name AS target_name, t.geom AS target_geom,
                   recent.ids AS recent_ids, cardinality(recent.ids) AS recent,
                   before.counted::float8 / :baseline_windows AS average,
                   GREATEST(t.classification, recent.classification) AS classification,
                   recent.occurred_at
            FROM touched
            JOIN {table} t ON t.id = touched.id
            CROSS JOIN LATERAL (
                SELECT array_agg(i.id ORDER BY i.id) AS ids,
                       max(i.classification) AS classification,
                       max(i.occurred_at) AS occurred_at
                FROM incident i WHERE {RECENT}
            ) recent
            CROSS JOIN LATERAL (
                -- Counted only as far as decides the ratio: a place as busy as usual stops
                -- at twice this week's count (ratio 2, four windows), not all four weeks'.
                SELECT count(*) AS counted FROM (
                    SELECT FROM incident i WHERE {BEFORE} LIMIT {ENOUGH_BEFORE}
                ) enough
            ) before
            WHERE cardinality(recent.ids) >= :min_count
        ), s AS (
            SELECT counted.*, open_alert.id AS alert_id,
                   recent / NULLIF(average, 0) AS ratio
            FROM counted
            LEFT JOIN LATERAL (
                SELECT a.id FROM alert a
                WHERE a.rule_id = :rule_id AND a.rule_kind = 'baseline'
                  AND a.target_type = :target_type AND a.target_id = counted.target_id
                  AND a.status <> 'resolved'
                  AND a.created_at >= now() - make_interval(days => :window_days)
                ORDER BY a.id DESC LIMIT 1
            ) open_alert ON true
            WHERE recent >= :min_count AND recent >= :min_ratio * average
        ), joining AS (
            -- The recent incidents not yet among the open alert's members.
            SELECT s.alert_id, member FROM s, unnest(s.recent_ids) AS member
            WHERE s.alert_id IS NOT NULL AND NOT {is_member("s.alert_id", "member", per_row=True)}
        ), grown AS (
            UPDATE alert a
            SET member_count = a.member_count + j.added,
                classification = GREATEST(a.classification, s.classification),
                occurred_at = GREATEST(a.occurred_at, s.occurred_at),
                headline = {headline["en"]}, headline_fr = {headline["fr"]},
                version = a.version + 1, updated_at = now()
            FROM s JOIN (SELECT alert_id, count(*) AS added FROM joining GROUP BY alert_id) j
                 ON j.alert_id = s.alert_id
            WHERE a.id = s.alert_id
            RETURNING a.id, a.version, j.added
        ), grown_members AS ({members.joining("joining", "member", "grown")}
        ), numbered AS (
            SELECT s.*, {NEW_ALERT_ID} AS new_id FROM s WHERE s.alert_id IS NULL
        ), raised AS (
            INSERT INTO alert (id, rule_id, rule_kind, level, member_count, target_type,
                               target_id, target_name, classification, occurred_at, headline,
                               headline_fr, geom)
            SELECT s.new_id, :rule_id, 'baseline', CAST(:level AS alert_level),
                   cardinality(s.recent_ids), :target_type, s.target_id, s.target_name,
                   s.classification, s.occurred_at, {headline["en"]}, {headline["fr"]},
                   ST_PointOnSurface(s.target_geom)
            FROM numbered s
            RETURNING id
        ), raised_members AS (
            {ADD_MEMBERS}
            SELECT n.new_id, member, 1 FROM numbered n, unnest(n.recent_ids) member
        )
        SELECT id, true AS created, false AS short FROM raised
        UNION ALL
        SELECT id, false AS created, {short("grown_members", "grown")} AS short FROM grown
    """


@functools.cache
def statement(target: str, given: Given) -> TextClause:
    """The statement for a rule's target and scope (``params.in_scope``), made once."""
    return text(_statement(target, given))


RECOUNT = members.recount()


async def evaluate(
    connection: AsyncConnection,
    rule: Rule,
    incident_ids: list[int] | None,
    target_ids: list[int] | None,
) -> list[AlertChange]:
    params = rule.params
    assert isinstance(params, BaselineParams)
    result = await connection.execute(
        statement(params.target, Given(incident_ids is not None, target_ids is not None)),
        {
            "rule_id": rule.id,
            "target_type": params.target,
            "incident_ids": incident_ids,
            "target_ids": target_ids,
            "radius_m": params.radius_m,
            "window_days": params.window_days,
            "baseline_windows": params.baseline_windows,
            "min_count": params.min_count,
            "min_ratio": params.min_ratio,
            "severity_min": params.severity_min,
            "categories": [category.value for category in params.categories],
            "level": params.level.value,
        },
    )
    rows = result.all()
    await members.count_again(connection, rows, RECOUNT)  # the headline says the recent count
    return AlertChange.raised(rows)
