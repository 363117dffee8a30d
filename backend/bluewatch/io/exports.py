"""Streaming exports: GeoJSON, GeoJSON text sequences (RFC 8142) and CSV.

Rows come from a server-side cursor in chunks, so memory stays flat whatever the
size. A first query in the same REPEATABLE READ snapshot gives the count, the
extent and the highest classification, so the marking in the headers and file
name is decided before the first byte and matches exactly what follows.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.io.sources import Field, Source

CHUNK_ROWS = 2_000
STREAMED = {
    "geojson": "application/geo+json",
    "geojsonseq": "application/geo+json-seq",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Summary:
    count: int
    highest: Classification
    bbox: list[float] | None

    @property
    def marking(self) -> str:
        return self.highest.marking


def file_name(name: str, summary: Summary, extension: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%MZ")
    marking = summary.marking.replace(" ", "_")
    return f"bluewatch-{name}-{marking}-{stamp}.{extension}"


@asynccontextmanager
async def snapshot(database: Database, reader: str) -> AsyncIterator[AsyncConnection]:
    """One REPEATABLE READ transaction: every query of an export sees the same rows
    (on the standby when one serves ``reader``)."""
    async with database.replica_read(reader) as connection:
        await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            yield connection


async def summarise(connection: AsyncConnection, source: Source) -> Summary:
    geom = f"{source.alias}.geom"
    row = (
        await connection.execute(
            text(f"""
                SELECT count(*) AS n, max({source.alias}.classification)::text AS highest,
                       ST_XMin(ST_Extent({geom})) AS w, ST_YMin(ST_Extent({geom})) AS s,
                       ST_XMax(ST_Extent({geom})) AS e, ST_YMax(ST_Extent({geom})) AS n_
                FROM {source.table} {source.alias} WHERE {source.sql_filter.where}
            """),
            source.sql_filter.params,
        )
    ).one()
    bbox = None if row.w is None else [round(v, 7) for v in (row.w, row.s, row.e, row.n_)]
    highest = Classification(row.highest) if row.highest else Classification.UNCLASSIFIED
    return Summary(count=row.n, highest=highest, bbox=bbox)


async def rows(
    connection: AsyncConnection, source: Source, *expressions: str
) -> AsyncIterator[list[Any]]:
    """The source's rows in id order, ``CHUNK_ROWS`` at a time, from a server-side cursor."""
    result = await connection.stream(text(source.select(*expressions)), source.sql_filter.params)
    async for chunk in result.partitions(CHUNK_ROWS):
        yield list(chunk)


_NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


async def copy_out(
    connection: AsyncConnection, source: Source, select: str, options: str
) -> AsyncIterator[bytes]:
    """``COPY (select) TO STDOUT`` in the export's own transaction: PostgreSQL formats the
    rows, Python only passes the blocks on. COPY takes no server-side parameters, so
    psycopg's client-side cursor binds the filter's values (quoted by psycopg, never
    pasted by us)."""
    statement = _NAMED_PARAMETER.sub(r"%(\1)s", select.replace("%", "%%"))
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    cursor = psycopg.AsyncClientCursor(driver)
    async with cursor.copy(
        f"COPY ({statement}) TO STDOUT {options}", source.sql_filter.params
    ) as copy:
        async for block in copy:
            yield bytes(block)


def _csv_value(field: Field) -> str:
    if field.kind == "time":
        # Times as RFC 3339 text (what json gives), not PostgreSQL's "+00" style.
        return f"to_json({field.sql}) #>> '{{}}'"
    if field.kind == "text":
        # A spreadsheet runs a cell that starts with = + - @, tab or CR as a formula
        # (CSV injection): such text gets a leading apostrophe, as OWASP recommends.
        value = f"({field.sql})::text"
        return (
            f"CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
            f"THEN chr(39) || {value} ELSE {value} END"
        )
    return field.sql


async def write_csv(connection: AsyncConnection, source: Source) -> AsyncIterator[bytes]:
    """RFC 4180 CSV: records end in CRLF. COPY ends them in LF; it sends one row per
    message (the protocol's rule), so each block's last LF is the record's end, while
    line breaks inside a quoted value are data and stay as they are."""
    expressions = [f"{_csv_value(field)} AS {field.name}" for field in source.csv_fields]
    select = source.select(*expressions)
    async for row in copy_out(connection, source, select, "WITH (FORMAT csv, HEADER)"):
        yield row[:-1] + b"\r\n" if row.endswith(b"\n") else row


async def write_geojsonseq(connection: AsyncConnection, source: Source) -> AsyncIterator[bytes]:
    # COPY's text format would escape backslashes, so the RS and LF are added in SQL and
    # the rows come out in CSV format with no quoting: one record per line, as is.
    select = source.select(f"E'\\x1e' || {source.feature}::text AS record")
    async for block in copy_out(
        connection, source, select, "WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    ):
        yield block


async def write_geojson(
    connection: AsyncConnection, source: Source, summary: Summary
) -> AsyncIterator[bytes]:
    head: dict[str, Any] = {"type": "FeatureCollection", "classification": summary.marking}
    if summary.bbox is not None:
        head["bbox"] = summary.bbox
    yield orjson.dumps(head)[:-1] + b',"features":['
    first = True
    async for chunk in rows(connection, source, f"{source.feature}::text AS feature"):
        body = b",".join(row.feature.encode() for row in chunk)
        yield body if first else b"," + body
        first = False
    yield b"]}"


def write_text(
    connection: AsyncConnection, source: Source, fmt: str, summary: Summary
) -> AsyncIterator[bytes]:
    if fmt == "csv":
        return write_csv(connection, source)
    if fmt == "geojsonseq":
        return write_geojsonseq(connection, source)
    return write_geojson(connection, source, summary)


async def stream(
    database: Database,
    reader: str,
    source: Source,
    fmt: str,
    summary_ready: Callable[[Summary], None],
) -> AsyncIterator[bytes]:
    """Yield the export; ``summary_ready(summary)`` is called before the first byte."""
    async with snapshot(database, reader) as connection:
        summary = await summarise(connection, source)
        summary_ready(summary)
        async for chunk in write_text(connection, source, fmt, summary):
            yield chunk
