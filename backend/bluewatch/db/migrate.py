"""Alembic, driven from code: upgrade, downgrade and "is the schema at head?"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from bluewatch.db.engine import sqlalchemy_url
from bluewatch.settings import Settings


def alembic_config(settings: Settings, plain_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    # Passed as an attribute, not an option: options are %-interpolated and logged.
    config.attributes["sqlalchemy_url"] = sqlalchemy_url(plain_url)
    return config


# pg_advisory_lock key for starting up: replicas that start together migrate, seed and
# create the first admin one after the other, never at the same time.
STARTUP_LOCK = 0x626C7565_7374  # "bluest"


@contextmanager
def startup_lock(plain_url: str) -> Iterator[None]:
    """Hold the database-wide startup lock (on a connection of its own) while inside."""
    with psycopg.connect(plain_url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (STARTUP_LOCK,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (STARTUP_LOCK,))


def upgrade(settings: Settings, plain_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings, plain_url), revision)


def downgrade(settings: Settings, plain_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings, plain_url), revision)


def head_revision(settings: Settings) -> str | None:
    script = ScriptDirectory(str(settings.migrations_dir))
    return script.get_current_head()
