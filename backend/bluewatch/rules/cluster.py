"""Surges: at least ``min_count`` incidents (the new one included) within ``radius_m``
of a new incident and within ``window_hours`` of its time.

One statement per rule evaluates a whole batch. An incident qualifies when it has
``min_count`` neighbours: first counted among the batch's own incidents that share its
cell (half the radius across, so any two are neighbours) and lie within the window
(issue 19: most seeds of a batch qualify so, without a probe), the rest by a probe of
the history that stops at ``min_count``. A qualifying incident within the radius of
the centre of an unresolved surge of the rule that changed within the window joins it,
alone (issue 19: an open surge takes the incidents that come to it, without finding
every neighbour again, and does not chain across a province). The rest form new
surges: grouped (k-means over cells a quarter of the radius across, each group no
wider than the radius about its centre, in degrees), one alert per group, whose
members are the group's incidents and all the neighbours of the one nearest the
group's centre. Neighbours are exact (geodesic); only the grouping approximates the
radius in degrees.

Neighbours come from the N-D GiST over (lon, lat, days) (``space_time``, migration
0006): the box holds every candidate, and the exact tests are written so that the
planner cannot answer them from the geography or time indexes instead (it would
AND their much larger bitmaps with the box's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.events.log import AlertChange
from bluewatch.rules import members
from bluewatch.rules.members import ADD_MEMBERS, NEW_ALERT_ID, is_member, short
from bluewatch.rules.params import (
    ClusterParams,
    date_known_within,
    in_scope,
    incident_filters,
)
from bluewatch.rules.wording import surge_headline

if TYPE_CHECKING:
    from bluewatch.rules.store import Rule  # the store reads kinds.py, which reads this

METRES_PER_DEGREE = 111_320.0

# The camp or route nearest a new surge's centre that the alert may name.
NEAREST_TARGET = """
    LEFT JOIN LATERAL (
        SELECT * FROM (
            (SELECT 'camp' AS target_type, c.id AS target_id, c.name AS target_name,
                    ST_Distance(c.geom::geography, placed.centre::geography) AS distance_m
             FROM camp c WHERE c.classification <= placed.classification
             ORDER BY c.geom <-> placed.centre LIMIT 1)
            UNION ALL
            (SELECT 'route', r.id, r.name,
                    ST_Distance(r.geom::geography, placed.centre::geography)
             FROM route r WHERE r.classification <= placed.classification
             ORDER BY r.geom <-> placed.centre LIMIT 1)
        ) nearest ORDER BY distance_m LIMIT 1
    ) target ON true
"""


# Metres per degree, at most: of latitude (at the poles), and of longitude at the equator.
METRES_PER_DEGREE_AT_MOST = 111_700.0


def cell_row_and_column(side_m: str) -> tuple[str, str]:
    """SQL: the cell of the point ``geom``, a row of latitude and a column of longitude
    each no more than `side_m` (an SQL expression of metres) across, so that any two
    points of a cell lie within twice that of each other (the path along the meridian
    and then the parallel bounds the geodesic). A column's width in degrees is set by
    its row's latitude nearest the equator, where a degree of longitude is longest.

    Two numbers, not an array: the statement sorts a batch's seeds by their cell twice,
    and arrays sort at half the speed (a cold 10,000-incident batch at 1M went from
    about 19,000 to about 21,300 incidents/s, medians of A/B rounds)."""
    row = f"({side_m} / {METRES_PER_DEGREE_AT_MOST})"
    index = f"floor(ST_Y(geom) / {row})"
    nearest_equator = f"CASE WHEN {index} >= 0 THEN {index} * {row} ELSE -({index} + 1) * {row} END"
    width = f"least(360, {row} / greatest(cos(radians({nearest_equator})), 1e-9))"
    return index, f"floor(ST_X(geom) / {width})"


def cell(side_m: str) -> str:
    """SQL: ``cell_row_and_column`` as one value (for the tests of cells)."""
    return f"ARRAY[{', '.join(cell_row_and_column(side_m))}]"


def _as_cell(side_m: str) -> str:
    """SQL: select-list items naming the cell's row and column ``cell_row, cell_column``."""
    row, column = cell_row_and_column(side_m)
    return f"{row} AS cell_row, {column} AS cell_column"


# Seeds that share a cell of half the radius lie within the radius of each other.
NEIGHBOUR_CELL = _as_cell(":radius_m / 2")
# New surges are grouped by cells a quarter of the radius across (k-means over the
# cells' centres, not every seed: 50 ms instead of 430 for 10,000 seeds), the groups'
# radius less the cell's half diagonal, so a seed lies within the radius of its group's
# centre (in degrees, as before).
GROUPING_CELL = _as_cell(":radius_m / 4")
GROUP_RADIUS_DEGREES = f"(:radius_m * (1 - sqrt(2) / 8) / {METRES_PER_DEGREE})"
# k-means starts from as many groups as the seeds fill squares two group radii across
# (a group's circle meets at most four), not from one: splitting its way up from one
# group to ~250 took 45 to 63 ms of a cold 10,000-incident batch at 1M, from there 26 to
# 43, with as many groups (3 % either way). Never more than the cells it groups (PostGIS
# refuses that; near the poles a cell is wider than such a square).
FIRST_GROUPS = f"""least(
            (SELECT count(*) FROM (
                SELECT DISTINCT floor(ST_X(geom) / (2 * {GROUP_RADIUS_DEGREES})),
                                floor(ST_Y(geom) / (2 * {GROUP_RADIUS_DEGREES}))
                FROM unassigned) filled),
            (SELECT count(*) FROM (SELECT DISTINCT cell_row, cell_column FROM unassigned) occupied)
        )::int"""


def open_surge(alias: str) -> str:
    """SQL: alert `alias` is a surge of the rule, unresolved, changed within the window."""
    return f"""{alias}.rule_kind = 'cluster' AND {alias}.rule_id = :rule_id
              AND {alias}.status <> 'resolved'
              AND {alias}.updated_at >= now() - make_interval(secs => :window_seconds)"""


# A seed's neighbours: incidents within the radius and the window of it (the seed
# itself included), tested exactly after the (lon, lat, days) box.
NEIGHBOURS = f"""
    FROM incident m
    WHERE space_time(m.geom, m.occurred_at)
          &&& space_time_box(s.geom, s.occurred_at, :radius_m, :window_seconds)
      AND ST_Distance(m.geom::geography, s.geom::geography) <= :radius_m
      AND abs(extract(epoch FROM m.occurred_at - s.occurred_at)) <= :window_seconds
      AND {incident_filters("m")} AND {date_known_within("m", ":window_seconds")}
"""


def _statement(ids_given: bool) -> str:
    """The statement over the incidents given (``:incident_ids``), or over every recent one."""
    return f"""
    WITH seeds AS (
        SELECT i.id, i.geom, i.occurred_at, i.classification FROM incident i
        WHERE {in_scope("i.id", "incident_ids", ids_given)}
          AND i.occurred_at >= now() - make_interval(secs => :max_age_seconds)
          AND {incident_filters("i")}
          AND {date_known_within("i", ":window_seconds")}
    ), celled AS (
        -- Seeds that share a cell and lie within the window of each other are neighbours;
        -- counted among themselves, most seeds of a batch qualify without a probe.
        SELECT seeds.*, {NEIGHBOUR_CELL} FROM seeds
    ), counted AS (
        SELECT celled.*, count(*) OVER (
            PARTITION BY cell_row, cell_column ORDER BY occurred_at
            RANGE BETWEEN make_interval(secs => :window_seconds) PRECEDING
                      AND make_interval(secs => :window_seconds) FOLLOWING) AS together
        FROM celled
    ), qualified AS (
        -- Seeds with at least min_count neighbours: those counted among the batch, the
        -- rest by a scan that stops at min_count.
        SELECT s.id, s.geom, s.occurred_at, s.classification FROM counted s
        WHERE CASE WHEN s.together >= :min_count THEN true
                   ELSE (SELECT count(*) FROM (SELECT 1 {NEIGHBOURS} LIMIT :min_count) n)
                        >= :min_count END
    ), assigned AS (
        SELECT qualified.*, existing.id AS alert_id
        FROM qualified
        LEFT JOIN LATERAL (
            SELECT a.id FROM alert a
            WHERE {open_surge("a")}
              AND ST_DWithin(a.geom::geography, qualified.geom::geography, :radius_m)
              -- Asked once: with no surge of the rule open, no seed searches for one.
              AND EXISTS (SELECT 1 FROM alert o WHERE {open_surge("o")})
            ORDER BY a.geom::geography <-> qualified.geom::geography
            LIMIT 1
        ) existing ON true
    ), joining AS (
        -- A seed within an open surge's radius joins it, alone: its neighbours were
        -- counted when they came (or when the surge formed).
        SELECT assigned.alert_id, assigned.id AS member, assigned.classification,
               assigned.occurred_at
        FROM assigned
        WHERE assigned.alert_id IS NOT NULL
          AND NOT {is_member("assigned.alert_id", "assigned.id", per_row=True)}
    ), merged AS (
        SELECT alert_id, count(*) AS added, max(classification) AS classification,
               max(occurred_at) AS occurred_at
        FROM joining GROUP BY alert_id
    ), updated AS (
        UPDATE alert a
        SET member_count = a.member_count + merged.added,
            classification = GREATEST(a.classification, merged.classification),
            occurred_at = GREATEST(a.occurred_at, merged.occurred_at),
            headline = {surge_headline("a.member_count + merged.added", "a", "a.geom", "en")},
            headline_fr = {surge_headline("a.member_count + merged.added", "a", "a.geom", "fr")},
            version = a.version + 1, updated_at = now()
        FROM merged
        WHERE a.id = merged.alert_id
        RETURNING a.id, a.version, merged.added
    ), joined_members AS ({members.joining("joining", "member", "updated")}
    ), unassigned AS (
        SELECT s.id, s.geom, s.occurred_at, s.classification, {GROUPING_CELL}
        FROM assigned s WHERE s.alert_id IS NULL
    ), cells AS (
        -- (A cell carries its seeds along: joined back, the planner, blind to how many
        -- seeds a batch holds, would test every cell for every seed.)
        SELECT ST_ClusterKMeans(ST_Centroid(ST_Collect(geom)), {FIRST_GROUPS},
                                max_radius => {GROUP_RADIUS_DEGREES}) OVER () AS group_id,
               array_agg(id) AS ids, array_agg(geom) AS geoms,
               array_agg(occurred_at) AS times, array_agg(classification) AS markings
        FROM unassigned GROUP BY cell_row, cell_column
    ), grouped AS (
        -- Seeds in no open surge, in groups no wider than the radius about their centre.
        SELECT cells.group_id, seed.*
        FROM cells, unnest(ids, geoms, times, markings)
                    AS seed(id, geom, occurred_at, classification)
    ), founders AS (
        -- Each group's surge rests on its seed nearest the group's centre: that seed's
        -- neighbours and the group's seeds are its members. The centre of points is the
        -- mean of their coordinates (what ST_Centroid gives), here as plain averages: a
        -- window collecting each group's points and a centroid per seed took 75 of the
        -- 530 ms of a cold 10,000-incident batch at 1M.
        SELECT DISTINCT ON (g.group_id) g.group_id, g.geom, g.occurred_at
        FROM (SELECT grouped.*,
                     avg(ST_X(geom)) OVER (PARTITION BY group_id) AS middle_x,
                     avg(ST_Y(geom)) OVER (PARTITION BY group_id) AS middle_y
              FROM grouped) g
        ORDER BY g.group_id, (ST_X(g.geom) - g.middle_x) ^ 2 + (ST_Y(g.geom) - g.middle_y) ^ 2,
                 g.id
    ), groups AS (
        SELECT group_id, array_agg(member ORDER BY member) AS member_ids,
               max(classification) AS classification, max(occurred_at) AS occurred_at,
               ST_Centroid(ST_Collect(geom)) AS centre
        FROM (
            SELECT DISTINCT ON (group_id, member) * FROM (
                SELECT s.group_id, n.id AS member, n.classification, n.occurred_at, n.geom
                FROM founders s
                CROSS JOIN LATERAL (SELECT m.id, m.classification, m.occurred_at, m.geom
                                    {NEIGHBOURS}) n
                UNION ALL
                SELECT group_id, id, classification, occurred_at, geom FROM grouped
            ) candidates
        ) distinct_members
        GROUP BY group_id
    ), placed AS (
        SELECT groups.*, {NEW_ALERT_ID} AS new_id FROM groups
    ), created AS (
        INSERT INTO alert (id, rule_id, rule_kind, level, member_count, classification,
                           occurred_at, target_type, target_id, target_name, distance_m,
                           headline, headline_fr, geom)
        SELECT placed.new_id, :rule_id, 'cluster', CAST(:level AS alert_level),
               cardinality(placed.member_ids), placed.classification, placed.occurred_at,
               target.target_type, target.target_id, target.target_name, target.distance_m,
               {surge_headline("cardinality(placed.member_ids)", "target", "placed.centre", "en")},
               {surge_headline("cardinality(placed.member_ids)", "target", "placed.centre", "fr")},
               placed.centre
        FROM placed
        {NEAREST_TARGET}
        RETURNING id
    ), created_members AS (
        {ADD_MEMBERS}
            SELECT placed.new_id, member, 1 FROM placed, unnest(placed.member_ids) member
    )
    SELECT id, true AS created, false AS short FROM created
    UNION ALL
    SELECT id, false AS created, {short("joined_members", "updated")} AS short FROM updated
"""


STATEMENTS = {ids_given: text(_statement(ids_given)) for ids_given in (True, False)}


RECOUNT = members.recount(
    {
        "headline": surge_headline("c.members", "a", "a.geom", "en"),
        "headline_fr": surge_headline("c.members", "a", "a.geom", "fr"),
    }
)


async def evaluate(
    connection: AsyncConnection, rule: Rule, incident_ids: list[int] | None
) -> list[AlertChange]:
    params = rule.params
    assert isinstance(params, ClusterParams)
    values = {
        "rule_id": rule.id,
        "incident_ids": incident_ids,
        "radius_m": params.radius_m,
        "window_seconds": params.window_hours * 3600,
        "max_age_seconds": params.max_age_hours * 3600,
        "min_count": params.min_count,
        "severity_min": params.severity_min,
        "categories": [category.value for category in params.categories],
        "level": params.level.value,
    }
    rows = (await connection.execute(STATEMENTS[incident_ids is not None], values)).all()
    await members.count_again(connection, rows, RECOUNT, values)
    return AlertChange.raised(rows)
