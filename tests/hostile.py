"""Hostile files for the import tests, written byte by byte (issue 14, 4).

They are built when a test runs rather than kept as binaries: a 6M-vertex Shapefile
unpacks to 96 MB, and its structure is the point, not its bytes.
"""

from __future__ import annotations

import math
import random
import sqlite3
import struct
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

BOX = (29.0, -2.0, 30.0, -1.0)


FIRST = struct.pack("<2d", BOX[0], BOX[1])


def _square_points(vertices: int) -> Iterator[bytes]:
    """A closed ring walking a square round and round: compresses about 340 times."""
    square = FIRST + struct.pack("<6d", 30.0, -2.0, 30.0, -1.0, 29.0, -1.0)
    whole, rest = divmod(vertices - 1, 4)
    block = square * 4096
    for _ in range(whole // 4096):
        yield block
    yield square * (whole % 4096)
    yield square[: rest * 16]
    yield FIRST


def _spread_points(vertices: int) -> Iterator[bytes]:
    """A closed star-shaped ring of random radii: valid, and compresses hardly at all."""
    chooser = random.Random(7)
    ring = []
    for step in range(vertices - 1):
        angle = -2 * math.pi * step / (vertices - 1)  # clockwise, as Shapefile rings run
        radius = chooser.uniform(0.2, 0.5)
        ring += [29.5 + radius * math.cos(angle), -1.5 + radius * math.sin(angle)]
    ring += ring[:2]
    yield struct.pack(f"<{len(ring)}d", *ring)


def shapefile_zip(path: Path, vertices: int, *, spread: bool = False) -> Path:
    """A zipped Shapefile ``camps`` with one polygon of ``vertices`` points."""
    content = 4 + 32 + 4 + 4 + 4 + 16 * vertices
    bbox = struct.pack("<4d", *BOX)
    shp_header = (
        struct.pack(">i", 9994) + b"\0" * 20 + struct.pack(">i", (100 + 8 + content) // 2)
        + struct.pack("<ii", 1000, 5) + bbox + struct.pack("<4d", 0, 0, 0, 0)
    )  # fmt: skip
    shx_header = shp_header[:24] + struct.pack(">i", (100 + 8) // 2) + shp_header[28:]
    dbf = (
        struct.pack("<BBBBIHH", 3, 126, 11, 26, 1, 32 + 32 + 1, 1 + 20) + b"\0" * 20
        + b"name".ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([20, 0]) + b"\0" * 14
        + b"\r" + b" " + b"Bomb base".ljust(20) + b"\x1a"
    )  # fmt: skip
    points = _spread_points(vertices) if spread else _square_points(vertices)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("camps.shp", "w", force_zip64=True) as shp:
            shp.write(shp_header)
            shp.write(struct.pack(">ii", 1, content // 2))
            shp.write(struct.pack("<i", 5) + bbox + struct.pack("<iii", 1, vertices, 0))
            for block in points:
                shp.write(block)
        archive.writestr("camps.shx", shx_header + struct.pack(">ii", 50, content // 2))
        archive.writestr("camps.dbf", dbf)
        archive.writestr("camps.prj", 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",'
                         '6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",'
                         '0.0174532925199433]]')  # fmt: skip
    return path


def geopackage(path: Path, vertices: int) -> Path:
    """A GeoPackage layer ``camps`` with a small camp and one polygon of ``vertices``."""
    small = shapely.box(29.2, -1.7, 29.21, -1.69)
    frame = gpd.GeoDataFrame(
        {"name": ["Small camp", "Bomb base"], "kind": ["hq", "hq"]},
        geometry=[small, small],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(frame, path, layer="camps", driver="GPKG")
    ring = b"".join(_square_points(vertices))
    wkb = struct.pack("<BIII", 1, 3, 1, vertices) + ring
    blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 4326) + wkb
    with closing(sqlite3.connect(path)) as connection:
        # The spatial index's triggers call SpatiaLite functions plain sqlite3 lacks.
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in triggers.fetchall():
            connection.execute(f'DROP TRIGGER "{name}"')
        connection.execute("UPDATE camps SET geom = ? WHERE name = 'Bomb base'", (blob,))
        connection.commit()
    return path
