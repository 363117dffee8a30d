"""The async engines and explicit transactions.

Every write runs inside ``Database.transaction()``, opened by the service that does
the work, so the commit happens before the response is sent and a failure at
commit is reported to the client rather than lost.

With ``BLUEWATCH_READ_DATABASE_URL`` (a streaming standby), ``replica_read`` serves the
reads that may be a moment behind (layer lists and records, OGC API, tiles, exports)
from the standby; everything else, and a reader who changed something in the last
``read_your_writes_seconds``, uses the primary. A standby that does not answer is left
alone for a few seconds while the primary serves its reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bluewatch.settings import Settings

logger = logging.getLogger(__name__)
REPLICA_RETRY_SECONDS = 5.0
# Whether a reader changed something lately: its audit entries (every change writes one
# in the change's own transaction, so the primary knows on every process).
WROTE_RECENTLY = text("""
    SELECT EXISTS (
        SELECT FROM audit_log
        WHERE at > clock_timestamp() - make_interval(secs => :seconds)
          AND actor = :reader AND result = 'success'
    )
""")


def sqlalchemy_url(plain_url: str, *, driver: str = "psycopg") -> URL:
    """Accept ``postgresql://`` (and ``postgres://``) URLs and pick the psycopg 3 driver."""
    url = make_url(plain_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() != "postgresql":
        raise ValueError("BLUEWATCH_DATABASE_URL must be a postgresql:// URL")
    return url.set(drivername=f"postgresql+{driver}")


def _engine(plain_url: str, pool_size: int, max_overflow: int, **connect_args: Any) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(plain_url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args={
            # psycopg prepares a statement on its 5th use, and PostgreSQL then tries a
            # generic plan, which cannot see how many rows a bbox or tile holds: at 1M
            # incidents a 1,000-feature page went from 11 ms to 110-180 ms (a bitmap
            # over 258k rows instead of the id index). Plan each execution for its
            # own values.
            # JIT compiling and parallel workers cost more than they save for requests
            # that run side by side on a few cores: at 1M incidents a 1,000-feature
            # page took 36.8 ms with them and 14.5 ms without, a 10,000-feature page
            # 410 ms and 141 ms (JIT's code emission alone was 48 ms of a tile query).
            "options": "-c timezone=UTC -c statement_timeout=60000 "
            "-c plan_cache_mode=force_custom_plan -c jit=off "
            "-c max_parallel_workers_per_gather=0",
            **connect_args,
        },
    )


async def _end_read(connection: AsyncConnection) -> None:
    """End a read with COMMIT, not the ROLLBACK that closing sends: at a ROLLBACK psycopg
    forgets every statement it prepared on the connection (the rollback may have undone
    the objects they name), and with reads and writes sharing the pool nothing stayed
    prepared: PostgreSQL parsed every statement of every request again (a single
    incident's POST at 1M: p50 37 ms, 29 ms without). An error still rolls back."""
    if connection.in_transaction():
        await connection.commit()


class Database:
    """Owns the connection pools (primary, and standby if set) for one application
    instance."""

    def __init__(self, plain_url: str, settings: Settings) -> None:
        self.url = sqlalchemy_url(plain_url)
        self.engine: AsyncEngine = _engine(
            plain_url, settings.pool_size, settings.pool_max_overflow
        )
        read_url = settings.read_database_url
        # A standby that is gone must not hold a request for long.
        self.replica: AsyncEngine | None = (
            None
            if read_url is None
            else _engine(
                read_url.get_secret_value(),
                settings.pool_size,
                settings.pool_max_overflow,
                connect_timeout=2,
            )
        )
        self._read_your_writes = settings.read_your_writes_seconds
        self._replica_retry_at = 0.0

    @classmethod
    def for_loops(cls, plain_url: str, settings: Settings, loops: int) -> Database:
        """A pool of its own for a process's background loops (the event hub, webhook
        delivery), a connection a loop, on the primary (the hub's horizon needs it):
        they never wait behind requests. With one pool for both, POSTs queued for a
        connection held every stream's events back behind them (W7, 100 POSTs/s
        offered: commit → SSE p99 17 s)."""
        loop_settings = settings.model_copy(
            update={"pool_size": loops, "pool_max_overflow": 1, "read_database_url": None}
        )
        return cls(plain_url, loop_settings)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield connection
            await _end_read(connection)

    @asynccontextmanager
    async def replica_read(self, reader: str) -> AsyncIterator[AsyncConnection]:
        """A connection for a read that may be a moment behind, for ``reader`` (a
        principal's name): the standby, or the primary (see the module's note)."""
        connection = await self._reading_connection(reader)  # started
        try:
            yield connection
            await _end_read(connection)
        finally:
            await connection.close()

    async def _reading_connection(self, reader: str) -> AsyncConnection:
        if self.replica is None or time.monotonic() < self._replica_retry_at:
            return await self.engine.connect()
        if await self._wrote_recently(reader):
            return await self.engine.connect()
        try:
            return await self.replica.connect()
        except (DBAPIError, InterfaceError, OSError):
            self._replica_retry_at = time.monotonic() + REPLICA_RETRY_SECONDS
            logger.warning("read replica unreachable: the primary serves reads for %.0f s",
                           REPLICA_RETRY_SECONDS)  # fmt: skip
            return await self.engine.connect()

    async def _wrote_recently(self, reader: str) -> bool:
        try:
            async with self.engine.connect() as connection:
                params = {"seconds": self._read_your_writes, "reader": reader}
                wrote = bool((await connection.execute(WROTE_RECENTLY, params)).scalar())
                await _end_read(connection)
                return wrote
        except (DBAPIError, InterfaceError, OSError):
            return False  # the primary is away: the standby still serves what it has

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()
