"""The in-memory tile cache: what a key depends on, and eviction by size."""

from __future__ import annotations

from bluewatch.tile_cache import TileCache

WHERE = "t.classification <= CAST(:clearance AS classification)"


def key(version: int = 1, clearance: str = "confidential", z: int = 8) -> bytes:
    return TileCache.key("incidents", version, z, 148, 129, WHERE, {"clearance": clearance})


def test_a_key_changes_with_the_version_the_address_and_every_bound_value() -> None:
    assert key() == key()
    assert len({key(), key(version=2), key(z=9), key(clearance="unclassified")}) == 4


def test_tiles_are_kept_up_to_the_byte_limit_and_the_least_recent_goes_first() -> None:
    cache = TileCache(max_bytes=30)
    cache.put(key(1), b"a" * 10)
    cache.put(key(2), b"b" * 10)
    cache.put(key(3), b"c" * 10)  # exactly at the limit: all kept
    assert cache.size_bytes == 30 and all(cache.get(key(v)) for v in (1, 2, 3))
    assert cache.get(key(1)) is not None  # 1 is now the most recent
    cache.put(key(4), b"d")  # one byte past the limit: the least recent (2) goes
    assert cache.get(key(2)) is None
    assert [cache.get(key(v)) is not None for v in (1, 3, 4)] == [True, True, True]
    assert cache.size_bytes == 21


def test_a_tile_larger_than_the_cache_is_served_not_kept_and_etags_follow_the_bytes() -> None:
    cache = TileCache(max_bytes=10)
    big = cache.put(key(), b"x" * 11)
    assert big.body == b"x" * 11 and cache.get(key()) is None and cache.size_bytes == 0
    at_limit = cache.put(key(), b"y" * 10)
    assert cache.get(key()) == at_limit and at_limit.etag != big.etag
    replaced = cache.put(key(), b"z")
    assert cache.size_bytes == 1 and cache.get(key()) == replaced
    assert TileCache(0).put(key(), b"").etag == TileCache(5).put(key(), b"").etag
