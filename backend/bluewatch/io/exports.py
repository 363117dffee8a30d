"""Streaming exports: GeoJSON, GeoJSON text sequences (RFC 8142) and CSV.

Rows come from a server-side cursor in chunks, so memory stays flat whatever the
size. A first query in the same REPEATABLE READ snapshot gives the count, the
extent and the highest classification, so the marking in the headers and file
name is decided before the first byte and matches exactly what follows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.layers.query import ListQuery, list_filter
from bluewatch.layers.spec import LayerSpec
from bluewatch.layers.store import feature_sql

CHUNK_ROWS = 2_000
FORMATS = {
    "geojson": "application/geo+json",
    "geojsonseq": "application/geo+json-seq",
    "csv": "text/csv; charset=utf-8",
}

# ACLED-style columns first, then Bluewatch's own.
INCIDENT_CSV = [
    ("event_id_cnty", "coalesce(t.external_id, 'BW' || t.id)"),
    ("event_date", "to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    ("year", "extract(year FROM t.occurred_at AT TIME ZONE 'UTC')::int"),
    ("time_precision", "1"),
    ("event_type", "t.category"),
    ("latitude", "round(ST_Y(t.geom)::numeric, 7)"),
    ("longitude", "round(ST_X(t.geom)::numeric, 7)"),
    ("geo_precision", "t.geo_precision"),
    ("source", "t.source"),
    ("notes", "t.title || CASE WHEN t.description <> '' THEN ': ' || t.description ELSE '' END"),
    ("fatalities", "t.fatalities"),
    ("injured", "t.injured"),
    ("severity", "t.severity"),
    ("status", "t.status"),
    ("source_reliability", "t.source_reliability"),
    ("source_credibility", "t.source_credibility"),
    ("external_source", "t.external_source"),
    ("classification", "t.classification"),
    ("occurred_at", "t.occurred_at"),
    ("timestamp", "extract(epoch FROM t.updated_at)::bigint"),
]


def generic_csv(spec: LayerSpec) -> list[tuple[str, str]]:
    return [
        ("id", "t.id"),
        ("wkt", "ST_AsText(t.geom, 7)"),
        *((column, f"t.{column}") for column in spec.column_names),
    ]


@dataclass(frozen=True)
class Summary:
    count: int
    highest: Classification
    bbox: list[float] | None

    @property
    def marking(self) -> str:
        return self.highest.marking


def file_name(spec: LayerSpec, summary: Summary, extension: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%MZ")
    marking = summary.marking.replace(" ", "_")
    return f"bluewatch-{spec.name}-{marking}-{stamp}.{extension}"


async def summarise(connection: AsyncConnection, spec: LayerSpec, query: ListQuery) -> Summary:
    sql_filter = list_filter(spec, query)
    row = (
        await connection.execute(
            text(f"""
                SELECT count(*) AS n, max(t.classification)::text AS highest,
                       ST_XMin(ST_Extent(t.geom)) AS w, ST_YMin(ST_Extent(t.geom)) AS s,
                       ST_XMax(ST_Extent(t.geom)) AS e, ST_YMax(ST_Extent(t.geom)) AS n_
                FROM {spec.table} t WHERE {sql_filter.where}
            """),
            sql_filter.params,
        )
    ).one()
    bbox = None if row.w is None else [round(v, 7) for v in (row.w, row.s, row.e, row.n_)]
    highest = Classification(row.highest) if row.highest else Classification.UNCLASSIFIED
    return Summary(count=row.n, highest=highest, bbox=bbox)


async def _rows(
    connection: AsyncConnection, statement: str, params: dict[str, Any]
) -> AsyncIterator[list[Any]]:
    result = await connection.stream(text(statement), params)
    async for chunk in result.partitions(CHUNK_ROWS):
        yield list(chunk)


async def stream(
    database: Database,
    spec: LayerSpec,
    query: ListQuery,
    fmt: str,
    summary_ready: Any,
) -> AsyncIterator[bytes]:
    """Yield the export; ``summary_ready(summary)`` is called before the first byte."""
    sql_filter = list_filter(spec, query)
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            summary = await summarise(connection, spec, query)
            summary_ready(summary)
            if fmt == "csv":
                columns = INCIDENT_CSV if spec.name == "incidents" else generic_csv(spec)
                select = ", ".join(f"{sql} AS {name}" for name, sql in columns)
                statement = (
                    f"SELECT {select} FROM {spec.table} t WHERE {sql_filter.where} ORDER BY t.id"
                )
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerow([name for name, _ in columns])
                async for chunk in _rows(connection, statement, sql_filter.params):
                    writer.writerows(tuple(row) for row in chunk)
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
                yield buffer.getvalue().encode()
                return
            statement = (
                f"SELECT {feature_sql(spec)}::text AS feature FROM {spec.table} t "
                f"WHERE {sql_filter.where} ORDER BY t.id"
            )
            if fmt == "geojsonseq":
                async for chunk in _rows(connection, statement, sql_filter.params):
                    yield b"".join(b"\x1e" + row.feature.encode() + b"\n" for row in chunk)
                return
            head: dict[str, Any] = {"type": "FeatureCollection", "classification": summary.marking}
            if summary.bbox is not None:
                head["bbox"] = summary.bbox
            yield orjson.dumps(head)[:-1] + b',"features":['
            first = True
            async for chunk in _rows(connection, statement, sql_filter.params):
                body = b",".join(row.feature.encode() for row in chunk)
                yield body if first else b"," + body
                first = False
            yield b"]}"
