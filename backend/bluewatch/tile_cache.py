"""Rendered tiles kept in memory, filed under the layer's version.

Every committed change to a layer advances its version (``layer_version``, migration
0008), so a tile filed under the current version is still right and costs no query
beyond reading the version. Entries of older versions simply age out (least recently
used first) within ``max_bytes``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class CachedTile:
    body: bytes
    etag: str


class TileCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, CachedTile] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def key(layer: str, version: int, z: int, x: int, y: int, where: str,
            params: dict[str, Any]) -> bytes:  # fmt: skip
        """Everything the tile's bytes depend on: the layer and its version, the address,
        and the filter (its SQL and bound values, the reader's clearance among them)."""
        described = [layer, version, z, x, y, where, params]
        return hashlib.blake2b(
            orjson.dumps(described, option=orjson.OPT_SORT_KEYS, default=str), digest_size=20
        ).digest()

    def get(self, key: bytes) -> CachedTile | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: bytes, body: bytes) -> CachedTile:
        tile = CachedTile(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')
        if len(body) > self.max_bytes:
            return tile  # too large to keep (or caching is off): served, not kept
        if key in self._entries:
            self._bytes -= len(self._entries.pop(key).body)
        self._entries[key] = tile
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
        return tile

    @property
    def size_bytes(self) -> int:
        return self._bytes
