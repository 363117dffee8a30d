"""The API's connections: planned per execution, in UTC, with a statement timeout."""

from __future__ import annotations

from sqlalchemy import text

from bluewatch.db.engine import Database
from tests.aio import run
from tests.conftest import settings_for


def test_connections_plan_each_execution_for_its_own_values(database_url: str) -> None:
    """A prepared bbox or tile query must not fall back to a generic plan (bench W4)."""

    async def read_settings() -> list[str]:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.read() as connection:
                names = ("plan_cache_mode", "TimeZone", "statement_timeout")
                return [
                    (await connection.execute(text(f"SHOW {name}"))).scalar_one() for name in names
                ]
        finally:
            await database.dispose()

    found = run(read_settings())
    assert found == ["force_custom_plan", "UTC", "1min"]


def test_statements_stay_prepared_across_reads(database_url: str) -> None:
    """A read ends with COMMIT: at the ROLLBACK closing would send, psycopg forgets the
    statements it prepared, and PostgreSQL parsed every statement of every request."""
    statement = text("SELECT count(*) FROM rule WHERE id > :above")
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM rule WHERE id >%'"
    )

    async def read_repeatedly() -> tuple[int, int]:
        settings = settings_for(database_url, pool_size=1, pool_max_overflow=0)
        database = Database(database_url, settings)
        try:
            async with database.read() as connection:  # one connection: the pool's only one
                before = int((await connection.execute(prepared)).scalar_one())
            for above in range(8):  # psycopg prepares a statement at its 5th execution
                async with database.read() as connection:
                    await connection.execute(statement, {"above": above})
            async with database.read() as connection:
                after = int((await connection.execute(prepared)).scalar_one())
            return before, after
        finally:
            await database.dispose()

    before, after = run(read_repeatedly())
    assert (before, after) == (0, 1)
