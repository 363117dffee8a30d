"""Fixtures: a real PostGIS cluster started by the suite, migrated with Alembic.

Set BLUEWATCH_TEST_DATABASE_URL to use an existing, dedicated database instead.
Tests never touch ``.data/``. Each test starts from empty layer tables.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bluewatch.app import create_app
from bluewatch.db import migrate
from bluewatch.db.local import LocalCluster
from bluewatch.settings import Settings

LAYER_TABLES = ("incident", "route", "camp")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
    return url


def settings_for(url: str, **overrides: Any) -> Settings:
    return Settings(database_url=SecretStr(url), data_dir=Path("/nonexistent"), **overrides)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A direct connection for arranging and checking stored state; tables start empty."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {', '.join(LAYER_TABLES)} RESTART IDENTITY CASCADE")
        yield connection


@pytest.fixture
def client(app_client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> TestClient:
    return app_client


def row_counts(db: psycopg.Connection[tuple[object, ...]]) -> dict[str, int]:
    counts = {}
    for table in LAYER_TABLES:
        row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        counts[table] = int(str(row[0]))
    return counts
