"""What an export reads: one table, the reader's filter, and how its rows are written.

A ``Source`` is built from a layer (incidents, routes, camps) and its list filters,
or from the alerts and theirs. Every writer (GeoJSON, CSV, GeoPackage, KML,
Shapefile, the JMAC bundle) reads through a ``Source``, so the clearance filter
and the columns are decided in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.layers.query import SqlFilter, list_filter, parse_list_query
from bluewatch.layers.spec import LayerSpec
from bluewatch.layers.store import AUDIT_COLUMNS, feature_sql
from bluewatch.rules import alerts
from bluewatch.rules.members import MEMBER_IDS

ValueKind = Literal["int", "float", "text", "time"]

SQL_KINDS: dict[str, ValueKind] = {
    "smallint": "int",
    "integer": "int",
    "bigint": "int",
    "real": "float",
    "double precision": "float",
    "timestamptz": "time",
}
# Read as text in files (true/false), as every format can hold it.
AS_TEXT = {"boolean": "::text"}


@dataclass(frozen=True)
class Field:
    """One attribute of a tabular export: its name, the SQL that reads it and its kind."""

    name: str
    sql: str
    kind: ValueKind = "text"


@dataclass(frozen=True)
class Source:
    name: str  # incidents, routes, camps, alerts: file and layer names
    table: str
    alias: str
    geometry_type: str  # Point, LineString, Polygon
    feature: str  # SQL json expression of one RFC 7946 Feature
    fields: tuple[Field, ...]  # attributes for CSV, GeoPackage, KML, Shapefile
    csv_fields: tuple[Field, ...]
    sql_filter: SqlFilter

    def select(self, *expressions: str, ordered: bool = True) -> str:
        """``SELECT expressions FROM table WHERE filter [ORDER BY id]``."""
        order = f" ORDER BY {self.alias}.id" if ordered else ""
        return (
            f"SELECT {', '.join(expressions)} FROM {self.table} {self.alias} "
            f"WHERE {self.sql_filter.where}{order}"
        )


# ACLED-style columns first, then Bluewatch's own.
INCIDENT_CSV = (
    Field("event_id_cnty", "coalesce(t.external_id, 'BW' || t.id)"),
    Field("event_date", "to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    Field("year", "extract(year FROM t.occurred_at AT TIME ZONE 'UTC')::int", "int"),
    Field("time_precision", "t.time_precision", "int"),
    Field("event_type", "t.category"),
    Field("latitude", "round(ST_Y(t.geom)::numeric, 7)", "float"),
    Field("longitude", "round(ST_X(t.geom)::numeric, 7)", "float"),
    Field("geo_precision", "t.geo_precision", "int"),
    Field("source", "t.source"),
    Field(
        "notes", "t.title || CASE WHEN t.description <> '' THEN ': ' || t.description ELSE '' END"
    ),
    Field("fatalities", "t.fatalities", "int"),
    Field("injured", "t.injured", "int"),
    Field("severity", "t.severity", "int"),
    Field("status", "t.status"),
    Field("source_reliability", "t.source_reliability"),
    Field("source_credibility", "t.source_credibility", "int"),
    Field("external_source", "t.external_source"),
    Field("classification", "t.classification"),
    Field("title", "t.title"),
    Field("description", "t.description"),
    Field("occurred_at", "t.occurred_at", "time"),
    Field("reported_at", "t.reported_at", "time"),
    Field("timestamp", "extract(epoch FROM t.updated_at)::bigint", "int"),
)


def _layer_fields(spec: LayerSpec) -> tuple[Field, ...]:
    own = (
        Field(
            column.name,
            f"t.{column.name}{AS_TEXT.get(column.sql_type, '')}",
            SQL_KINDS.get(column.sql_type, "text"),
        )
        for column in spec.columns
    )
    audit = (
        Field(name, f"t.{name}", "time" if name.endswith("_at") else "text")
        for name in AUDIT_COLUMNS
    )
    return (Field("id", "t.id", "int"), *own, *audit)


def layer_source(spec: LayerSpec, params: Mapping[str, str], clearance: Classification) -> Source:
    """A layer with the list endpoint's filters (no cursor or limit: exports take all)."""
    _refuse_paging(params)
    query = parse_list_query(spec, params, clearance)
    fields = _layer_fields(spec)
    wkt = Field("wkt", "ST_AsText(t.geom, 7)")
    return Source(
        name=spec.name,
        table=spec.table,
        alias="t",
        geometry_type=spec.geometry_type,
        feature=feature_sql(spec),
        fields=fields,
        csv_fields=INCIDENT_CSV if spec.name == "incidents" else (fields[0], wkt, *fields[1:]),
        sql_filter=list_filter(spec, query),
    )


ALERT_FIELDS = (
    Field("id", "a.id", "int"),
    Field("level", "a.level::text"),
    Field("status", "a.status"),
    Field("headline", "a.headline"),
    Field("rule_id", "a.rule_id", "int"),
    Field("rule_kind", "a.rule_kind"),
    Field("incident_id", "a.incident_id", "int"),
    Field("incident_ids", f"array_to_string({MEMBER_IDS}, ',')"),
    Field("target_type", "a.target_type"),
    Field("target_id", "a.target_id", "int"),
    Field("target_name", "a.target_name"),
    Field("distance_m", "round(a.distance_m::numeric, 1)", "float"),
    Field("classification", "a.classification::text"),
    Field("created_at", "a.created_at", "time"),
    Field("updated_at", "a.updated_at", "time"),
    Field("acknowledged_at", "a.acknowledged_at", "time"),
    Field("acknowledged_by", "a.acknowledged_by"),
    Field("resolved_at", "a.resolved_at", "time"),
    Field("resolved_by", "a.resolved_by"),
)


def alert_source(params: Mapping[str, str], clearance: Classification) -> Source:
    """Alerts with the alert list's filters (status, level, rule, target, since)."""
    _refuse_paging(params)
    query = alerts.parse_alert_query(params, clearance)
    return Source(
        name="alerts",
        table="alert",
        alias="a",
        geometry_type="Point",
        feature=alerts.ALERT_FEATURE,
        fields=ALERT_FIELDS,
        csv_fields=(
            ALERT_FIELDS[0],
            Field("longitude", "round(ST_X(a.geom)::numeric, 7)", "float"),
            Field("latitude", "round(ST_Y(a.geom)::numeric, 7)", "float"),
            *ALERT_FIELDS[1:],
        ),
        sql_filter=query.sql_filter,
    )


def _refuse_paging(params: Mapping[str, str]) -> None:
    if {"cursor", "limit"} & set(params):
        raise InvalidParameter("Exports stream every matching record: no cursor or limit.")
