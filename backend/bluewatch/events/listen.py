"""The wake-up loop shared by the event hub and the webhook workers, and the waits of
a loop that lost its database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import psycopg
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)


@dataclass
class Backoff:
    """How long a loop waits after a failure: ``first`` seconds, doubling up to
    ``most``, and ``first`` again after a success."""

    first: float = 0.5
    most: float = 10.0
    current: float = field(init=False)

    def __post_init__(self) -> None:
        self.current = self.first

    def succeeded(self) -> None:
        self.current = self.first

    def next(self) -> float:
        """The wait after this failure (the next one waits longer)."""
        wait = self.current
        self.current = min(self.current * 2, self.most)
        return wait


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
    backoff = Backoff()
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(plain_url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {channel}")
                backoff.succeeded()
                while True:
                    await work()
                    async for _ in conn.notifies(timeout=wait_seconds(), stop_after=1):
                        pass
        except asyncio.CancelledError:
            raise
        except (psycopg.Error, DBAPIError, OSError):
            wait = backoff.next()
            logger.warning("%s lost the database; retrying in %.1fs", name, wait)
            await asyncio.sleep(wait)
