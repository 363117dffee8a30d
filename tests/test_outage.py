"""With PostgreSQL stopped the API answers 503 with Retry-After, and recovers by itself
(issue 14, 11). A cluster of its own, so the suite's database keeps running."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bluewatch.db import migrate
from bluewatch.db.local import LocalCluster
from tests.conftest import bearer, make_key, settings_for
from tests.processes import api_process, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def own_cluster() -> Iterator[LocalCluster]:
    cluster = LocalCluster(
        home=Path(tempfile.mkdtemp(prefix="bluewatch-outage-")), port=free_port()
    )
    cluster.up()
    try:
        yield cluster
    finally:
        cluster.destroy()


def _wait_for(url: str, headers: dict[str, str], status: int, attempts: int = 100) -> int:
    got = 0
    for _ in range(attempts):
        got = httpx.get(url, headers=headers, timeout=30).status_code
        if got == status:
            break
        time.sleep(0.2)
    return got


def test_a_stopped_database_is_a_503_and_its_return_heals(own_cluster: LocalCluster) -> None:
    url = own_cluster.create_database("outage")
    migrate.upgrade(settings_for(url), url)
    key = bearer(make_key(url, "viewer", "unclassified"))
    with api_process(url, {}) as base:
        assert httpx.get(f"{base}/api/v1/incidents", headers=key).status_code == 200
        own_cluster.down()
        for path in ("/api/v1/incidents", "/api/v1/alerts", "/ogc/collections", "/readyz"):
            response = httpx.get(f"{base}{path}", headers=key, timeout=60)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            if path != "/readyz":
                assert int(response.headers["retry-after"]) > 0
            assert "Traceback" not in response.text and "psycopg" not in response.text
        own_cluster.up()
        assert _wait_for(f"{base}/api/v1/incidents", key, 200) == 200
