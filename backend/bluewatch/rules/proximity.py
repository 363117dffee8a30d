"""Proximity: incidents within a band's distance of a camp perimeter or a convoy route.

One set-based statement per rule: candidate pairs come from ST_DWithin on geography
(GiST indexes on ``geom::geography``), distances are geodesic metres on the
spheroid (0 inside a camp), and alerts are upserted on (rule, incident, target):
a closer band escalates the existing alert, never a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events.log import AlertChange
from bluewatch.rules.params import ProximityParams
from bluewatch.rules.wording import proximity_headline

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


HEADLINE = proximity_headline("banded", ":target_type", "en")
HEADLINE_FR = proximity_headline("banded", ":target_type", "fr")


def _statement(target: str) -> str:
    route_condition = ROUTE_COUNTS if target == "route" else ""
    return f"""
        WITH candidates AS (
            SELECT i.id AS incident_id, i.category, i.geom, t.id AS target_id,
                   t.name AS target_name,
                   ST_Distance(i.geom::geography, t.geom::geography) AS distance_m,
                   GREATEST(i.classification, t.classification) AS classification
            FROM incident i
            JOIN {TARGET_TABLES[target]} t
              ON ST_DWithin(i.geom::geography, t.geom::geography, :reach_m)
            WHERE (CAST(:incident_ids AS bigint[]) IS NULL OR i.id = ANY(:incident_ids))
              AND (CAST(:target_ids AS bigint[]) IS NULL OR t.id = ANY(:target_ids))
              AND i.occurred_at >= now() - make_interval(secs => :max_age_seconds)
              AND i.status <> 'dismissed'
              AND i.severity >= :severity_min
              AND (cardinality(CAST(:categories AS text[])) = 0 OR i.category = ANY(:categories))
              {route_condition}
        ), banded AS (
            SELECT candidates.*, band.level
            FROM candidates
            CROSS JOIN LATERAL (
                SELECT b.level FROM jsonb_to_recordset(CAST(:bands AS jsonb))
                    AS b(level alert_level, distance_m float8)
                WHERE candidates.distance_m <= b.distance_m
                ORDER BY b.distance_m LIMIT 1
            ) band
        )
        INSERT INTO alert AS a (rule_id, rule_kind, level, incident_id, incident_ids, target_type,
                                target_id, target_name, distance_m, classification, headline,
                                headline_fr, geom)
        SELECT :rule_id, 'proximity', banded.level, banded.incident_id,
               ARRAY[banded.incident_id], :target_type, banded.target_id, banded.target_name,
               banded.distance_m, banded.classification, {HEADLINE}, {HEADLINE_FR}, banded.geom
        FROM banded
        ON CONFLICT (rule_id, incident_id, target_type, target_id) WHERE rule_kind = 'proximity'
        DO UPDATE SET level = GREATEST(a.level, EXCLUDED.level),
                      classification = GREATEST(a.classification, EXCLUDED.classification),
                      distance_m = EXCLUDED.distance_m, headline = EXCLUDED.headline,
                      headline_fr = EXCLUDED.headline_fr,
                      geom = EXCLUDED.geom, target_name = EXCLUDED.target_name,
                      version = a.version + 1, updated_at = now()
        WHERE a.status <> 'resolved'
          AND (EXCLUDED.level > a.level OR EXCLUDED.classification > a.classification)
        RETURNING a.id, (a.xmax = 0) AS created
    """


STATEMENTS = {target: text(_statement(target)) for target in TARGET_TABLES}


async def evaluate(connection: AsyncConnection, rule: Rule, scope: Scope) -> list[AlertChange]:
    params = rule.params
    assert isinstance(params, ProximityParams)
    rows = await connection.execute(
        STATEMENTS[params.target],
        {
            "rule_id": rule.id,
            "target_type": params.target,
            "reach_m": params.reach_m,
            "bands": orjson.dumps([band.model_dump(mode="json") for band in params.bands]).decode(),
            "incident_ids": scope.incident_ids,
            "target_ids": scope.target_ids,
            "max_age_seconds": params.max_age_hours * 3600,
            "lead_seconds": params.lead_hours * 3600,
            "severity_min": params.severity_min,
            "categories": [category.value for category in params.categories],
        },
    )
    return [
        AlertChange(row.id, "alert.created" if row.created else "alert.updated") for row in rows
    ]
