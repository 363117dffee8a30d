"""GIS files written with GeoPandas/pyogrio: GeoPackage, KML and zipped Shapefile.

Rows arrive from the database a chunk at a time and are appended to the file, so
memory stays flat; the writing itself runs in a worker thread. Each file carries
its classification marking in the metadata its format allows: GeoPackage dataset
and layer metadata, the KML document's name and description, and a
``CLASSIFICATION.txt`` beside the Shapefile in its zip.
"""

from __future__ import annotations

import asyncio
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.io.exports import Summary, rows
from bluewatch.io.sources import Field, Source
from bluewatch.text import xml_safe

MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "shp.zip": "application/zip",
}
DRIVERS = {"gpkg": "GPKG", "kml": "LIBKML", "shp.zip": "ESRI Shapefile"}

# Shapefile field names hold at most 10 characters; the zip's fields.csv lists the pairs.
SHAPEFILE_NAMES = {
    "classification": "classif",
    "external_source": "ext_source",
    "external_id": "ext_id",
    "occurred_at": "occurred",
    "reported_at": "reported",
    "source_reliability": "src_reliab",
    "source_credibility": "src_cred",
    "geo_precision": "geo_prec",
    "time_precision": "time_prec",
    "description": "descript",
    "created_at": "created",
    "updated_at": "updated",
    "active_from": "act_from",
    "active_until": "act_until",
    "acknowledged_at": "ack_at",
    "acknowledged_by": "ack_by",
    "resolved_at": "resolv_at",
    "resolved_by": "resolv_by",
    "incident_id": "incident",
    "incident_ids": "incidents",
    "target_type": "tgt_type",
    "target_id": "tgt_id",
    "target_name": "tgt_name",
}


def shapefile_name(name: str) -> str:
    return SHAPEFILE_NAMES.get(name, name[:10])


def _column(field: Field, values: list[Any], fmt: str) -> Any:
    if field.kind == "int":
        return pd.array(values, dtype="Int64")
    if field.kind == "float":
        return pd.array([None if v is None else float(v) for v in values], dtype="Float64")
    if field.kind == "time":
        stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        if fmt == "shp.zip":  # Shapefile dates have no time of day: keep RFC 3339 text
            return stamps.map(lambda t: None if pd.isna(t) else t.isoformat())
        return stamps
    if field.kind == "text":
        return [xml_safe(v) if isinstance(v, str) else v for v in values]
    return values


def _frame(source: Source, chunk: list[Any], fmt: str) -> gpd.GeoDataFrame:
    columns: dict[str, Any] = {}
    for index, field in enumerate(source.fields, start=1):
        name = shapefile_name(field.name) if fmt == "shp.zip" else field.name
        columns[name] = _column(field, [row[index] for row in chunk], fmt)
    if fmt == "kml":
        columns = _kml_columns(columns)
    geometry = shapely.from_wkb([bytes(row[0]) for row in chunk])
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


# Fields LIBKML turns into <TimeStamp> and <TimeSpan> (its LIBKML_TIMESTAMP_FIELD,
# _BEGIN_FIELD and _END_FIELD defaults), so Google Earth's time slider can use them.
KML_TIMES = {"occurred_at": "timestamp", "active_from": "begin", "active_until": "end"}


def _kml_columns(columns: dict[str, Any]) -> dict[str, Any]:
    """The Placemark's label first; the times LIBKML maps; ``id`` renamed, as LIBKML keeps
    a field of that name out of the <Schema> it writes."""
    shaped = {"name": columns["title"]} if "name" not in columns and "title" in columns else {}
    for name, values in columns.items():
        shaped["record_id" if name == "id" else name] = values
        if name in KML_TIMES:
            shaped[KML_TIMES[name]] = values
    return shaped


def _write(
    frame: gpd.GeoDataFrame, path: Path, layer: str, fmt: str, append: bool, marking: str
) -> None:
    options: dict[str, Any] = {}
    if fmt == "gpkg":
        options = {"layer_metadata": {"CLASSIFICATION": marking}}
        if not path.exists():
            options["dataset_metadata"] = {"CLASSIFICATION": marking}
    elif fmt == "kml" and not append:
        options = {"dataset_options": {"NAME": f"Bluewatch {layer}: {marking}"}}
        options["dataset_options"]["DESCRIPTION"] = f"Classification: {marking}"
    with warnings.catch_warnings():
        # GDAL notes truncation of Shapefile text over 254 characters; documented.
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(
            frame,
            path,
            layer=None if fmt == "shp.zip" else layer,
            driver=DRIVERS[fmt],
            append=append,
            promote_to_multi=False,
            **options,
        )


async def write_layer(
    connection: AsyncConnection,
    source: Source,
    fmt: str,
    path: Path,
    summary: Summary,
) -> None:
    """Write the source into ``path`` (a layer named after the source) chunk by chunk."""
    expressions = [
        f"ST_AsBinary({source.alias}.geom) AS wkb",
        *(f"{field.sql} AS {field.name}" for field in source.fields),
    ]
    written = False
    async for chunk in rows(connection, source, *expressions):
        frame = _frame(source, chunk, fmt)
        await asyncio.to_thread(_write, frame, path, source.name, fmt, written, summary.marking)
        written = True
    if not written:  # an empty layer still has its fields and geometry type
        frame = _frame(source, [], fmt).set_geometry(gpd.GeoSeries([], crs="EPSG:4326"))
        await asyncio.to_thread(_write, frame, path, source.name, fmt, False, summary.marking)


async def write_file(
    connection: AsyncConnection, source: Source, fmt: str, directory: Path, summary: Summary
) -> Path:
    """The export as one file in ``directory``: a .gpkg, a .kml or a zipped Shapefile."""
    if fmt != "shp.zip":
        path = directory / f"{source.name}.{fmt}"
        await write_layer(connection, source, fmt, path, summary)
        return path
    shp_dir = directory / "shp"
    shp_dir.mkdir()
    await write_layer(connection, source, fmt, shp_dir / f"{source.name}.shp", summary)
    archive = directory / f"{source.name}.shp.zip"
    await asyncio.to_thread(_zip_shapefile, shp_dir, archive, source, summary)
    return archive


def _zip_shapefile(shp_dir: Path, archive: Path, source: Source, summary: Summary) -> None:
    fields = "shapefile_field,field\n" + "".join(
        f"{shapefile_name(field.name)},{field.name}\n" for field in source.fields
    )
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(shp_dir.iterdir()):
            bundle.write(part, part.name)
        bundle.writestr("CLASSIFICATION.txt", f"{summary.marking}\n")
        bundle.writestr("fields.csv", fields)
