"""Alembic environment: migrations run synchronously with psycopg 3."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bluewatch.db.engine import sqlalchemy_url
from bluewatch.db.models import Base
from bluewatch.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> object:
    url = config.attributes.get("sqlalchemy_url")
    if url is not None:
        return url
    configured = Settings().database_url
    if configured is None:
        raise RuntimeError("Set BLUEWATCH_DATABASE_URL or run 'bluewatch migrate'.")
    return sqlalchemy_url(configured.get_secret_value())


def _include_object(
    obj: object, name: str | None, kind: str, reflected: bool, compare_to: object
) -> bool:
    # PostGIS's own tables (spatial_ref_sys, topology) are not ours to compare.
    return not (kind == "table" and name in {"spatial_ref_sys"})


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)  # type: ignore[call-overload]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
