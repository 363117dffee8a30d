"""Reads from a streaming standby (``BLUEWATCH_READ_DATABASE_URL``), with a real standby
made from the suite's cluster by ``pg_basebackup -R``, and a real ``bluewatch serve``.

Replay on the standby is paused to make it lag on purpose: what a reader sees then
shows which server answered.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from bluewatch.db.local import LocalCluster, find_bindir
from tests.conftest import bearer, make_key, reset_tables
from tests.factories import GEOJSON, incident
from tests.processes import api_process, free_port

WINDOW = 2.0  # read_your_writes_seconds for this test's API


@pytest.fixture
def standby(test_cluster: LocalCluster | None) -> Iterator[LocalCluster]:
    if test_cluster is None:
        pytest.fail("needs the suite's own cluster to make a standby of")
    replica = test_cluster.standby(Path(tempfile.mkdtemp(prefix="bluewatch-standby-")),
                                   free_port())  # fmt: skip
    try:
        yield replica
    finally:
        replica.destroy()


def replay(standby_url: str, *, paused: bool) -> None:
    with psycopg.connect(standby_url, autocommit=True) as connection:
        call = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        connection.execute(f"SELECT {call}()")


def caught_up(primary_url: str, standby_url: str, seconds: float = 30) -> None:
    """Wait until the standby has replayed everything the primary wrote so far."""
    with psycopg.connect(primary_url) as primary:
        row = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    deadline = time.monotonic() + seconds
    with psycopg.connect(standby_url, autocommit=True) as replica:
        while True:
            found = replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)
            ).fetchone()
            if found is not None and found[0]:
                return
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.1)


def titles(base: str, key: str, path: str = "/api/v1/incidents") -> set[str]:
    response = httpx.get(f"{base}{path}", headers=bearer(key), params={"limit": 1000})
    assert response.status_code == 200, response.text
    return {f["properties"]["title"] for f in response.json()["features"]}


def test_reads_come_from_the_standby_writers_read_their_writes_and_a_dead_standby_is_skipped(
    standby: LocalCluster, database_url: str, default_rules: list[tuple[object, ...]]
) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        reset_tables(connection, default_rules)
    standby_url = standby.url("bluewatch_test")
    writer = make_key(database_url, "analyst", "strictly_confidential", name="writer")
    reader = make_key(database_url, "analyst", "strictly_confidential", name="reader")
    settings = {"BLUEWATCH_READ_DATABASE_URL": standby_url,
                "BLUEWATCH_READ_YOUR_WRITES_SECONDS": str(WINDOW)}  # fmt: skip
    with api_process(database_url, settings) as base:
        first = httpx.post(f"{base}/api/v1/incidents", headers=bearer(writer) | GEOJSON,
                           json=incident(title="Before the pause"))  # fmt: skip
        assert first.status_code == 201, first.text
        caught_up(database_url, standby_url)
        assert titles(base, reader) == {"Before the pause"}  # the standby has it

        replay(standby_url, paused=True)  # the standby now lags behind on purpose
        second = httpx.post(f"{base}/api/v1/incidents", headers=bearer(writer) | GEOJSON,
                            json=incident(title="During the pause"))  # fmt: skip
        assert second.status_code == 201
        written_at = time.monotonic()
        both = {"Before the pause", "During the pause"}
        # The writer reads its own write (the primary), on every read path...
        assert titles(base, writer) == both
        assert titles(base, writer, "/ogc/collections/incidents/items") == both
        # ...while another reader is served by the lagging standby.
        assert titles(base, reader) == {"Before the pause"}
        assert titles(base, reader, "/ogc/collections/incidents/items") == {"Before the pause"}
        exported = httpx.get(f"{base}/api/v1/export/incidents.geojson", headers=bearer(reader))
        assert {f["properties"]["title"] for f in exported.json()["features"]} == {
            "Before the pause"
        }
        # Past the window, the writer is served by the standby like anyone.
        time.sleep(max(0.0, written_at + WINDOW + 0.5 - time.monotonic()))
        assert titles(base, writer) == {"Before the pause"}

        replay(standby_url, paused=False)
        caught_up(database_url, standby_url)
        assert titles(base, reader) == both

        # A standby that stops answering: reads go to the primary, nothing fails.
        subprocess.run(
            [*standby._owner_prefix(), str(find_bindir() / "pg_ctl"), "-D",
             str(standby.pgdata), "-m", "immediate", "-w", "stop"],
            check=True, capture_output=True,
        )  # fmt: skip
        third = httpx.post(f"{base}/api/v1/incidents", headers=bearer(writer) | GEOJSON,
                           json=incident(title="After the standby"))  # fmt: skip
        assert third.status_code == 201
        assert titles(base, reader) == both | {"After the standby"}
        tile = httpx.get(f"{base}/api/v1/tiles/incidents/8/148/129.pbf", headers=bearer(reader))
        assert tile.status_code == 200
