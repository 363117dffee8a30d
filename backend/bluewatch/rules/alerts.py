"""Alerts: their GeoJSON (built in SQL), lists, and acknowledge / resolve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import Conflict, InvalidParameter, NotFound
from bluewatch.layers.query import SqlFilter, decode_cursor, parse_datetime, visible_to
from bluewatch.layers.store import features_in_order
from bluewatch.parsing import whole_number
from bluewatch.rules.members import MEMBERS_ADDED, is_member
from bluewatch.rules.params import AlertLevel


def alert_feature(extra: str = "") -> str:
    """SQL: alert ``a`` as a GeoJSON Feature; `extra` adds properties (``'name', value, ``)."""
    return f"""json_build_object(
    'type', 'Feature', 'id', a.id,
    'geometry', ST_AsGeoJSON(a.geom, 7)::json,
    'properties', json_build_object(
        'level', a.level, 'status', a.status, 'headline', a.headline,
        'headline_fr', a.headline_fr, 'uncertain', a.uncertain,
        'rule_id', a.rule_id, 'rule_kind', a.rule_kind,
        'incident_id', a.incident_id, 'member_count', a.member_count, {extra}
        'target', CASE WHEN a.target_type IS NULL THEN NULL ELSE
            json_build_object('type', a.target_type, 'id', a.target_id, 'name', a.target_name) END,
        'distance_m', round(a.distance_m::numeric, 1),
        'occurred_at', a.occurred_at,
        'classification', a.classification, 'version', a.version,
        'created_at', a.created_at, 'updated_at', a.updated_at,
        'acknowledged_at', a.acknowledged_at, 'acknowledged_by', a.acknowledged_by,
        'acknowledge_note', a.acknowledge_note,
        'resolved_at', a.resolved_at, 'resolved_by', a.resolved_by,
        'resolve_note', a.resolve_note))"""


ALERT_FEATURE = alert_feature()
# An event's copy says which members joined in the change it reports (not all of them).
EVENT_FEATURE = alert_feature(f"'members_added', {MEMBERS_ADDED},")

STATUSES = ("open", "acknowledged", "resolved")
FILTERS = frozenset({"status", "level", "rule", "target", "incident", "since", "limit", "cursor"})


@dataclass
class AlertQuery:
    sql_filter: SqlFilter
    limit: int = 100


def parse_alert_query(params: Mapping[str, str], clearance: Classification) -> AlertQuery:
    unknown = set(params) - FILTERS
    if unknown:
        raise InvalidParameter(f"Accepted filters: {', '.join(sorted(FILTERS))}.")
    sql_filter = visible_to("a", clearance)
    if "status" in params:
        sql_filter.add("a.status = ANY(:statuses)", statuses=_choices(params["status"], STATUSES))
    if "level" in params:
        levels = _choices(params["level"], tuple(level.value for level in AlertLevel))
        sql_filter.add("a.level::text = ANY(:levels)", levels=levels)
    if "rule" in params:
        sql_filter.add("a.rule_id = :rule_id", rule_id=_positive(params["rule"], "rule"))
    if "target" in params:
        kind, _, number = params["target"].partition(":")
        if kind not in ("camp", "route"):
            raise InvalidParameter("'target' is camp:<id> or route:<id>.")
        sql_filter.add(
            "a.target_type = :target_type AND a.target_id = :target_id",
            target_type=kind,
            target_id=_positive(number, "target"),
        )
    if "incident" in params:
        sql_filter.add(
            f"(a.incident_id = :incident_id OR {is_member('a.id', ':incident_id')})",
            incident_id=_positive(params["incident"], "incident"),
        )
    if "since" in params:
        since = parse_datetime(params["since"]).start
        if since is None:
            raise InvalidParameter("'since' is an RFC 3339 date-time.")
        sql_filter.add("a.updated_at >= :since", since=since)
    if "cursor" in params:
        sql_filter.add("a.id < :before_id", before_id=decode_cursor(params["cursor"]))
    limit = _positive(params.get("limit", "100"), "limit")
    if limit > 10_000:
        raise InvalidParameter("'limit' must lie between 1 and 10000.")
    return AlertQuery(sql_filter=sql_filter, limit=limit)


def _choices(raw: str, allowed: tuple[str, ...]) -> list[str]:
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if not values or any(value not in allowed for value in values):
        raise InvalidParameter(f"Choose from: {', '.join(allowed)}.")
    return values


def _positive(raw: str, name: str) -> int:
    value = whole_number(raw)
    if value is None or value < 1:
        raise InvalidParameter(f"'{name}' must be a positive whole number.")
    return value


@dataclass
class AlertPage:
    features_json: bytes
    number_returned: int
    next_before_id: int | None


async def list_page(connection: AsyncConnection, query: AlertQuery) -> AlertPage:
    """Newest first: the alert panel's order."""
    statement = text(f"""
        WITH page AS (
            SELECT a.id, {ALERT_FEATURE} AS feature FROM alert a
            WHERE {query.sql_filter.where}
            ORDER BY a.id DESC LIMIT :fetch
        ), kept AS (SELECT id, feature FROM page ORDER BY id DESC LIMIT :limit)
        SELECT (SELECT count(*) FROM page) AS fetched, count(*) AS returned, min(id) AS last_id,
               coalesce(string_agg(feature::text, ',' ORDER BY id DESC), '') AS features
        FROM kept
    """)
    params = {**query.sql_filter.params, "fetch": query.limit + 1, "limit": query.limit}
    row = (await connection.execute(statement, params)).one()
    return AlertPage(
        features_json=b"[" + row.features.encode() + b"]",
        number_returned=row.returned,
        next_before_id=row.last_id if row.fetched > row.returned else None,
    )


async def features(
    connection: AsyncConnection, alert_ids: list[int], clearance: Classification
) -> list[bytes]:
    return await features_in_order(connection, "alert", "a", ALERT_FEATURE, alert_ids, clearance)


async def owned_by(
    connection: AsyncConnection, alert_ids: list[int], writes: list[set[int]]
) -> list[list[int]]:
    """Of the alerts one evaluation of several writes' incidents raised or changed, each
    write's: those resting on (having as a member) one of its incidents, and those
    resting on none of them, which all of them brought about together."""
    rows = await connection.execute(
        text("""
            SELECT alert_id, incident_id FROM alert_member
            WHERE alert_id = ANY(:alerts) AND incident_id = ANY(:incidents)
        """),
        {"alerts": alert_ids, "incidents": sorted(set().union(*writes))},
    )
    resting: dict[int, set[int]] = {}
    for row in rows:
        resting.setdefault(row.alert_id, set()).add(row.incident_id)
    return [
        [a for a in alert_ids if a not in resting or not resting[a].isdisjoint(ids)]
        for ids in writes
    ]


async def get_feature(
    connection: AsyncConnection, alert_id: int, clearance: Classification
) -> bytes:
    found = await features(connection, [alert_id], clearance)
    if not found:
        raise NotFound(f"No such alert (id {alert_id}).")
    return found[0]


@dataclass(frozen=True)
class Transition:
    event: str
    to_status: str
    from_statuses: tuple[str, ...]
    at: str  # column prefix: acknowledged / resolved
    note: str


ACKNOWLEDGE = Transition(
    "alert.acknowledged", "acknowledged", ("open",), "acknowledged", "acknowledge_note"
)
RESOLVE = Transition(
    "alert.resolved", "resolved", ("open", "acknowledged"), "resolved", "resolve_note"
)


async def transition(
    connection: AsyncConnection,
    alert_id: int,
    change: Transition,
    actor_name: str,
    note: str | None,
    clearance: Classification,
) -> Classification:
    """Move an alert to a new status, recording who and when; returns its classification."""
    sql_filter = visible_to("a", clearance)
    row = (
        await connection.execute(
            text(f"""
                SELECT a.status, a.classification FROM alert a
                WHERE a.id = :id AND {sql_filter.where} FOR UPDATE
            """),
            {**sql_filter.params, "id": alert_id},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such alert (id {alert_id}).")
    if row.status not in change.from_statuses:
        raise Conflict(f"The alert is {row.status}; it cannot become {change.to_status}.")
    await connection.execute(
        text(f"""
            UPDATE alert SET status = :status, {change.at}_at = now(), {change.at}_by = :who,
                   {change.note} = :note, version = version + 1, updated_at = now()
            WHERE id = :id
        """),
        {"status": change.to_status, "who": actor_name, "note": note, "id": alert_id},
    )
    return Classification(row.classification)


@dataclass
class MemberPage:
    incident_ids: list[int]
    next_after_id: int | None


async def member_page(
    connection: AsyncConnection, alert_id: int, clearance: Classification, after: int, limit: int
) -> MemberPage:
    """The alert's members by id, those above `after`; NotFound for an alert the reader may
    not see. (Its marking is at least every member's, so a reader of the alert may read
    them; the incidents are filtered by clearance all the same.)"""
    sql_filter = visible_to("a", clearance)
    found = await connection.execute(
        text(f"SELECT 1 FROM alert a WHERE a.id = :id AND {sql_filter.where}"),
        {**sql_filter.params, "id": alert_id},
    )
    if found.first() is None:
        raise NotFound(f"No such alert (id {alert_id}).")
    rows = await connection.execute(
        text("""
            SELECT incident_id FROM alert_member
            WHERE alert_id = :id AND incident_id > :after ORDER BY incident_id LIMIT :fetch
        """),
        {"id": alert_id, "after": after, "fetch": limit + 1},
    )
    ids = list(rows.scalars())
    return MemberPage(ids[:limit], ids[limit - 1] if len(ids) > limit else None)
