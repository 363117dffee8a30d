"""Small PMTiles archives for the tests: a few vector tiles around a point, written with
the ``pmtiles`` package (not our code), so the API's range requests and the map's
reading of the archive are checked against an independent writer."""

from __future__ import annotations

import math
from pathlib import Path

import mapbox_vector_tile
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import write

EXTENT = 4096


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _pixel(lon: float, lat: float, zoom: int, x: int, y: int) -> tuple[int, int]:
    n = 2**zoom
    px = ((lon + 180) / 360 * n - x) * EXTENT
    py = ((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y) * EXTENT
    return round(px), round(py)  # y down, as tiles count it


def vector_archive(path: Path, lon: float, lat: float, road_name: str) -> Path:
    """Tiles at zooms 10 to 12 holding a road through (lon, lat), named ``road_name``,
    a lake polygon just south-west of it and a place label at the point."""
    tiles: list[tuple[int, int, int, bytes]] = []
    for zoom in (10, 11, 12):
        x, y = tile_of(lon, lat, zoom)
        road = [
            _pixel(lon - 0.02, lat - 0.01, zoom, x, y),
            _pixel(lon + 0.02, lat + 0.01, zoom, x, y),
        ]
        # An outer ring runs clockwise on screen (y down), as the MVT specification asks.
        corners = [(-0.015, -0.015), (-0.015, -0.005), (-0.005, -0.005), (-0.005, -0.015)]
        lake = [_pixel(lon + east, lat + north, zoom, x, y) for east, north in corners]
        data = mapbox_vector_tile.encode(
            [
                {"name": "roads", "features": [{
                    "geometry": "LINESTRING(" + ", ".join(f"{a} {b}" for a, b in road) + ")",
                    "properties": {"kind": "major_road", "name": road_name},
                }]},
                {"name": "water", "features": [{
                    "geometry": f"POLYGON(({', '.join(f'{a} {b}' for a, b in [*lake, lake[0]])}))",
                    "properties": {"kind": "lake"},
                }]},
                {"name": "places", "features": [{
                    "geometry": "POINT({} {})".format(*_pixel(lon, lat, zoom, x, y)),
                    "properties": {"name": f"{road_name} junction"},
                }]},
            ],
            default_options={"extents": EXTENT, "y_coord_down": True},
        )  # fmt: skip
        tiles.append((zoom, x, y, data))
    with write(str(path)) as writer:
        for zoom, x, y, data in sorted(tiles, key=lambda t: zxy_to_tileid(t[0], t[1], t[2])):
            writer.write_tile(zxy_to_tileid(zoom, x, y), data)
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.NONE,
                "min_lon_e7": int((lon - 0.1) * 1e7),
                "min_lat_e7": int((lat - 0.1) * 1e7),
                "max_lon_e7": int((lon + 0.1) * 1e7),
                "max_lat_e7": int((lat + 0.1) * 1e7),
                "center_zoom": 12,
                "center_lon_e7": int(lon * 1e7),
                "center_lat_e7": int(lat * 1e7),
            },
            {
                "vector_layers": [
                    {"id": name, "fields": {}} for name in ("roads", "water", "places")
                ]
            },
        )
    return path
