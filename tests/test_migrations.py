"""Migrations reach head from nothing, go back to nothing, and match the models."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bluewatch.db import migrate
from bluewatch.db.engine import sqlalchemy_url
from bluewatch.db.local import LocalCluster
from bluewatch.db.models import Base
from tests.conftest import settings_for


@pytest.fixture
def scratch_url(test_cluster: LocalCluster | None) -> Iterator[str]:
    if test_cluster is None:
        pytest.skip("needs the suite's own cluster to create a scratch database")
    yield test_cluster.create_database("bluewatch_migrations")


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    settings = settings_for(scratch_url)
    migrate.upgrade(settings, scratch_url)
    assert {"incident", "route", "camp", "alembic_version"} <= tables(scratch_url)
    with psycopg.connect(scratch_url) as connection:
        installed = connection.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
    assert installed is not None

    migrate.downgrade(settings, scratch_url, "base")
    assert tables(scratch_url) <= {"alembic_version", "spatial_ref_sys"}

    migrate.upgrade(settings, scratch_url)
    assert {"incident", "route", "camp"} <= tables(scratch_url)


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection, warnings.catch_warnings():
        # Alembic cannot compare expression indexes (geom::geography) and says so.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        warnings.filterwarnings("ignore", message=".*functional index.*")
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda obj, name, kind, reflected, other: (
                    not (kind == "table" and name == "spatial_ref_sys")
                )
            },
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert [str(d) for d in differences] == []
