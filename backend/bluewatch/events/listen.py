"""The wake-up loop shared by the event hub and the webhook workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import psycopg
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)


async def listen_forever(
    plain_url: str,
    channel: str,
    work: Callable[[], Awaitable[None]],
    wait_seconds: Callable[[], float],
    name: str,
) -> None:
    """Run ``work`` now, on every NOTIFY on ``channel`` and at least every ``wait_seconds()``.

    A lost database connection (a restart, a failover) is waited out and the loop
    starts again with ``work``, which catches up from the tables: no notification is
    needed for correctness, only for speed.
    """
    backoff = 0.5
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(plain_url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {channel}")
                backoff = 0.5
                while True:
                    await work()
                    async for _ in conn.notifies(timeout=wait_seconds(), stop_after=1):
                        pass
        except asyncio.CancelledError:
            raise
        except (psycopg.Error, DBAPIError, OSError):
            logger.warning("%s lost the database; retrying in %.1fs", name, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
