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
