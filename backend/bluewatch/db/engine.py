"""The async engine and explicit transactions.

Every write runs inside ``Database.transaction()``, opened by the service that does
the work, so the commit happens before the response is sent and a failure at
commit is reported to the client rather than lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bluewatch.settings import Settings


def sqlalchemy_url(plain_url: str, *, driver: str = "psycopg") -> URL:
    """Accept ``postgresql://`` (and ``postgres://``) URLs and pick the psycopg 3 driver."""
    url = make_url(plain_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() != "postgresql":
        raise ValueError("BLUEWATCH_DATABASE_URL must be a postgresql:// URL")
    return url.set(drivername=f"postgresql+{driver}")


class Database:
    """Owns the connection pool for one application instance."""

    def __init__(self, plain_url: str, settings: Settings) -> None:
        self.url = sqlalchemy_url(plain_url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_pre_ping=True,
            connect_args={
                # psycopg prepares a statement on its 5th use, and PostgreSQL then tries a
                # generic plan, which cannot see how many rows a bbox or tile holds: at 1M
                # incidents a 1,000-feature page went from 11 ms to 110-180 ms (a bitmap
                # over 258k rows instead of the id index). Plan each execution for its
                # own values.
                "options": "-c timezone=UTC -c statement_timeout=60000 "
                "-c plan_cache_mode=force_custom_plan"
            },
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()
