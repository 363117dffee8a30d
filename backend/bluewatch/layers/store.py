"""SQL for the three layers: GeoJSON built in PostGIS, set-based writes.

Lists come back from the database as one ready JSON text per page, so Python never
decodes a geometry on the read path. Writes send a whole batch as one JSON
parameter and insert it with a single ``INSERT ... SELECT ... ON CONFLICT``.
SQL text here is composed only from column names declared in ``LayerSpec``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import FieldError, InvalidGeometry, NotFound
from bluewatch.layers.query import ListQuery, list_filter, visible_to
from bluewatch.layers.spec import LayerSpec
from bluewatch.security.principal import Principal

AUDIT_COLUMNS = ("created_at", "updated_at", "created_by", "updated_by")


@cache
def feature_sql(spec: LayerSpec, alias: str = "t") -> str:
    """A json expression building one RFC 7946 Feature (7 decimals, CCW exteriors)."""
    pairs = ", ".join(f"'{name}', {alias}.{name}" for name in (*spec.column_names, *AUDIT_COLUMNS))
    return (
        f"json_build_object('type', 'Feature', 'id', {alias}.id, "
        f"'geometry', ST_AsGeoJSON({alias}.geom, 7)::json, "
        f"'properties', json_build_object({pairs}))"
    )


@dataclass
class Page:
    """One page of a list: the features as a JSON array body, and where to go next."""

    features_json: bytes
    number_returned: int
    next_after_id: int | None


async def list_page(connection: AsyncConnection, spec: LayerSpec, query: ListQuery) -> Page:
    sql_filter = list_filter(spec, query)
    statement = text(f"""
        WITH page AS (
            SELECT t.id, {feature_sql(spec)} AS feature
            FROM {spec.table} t
            WHERE {sql_filter.where}
            ORDER BY t.id
            LIMIT :fetch
        ), kept AS (
            SELECT id, feature FROM page ORDER BY id LIMIT :limit
        )
        SELECT (SELECT count(*) FROM page) AS fetched,
               count(*) AS returned,
               max(id) AS last_id,
               coalesce(string_agg(feature::text, ',' ORDER BY id), '') AS features
        FROM kept
    """)
    params = {**sql_filter.params, "fetch": query.limit + 1, "limit": query.limit}
    row = (await connection.execute(statement, params)).one()
    has_more = row.fetched > row.returned
    return Page(
        features_json=b"[" + row.features.encode() + b"]",
        number_returned=row.returned,
        next_after_id=row.last_id if has_more else None,
    )


async def count_matching(connection: AsyncConnection, spec: LayerSpec, query: ListQuery) -> int:
    """How many records the query matches on all its pages (OGC's ``numberMatched``)."""
    sql_filter = list_filter(spec, dataclasses.replace(query, after_id=None))
    statement = text(f"SELECT count(*) FROM {spec.table} t WHERE {sql_filter.where}")
    return int((await connection.execute(statement, sql_filter.params)).scalar_one())


async def features_in_order(
    connection: AsyncConnection,
    table: str,
    alias: str,
    feature: str,
    ids: list[int],
    clearance: Classification,
) -> list[bytes]:
    """``feature`` (a json expression over ``alias``) for each of ``ids``, in that order;
    ids the reader may not see are left out."""
    if not ids:  # most incidents raise no alert: no statement for them
        return []
    sql_filter = visible_to(alias, clearance)
    statement = text(f"""
        SELECT {feature}::text AS feature
        FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS wanted(id, ord)
        JOIN {table} {alias} ON {alias}.id = wanted.id
        WHERE {sql_filter.where}
        ORDER BY wanted.ord
    """)
    rows = await connection.execute(statement, {**sql_filter.params, "ids": ids})
    return [row.feature.encode() for row in rows]


async def features_by_id(
    connection: AsyncConnection, spec: LayerSpec, ids: list[int], clearance: Classification
) -> list[bytes]:
    return await features_in_order(connection, spec.table, "t", feature_sql(spec), ids, clearance)


async def get_feature(
    connection: AsyncConnection, spec: LayerSpec, record_id: int, clearance: Classification
) -> bytes:
    found = await features_by_id(connection, spec, [record_id], clearance)
    if not found:
        raise NotFound(f"No such {spec.table} (id {record_id}).")
    return found[0]


async def invalid_geometries(
    connection: AsyncConnection, spec: LayerSpec, geometries: list[dict[str, Any]]
) -> list[tuple[int, str]]:
    """(index, PostGIS's reason) for each invalid line or polygon (ST_IsValidReason)."""
    if spec.geometry_type == "Point" or not geometries:
        return []
    statement = text("""
        SELECT ord, ST_IsValidReason(geom) AS reason
        FROM (
            SELECT ord, ST_SetSRID(ST_GeomFromGeoJSON(value::text), 4326) AS geom
            FROM jsonb_array_elements(CAST(:geometries AS jsonb)) WITH ORDINALITY AS e(value, ord)
        ) candidate
        WHERE NOT ST_IsValid(geom)
        ORDER BY ord
    """)
    payload = orjson.dumps(geometries).decode()
    rows = (await connection.execute(statement, {"geometries": payload})).all()
    return [(row.ord - 1, f"invalid: {row.reason}") for row in rows]


async def check_geometry_validity(
    connection: AsyncConnection, spec: LayerSpec, geometries: list[tuple[str, dict[str, Any]]]
) -> None:
    """Refuse invalid lines and polygons, pointing at each (at most 50 reported)."""
    invalid = await invalid_geometries(connection, spec, [geometry for _, geometry in geometries])
    if invalid:
        errors = [FieldError(geometries[index][0], reason) for index, reason in invalid[:50]]
        raise InvalidGeometry(f"{errors[0].pointer}: {errors[0].message}", errors)


def _geometry_from(spec: LayerSpec, geojson: str) -> str:
    """SQL turning a GeoJSON text into a stored geometry; polygon exteriors counter-clockwise."""
    geometry = f"ST_SetSRID(ST_GeomFromGeoJSON({geojson}), 4326)"
    # Only for polygons: ST_ForcePolygonCCW also reverses some line strings.
    return f"ST_ForcePolygonCCW({geometry})" if spec.geometry_type == "Polygon" else geometry


def _recordset_columns(spec: LayerSpec) -> str:
    typed = ", ".join(f"{column.name} {column.sql_type}" for column in spec.columns)
    return f"id bigint, geometry jsonb, {typed}"


def _value(column_name: str, default_sql: str | None, kept: str = "") -> str:
    """The incoming value; when absent, the value ``kept`` (if any), then the default."""
    if not default_sql:
        return f"r.{column_name}"
    keep = f"{kept}.{column_name}, " if kept else ""
    return f"coalesce(r.{column_name}, {keep}{default_sql})"


@cache
def _upsert_sql(spec: LayerSpec) -> str:
    names = spec.column_names
    # A property left out on re-ingest keeps its stored value instead of the default,
    # so re-posting the same batch leaves rows unchanged.
    values = ", ".join(_value(c.name, c.default_sql, kept="stored") for c in spec.columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in ("geom", *names))
    compared = ", ".join(f"t.{name}" for name in ("geom", *names))
    incoming = ", ".join(f"EXCLUDED.{name}" for name in ("geom", *names))
    return f"""
        INSERT INTO {spec.table} AS t (id, geom, {", ".join(names)}, created_by, updated_by)
        SELECT r.id, {_geometry_from(spec, "r.geometry::text")}, {values}, :actor, :actor
        FROM jsonb_to_recordset(CAST(:records AS jsonb)) AS r({_recordset_columns(spec)})
        LEFT JOIN {spec.table} stored
          ON stored.external_source = r.external_source AND stored.external_id = r.external_id
        ON CONFLICT (external_source, external_id) DO UPDATE
        SET {updates}, updated_at = now(), updated_by = EXCLUDED.updated_by
        WHERE ({compared}) IS DISTINCT FROM ({incoming})
          AND t.classification <= CAST(:clearance AS classification)
        RETURNING t.id, (t.xmax = 0) AS created, t.external_source, t.external_id
    """


@dataclass
class WriteOutcome:
    """What a write did, in the order the features were posted."""

    ids: list[int] = field(default_factory=list)
    results: list[str] = field(default_factory=list)  # created | updated | unchanged

    def count(self, result: str) -> int:
        return self.results.count(result)

    @property
    def changes(self) -> list[tuple[int, str]]:
        """(id, created | updated) of each record the write changed."""
        return [
            (record_id, result)
            for record_id, result in zip(self.ids, self.results, strict=True)
            if result != "unchanged"
        ]


async def upsert(
    connection: AsyncConnection,
    spec: LayerSpec,
    records: list[dict[str, Any]],
    principal: Principal,
) -> WriteOutcome:
    """Insert new records; update those whose external key exists and that changed."""
    new_ids = (
        (
            await connection.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"table": spec.table, "n": len(records)},
            )
        )
        .scalars()
        .all()
    )
    for record, new_id in zip(records, new_ids, strict=True):
        record["id"] = new_id
    rows = await connection.execute(
        text(_upsert_sql(spec)),
        {
            "records": orjson.dumps(records).decode(),
            "actor": principal.name,
            "clearance": principal.clearance.value,
        },
    )
    by_new_id: dict[int, tuple[int, str]] = {}
    by_key: dict[tuple[str, str], tuple[int, str]] = {}
    for row in rows:
        if row.created:
            by_new_id[row.id] = (row.id, "created")
        else:
            by_key[(row.external_source, row.external_id)] = (row.id, "updated")
    outcome = WriteOutcome()
    untouched: list[tuple[str, str]] = []
    for record in records:
        key = (record["external_source"], record["external_id"])
        found = by_new_id.get(record["id"]) or by_key.get(key)
        if found is None:
            untouched.append(key)
        outcome.ids.append(found[0] if found else -1)
        outcome.results.append(found[1] if found else "unchanged")
    if untouched:
        await _fill_unchanged(connection, spec, records, outcome, untouched, principal)
    return outcome


async def _fill_unchanged(
    connection: AsyncConnection,
    spec: LayerSpec,
    records: list[dict[str, Any]],
    outcome: WriteOutcome,
    keys: list[tuple[str, str]],
    principal: Principal,
) -> None:
    """Ids of records that matched an existing row and left it as it was."""
    statement = text(f"""
        SELECT t.id, t.external_source, t.external_id,
               t.classification <= CAST(:clearance AS classification) AS visible
        FROM {spec.table} t
        JOIN unnest(CAST(:sources AS text[]), CAST(:external_ids AS text[])) AS k(src, xid)
          ON t.external_source = k.src AND t.external_id = k.xid
    """)
    rows = await connection.execute(
        statement,
        {
            "sources": [key[0] for key in keys],
            "external_ids": [key[1] for key in keys],
            "clearance": principal.clearance.value,
        },
    )
    existing = {(row.external_source, row.external_id): row for row in rows}
    for index, record in enumerate(records):
        if outcome.results[index] != "unchanged":
            continue
        row = existing[(record["external_source"], record["external_id"])]
        if not row.visible:
            # The key belongs to a record above the writer's clearance: for them it
            # does not exist, and they may not overwrite it.
            raise NotFound(
                f"The external key at item {index} belongs to a record you cannot change."
            )
        outcome.ids[index] = row.id


async def current_properties(
    connection: AsyncConnection, spec: LayerSpec, record_id: int, clearance: Classification
) -> dict[str, Any]:
    """A record's writable properties, locked for update."""
    pairs = ", ".join(f"'{name}', t.{name}" for name in spec.column_names)
    sql_filter = visible_to("t", clearance)
    statement = text(f"""
        SELECT json_build_object({pairs})::text AS properties
        FROM {spec.table} t
        WHERE t.id = :id AND {sql_filter.where}
        FOR UPDATE
    """)
    row = (await connection.execute(statement, {**sql_filter.params, "id": record_id})).first()
    if row is None:
        raise NotFound(f"No such {spec.table} (id {record_id}).")
    properties: dict[str, Any] = orjson.loads(row.properties)
    return properties


async def replace(
    connection: AsyncConnection,
    spec: LayerSpec,
    record_id: int,
    record: dict[str, Any],
    principal: Principal,
) -> None:
    """Overwrite one record's properties (and geometry when ``record['geometry']`` is set)."""
    assignments = ", ".join(
        f"{column.name} = {_value(column.name, column.default_sql)}" for column in spec.columns
    )
    geometry = (
        "geom = CASE WHEN r.geometry IS NULL THEN t.geom "
        f"ELSE {_geometry_from(spec, 'r.geometry::text')} END"
    )
    statement = text(f"""
        UPDATE {spec.table} AS t
        SET {geometry}, {assignments}, updated_at = now(), updated_by = :actor
        FROM jsonb_to_record(CAST(:record AS jsonb)) AS r({_recordset_columns(spec)})
        WHERE t.id = :id
    """)
    await connection.execute(
        statement,
        {"record": orjson.dumps(record).decode(), "id": record_id, "actor": principal.name},
    )


async def delete(
    connection: AsyncConnection, spec: LayerSpec, record_id: int, clearance: Classification
) -> Classification:
    """Delete a visible record; returns the classification it had."""
    sql_filter = visible_to("t", clearance)
    statement = text(
        f"DELETE FROM {spec.table} t WHERE t.id = :id AND {sql_filter.where}"
        " RETURNING t.classification"
    )
    row = (await connection.execute(statement, {**sql_filter.params, "id": record_id})).first()
    if row is None:
        raise NotFound(f"No such {spec.table} (id {record_id}).")
    return Classification(row.classification)
