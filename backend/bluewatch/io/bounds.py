"""Sizes read from a file's own structure, before any geometry is built.

A Shapefile's record headers state each shape's number of points, and a GeoPackage
stores each geometry as one blob whose length bounds its vertices: both are read here
in constant memory, so an import can refuse a geometry of millions of vertices
without ever holding it. A zip archive's members state their sizes too: archives that
unpack to more than the limit, or far more than any real Shapefile compresses to,
are refused before GDAL opens them.
"""

from __future__ import annotations

import sqlite3
import struct
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bluewatch.errors import MalformedBody, PayloadTooLarge


@dataclass(frozen=True)
class ReadLimits:
    """What a file may hold before it is read: the import's memory stays bounded."""

    max_vertices: int  # per geometry
    max_parsed_bytes: int  # GeoJSON and KML are parsed whole: their size is capped
    max_unzipped_bytes: int  # a zipped Shapefile's members together
    max_zip_ratio: int = 100  # uncompressed / compressed; real Shapefiles stay far below


# Shape types whose content holds NumPoints after the shape type and a bounding box:
# PolyLine, Polygon, their M and Z forms, MultiPatch (at byte 40); MultiPoint (at 36).
_PARTS_THEN_POINTS = frozenset({3, 5, 13, 15, 23, 25, 31})
_POINTS = frozenset({8, 18, 28})
_SKIP_CHUNK = 1 << 20
# The most bytes a vertex takes in WKB (x, y, z, m doubles), and generous room for the
# headers of rings and parts: a blob longer than this bound holds more vertices.
_WKB_VERTEX_BYTES = 32
_WKB_OVERHEAD = 64 * 1024


def check_archive(path: Path, max_unzipped_bytes: int, max_ratio: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise MalformedBody("The file is not a readable zip archive.") from None
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if unpacked > max_unzipped_bytes:
        raise PayloadTooLarge(f"The archive unpacks to more than {max_unzipped_bytes} bytes.")
    if unpacked > 1024 * 1024 and unpacked / packed > max_ratio:
        raise PayloadTooLarge(
            f"The archive unpacks to over {max_ratio} times its size; that is no Shapefile."
        )


def oversized_shapefile_records(path: Path, layer: str, max_vertices: int) -> set[int]:
    """The feature ids (0-based record indexes) of shapes with more than ``max_vertices``."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".shp")]
        chosen = next((n for n in names if Path(n).stem == layer), names[0] if names else None)
        if chosen is None:
            return set()
        with archive.open(chosen) as shp:
            return _oversized_records(shp, max_vertices)


def _oversized_records(shp: IO[bytes], max_vertices: int) -> set[int]:
    found: set[int] = set()
    if len(shp.read(100)) < 100:  # the file header
        return found
    index = 0
    while True:
        header = shp.read(8)
        if len(header) < 8:
            return found
        _, words = struct.unpack(">ii", header)
        remaining = words * 2
        content = shp.read(min(remaining, 44))
        remaining -= len(content)
        if len(content) >= 4:
            (shape_type,) = struct.unpack("<i", content[:4])
            points = None
            if shape_type in _PARTS_THEN_POINTS and len(content) >= 44:
                (points,) = struct.unpack("<i", content[40:44])
            elif shape_type in _POINTS and len(content) >= 40:
                (points,) = struct.unpack("<i", content[36:40])
            if points is not None and points > max_vertices:
                found.add(index)
        while remaining > 0:
            skipped = len(shp.read(min(remaining, _SKIP_CHUNK)))
            if skipped == 0:
                return found
            remaining -= skipped
        index += 1


def oversized_geopackage_features(path: Path, layer: str, max_vertices: int) -> set[int]:
    """The feature ids whose geometry blob is too long to hold at most ``max_vertices``."""
    limit = max_vertices * _WKB_VERTEX_BYTES + _WKB_OVERHEAD
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as geopackage:
            found = geopackage.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
            ).fetchone()
            if found is None:
                return set()
            key = next(
                (row[1] for row in geopackage.execute(
                    "SELECT * FROM pragma_table_info(?)", (layer,)) if row[5] == 1),
                None,
            )  # fmt: skip
            if key is None:
                return set()
            rows = geopackage.execute(
                f'SELECT "{_quoted(key)}" FROM "{_quoted(layer)}" '
                f'WHERE length("{_quoted(found[0])}") > ?',
                (limit,),
            )
            return {int(row[0]) for row in rows}
    except sqlite3.Error:
        raise MalformedBody("The file is not a readable GeoPackage.") from None


def _quoted(identifier: str) -> str:
    return identifier.replace('"', '""')
