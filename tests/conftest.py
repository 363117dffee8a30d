"""Fixtures: a real PostGIS cluster started by the suite, migrated with Alembic.

Set BLUEWATCH_TEST_DATABASE_URL to use an existing, dedicated database instead.
Tests never touch ``.data/``. Each test starts from empty layer tables.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb
from pydantic import SecretStr

from bluewatch.app import create_app
from bluewatch.db import migrate
from bluewatch.db.engine import Database
from bluewatch.db.local import LocalCluster
from bluewatch.layers import LAYERS
from bluewatch.security import secrets
from bluewatch.settings import Settings
from bluewatch.webhooks import store as webhook_store
from tests import factories
from tests.processes import free_port

LAYER_TABLES = tuple(spec.table for spec in LAYERS.values())
# Emptied before each test; api_key is not (the role keys live for the session) and
# audit_log cannot be (it is append-only).
RESET_ATTEMPTS = 5
PER_TEST_TABLES = (
    *LAYER_TABLES,
    "road_vertex",
    "road_edge",
    "webhook",
    "alert",
    "alert_member",
    "task",
    "rule",
    "app_user",
    "user_session",
    "sign_in_attempt",
)


@pytest.fixture(scope="session")
def test_cluster() -> Iterator[LocalCluster | None]:
    if os.environ.get("BLUEWATCH_TEST_DATABASE_URL"):
        yield None
        return
    cluster = LocalCluster(home=Path(tempfile.mkdtemp(prefix="bluewatch-test-")), port=free_port())
    cluster.up()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def database_url(test_cluster: LocalCluster | None) -> str:
    if test_cluster is None:
        url = os.environ["BLUEWATCH_TEST_DATABASE_URL"]
    else:
        url = test_cluster.create_database("bluewatch_test")
    migrate.upgrade(settings_for(url), url)
    # Read at once: a test that changes rules without the db fixture (the fuzz test) must
    # not become every later test's idea of the defaults.
    with psycopg.connect(url) as connection:
        SEEDED_RULES[url] = connection.execute(
            "SELECT id, name, kind, enabled, params FROM rule"
        ).fetchall()
    return url


SEEDED_RULES: dict[str, list[tuple[object, ...]]] = {}


@pytest.fixture(scope="session")
def default_rules(database_url: str) -> list[tuple[object, ...]]:
    """The rules the migrations seed, restored before each test."""
    return SEEDED_RULES[database_url]


def settings_for(url: str, **overrides: Any) -> Settings:
    # The shared test app allows any request rate; rate limits have their own test app.
    values: dict[str, Any] = {
        "rate_limit_per_minute": 10**7,
        "rate_limit_burst": 10**6,
        "sse_heartbeat_seconds": 1.0,
        "event_poll_seconds": 0.2,
        # Webhook tests start the delivery workers they need themselves.
        "webhook_workers_in_api": 0,
        "webhook_retry_schedule": [0, 0.5, 0.5, 0.5, 0.5, 0.5],
        "webhook_allow_cidrs": ["127.0.0.0/8"],
    }
    return Settings(
        database_url=SecretStr(url), data_dir=Path("/nonexistent"), **(values | overrides)
    )


def make_key(
    url: str,
    role: str,
    clearance: str,
    *,
    name: str = "test",
    expires_at: datetime | None = None,
    revoked: bool = False,
) -> str:
    """An API key written straight into the database; returns its token."""
    prefix, token = secrets.new_api_key()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            """
            INSERT INTO api_key (prefix, token_sha256, name, role, clearance, expires_at,
                                 revoked_at)
            VALUES (%s, %s, %s, %s, %s, %s, CASE WHEN %s THEN now() END)
            """,
            (prefix, secrets.digest(token), name, role, clearance, expires_at, revoked),
        )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class RoleKeys:
    """Tokens for each role at full clearance, plus an unclassified viewer."""

    admin: str
    analyst: str
    viewer: str
    unclassified_viewer: str


@pytest.fixture(scope="session")
def role_keys(database_url: str) -> RoleKeys:
    top = "strictly_confidential"
    return RoleKeys(
        admin=make_key(database_url, "admin", top, name="admin"),
        analyst=make_key(database_url, "analyst", top, name="analyst"),
        viewer=make_key(database_url, "viewer", top, name="viewer"),
        unclassified_viewer=make_key(database_url, "viewer", "unclassified", name="uviewer"),
    )


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def db(
    database_url: str, default_rules: list[tuple[object, ...]]
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A direct connection for arranging and checking stored state; tables start empty
    but for the default rules."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        reset_tables(connection, default_rules)
        yield connection


def reset_tables(
    connection: psycopg.Connection[tuple[object, ...]], default_rules: list[tuple[object, ...]]
) -> None:
    """Empty every per-test table and restore the default rules.

    A live server may still be answering the previous test's last request (a browser's
    delayed refetch): TRUNCATE then waits for it, or loses a deadlock to it, and tries
    again, a bounded number of times."""
    for attempt in range(RESET_ATTEMPTS):
        try:
            with connection.transaction():
                connection.execute("SET LOCAL lock_timeout = '5s'")
                connection.execute(
                    f"TRUNCATE {', '.join(PER_TEST_TABLES)} RESTART IDENTITY CASCADE"
                )
                # Event ids keep rising across tests, as in production: live hubs remember them.
                connection.execute("TRUNCATE event")
            break
        except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
            if attempt == RESET_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO rule (id, name, kind, enabled, params) VALUES (%s, %s, %s, %s, %s)",
            [(*row[:4], Jsonb(row[4])) for row in default_rules],
        )
    connection.execute("SELECT setval(pg_get_serial_sequence('rule', 'id'), 100)")


@pytest.fixture
def client(
    app_client: TestClient, db: psycopg.Connection[tuple[object, ...]], role_keys: RoleKeys
) -> Iterator[TestClient]:
    """The shared client, authenticated as an admin with full clearance."""
    app_client.headers.update(bearer(role_keys.admin))
    app_client.cookies.clear()
    yield app_client
    app_client.headers.pop("Authorization", None)
    app_client.cookies.clear()


@pytest.fixture
def goma_camp(client: TestClient) -> int:
    return post_goma_camp(client)


def post_goma_camp(client: TestClient) -> int:
    """An unclassified camp at Goma, where the factories' incidents fall by default."""
    body = factories.camp(factories.square(*factories.GOMA), name="Goma HQ",
                          classification="unclassified")  # fmt: skip
    response = client.post("/api/v1/camps", json=body, headers=factories.GEOJSON)
    assert response.status_code == 201, response.text
    camp_id: int = response.json()["id"]
    return camp_id


def row_counts(db: psycopg.Connection[tuple[object, ...]]) -> dict[str, int]:
    counts = {}
    for table in LAYER_TABLES:
        row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        counts[table] = int(str(row[0]))
    return counts


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for real HTTP clients."""
    with serving(settings) as url:
        yield url


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """An app with these settings served by uvicorn on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def fold_digests(database_url: str) -> None:
    """What digest subscriptions hold, folded into their due digests now (as a webhook
    worker does when it next looks)."""

    async def fold() -> None:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.transaction() as connection:
                await webhook_store.make_digests(connection)
        finally:
            await database.dispose()

    # Callers may hold an event loop on this thread (Playwright's): fold on another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, fold()).result()
