"""The API's connections: planned per execution, in UTC, with a statement timeout."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from bluewatch.db.engine import Database
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

    # In a thread of its own: after the browser tests, Playwright's loop runs in this one.
    with ThreadPoolExecutor(1) as pool:
        found = pool.submit(asyncio.run, read_settings()).result()
    assert found == ["force_custom_plan", "UTC", "1min"]
