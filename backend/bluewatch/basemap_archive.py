"""A local PMTiles archive as the map's detailed basemap (``BLUEWATCH_BASEMAP_PMTILES``).

A mission's OpenStreetMap extract, converted to PMTiles (one file of tiles with its own
index), gives street-level detail with no internet: the API serves the file itself and
the browser reads the tiles it needs with HTTP range requests. Only the fixed 127-byte
header (PMTiles v3) is read here, to tell the map whether the tiles are vector or
raster and where and at which zooms they lie.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HEADER_BYTES = 127
MAGIC = b"PMTiles"
TILE_TYPES: dict[int, tuple[Literal["vector", "raster"], str]] = {
    1: ("vector", "mvt"),
    2: ("raster", "png"),
    3: ("raster", "jpeg"),
    4: ("raster", "webp"),
    5: ("raster", "avif"),
}
# One range, as a PMTiles reader asks: bytes=first-last, bytes=first- or bytes=-suffix.
RANGE = re.compile(r"^bytes=(\d{1,19})?-(\d{1,19})?$")


class UnreadableArchive(Exception):
    """The configured file is missing or is not a PMTiles v3 archive."""


@dataclass(frozen=True)
class ArchiveInfo:
    kind: Literal["vector", "raster"]
    tile_format: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]  # west, south, east, north

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "format": self.tile_format,
            "minzoom": self.min_zoom,
            "maxzoom": self.max_zoom,
            "bounds": list(self.bounds),
        }


def read_info(path: Path) -> ArchiveInfo:
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
    except OSError as error:
        raise UnreadableArchive(f"cannot read {path.name}") from error
    if len(header) < HEADER_BYTES or header[:7] != MAGIC or header[7] != 3:
        raise UnreadableArchive(f"{path.name} is not a PMTiles version 3 archive")
    tile_type, min_zoom, max_zoom = header[99], header[100], header[101]
    if tile_type not in TILE_TYPES or not 0 <= min_zoom <= max_zoom <= 30:
        raise UnreadableArchive(f"{path.name} holds tiles of an unknown type or zoom")
    west, south, east, north = (v / 1e7 for v in struct.unpack_from("<4i", header, 102))
    kind, tile_format = TILE_TYPES[tile_type]
    return ArchiveInfo(kind, tile_format, min_zoom, max_zoom, (west, south, east, north))


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range a Range header asks for, as (first, last) inclusive and within the
    file; None when it is not one well-formed range; (size, size) when it cannot be met."""
    match = RANGE.match(header.strip())
    if match is None or match.group(1) is match.group(2) is None:
        return None
    first_text, last_text = match.groups()
    if first_text is None:
        suffix = int(last_text)
        return (size, size) if suffix == 0 or size == 0 else (max(0, size - suffix), size - 1)
    first = int(first_text)
    last = size - 1 if last_text is None else min(int(last_text), size - 1)
    if last_text is not None and int(last_text) < first:
        return None
    return (size, size) if first >= size else (first, last)
