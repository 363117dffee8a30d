"""Password hashing never holds up the event loop (issue 14, 9): while a burst of
sign-ins is being checked, a real ``bluewatch serve`` still answers /readyz at once.

Before, argon2 ran on the event loop: 60 sign-ins stalled /readyz for 12.7 s. The test
asserts an order, not a time: the readiness probe sent after the burst is answered
before most of the burst is.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.aio import run
from tests.processes import api_process

pytestmark = pytest.mark.slow
# As in the report. Each comes from an address of its own (the API trusts X-Forwarded-For
# from loopback), so the per-address throttle lets every one reach argon2.
BURST = 60


def test_readiness_is_answered_while_passwords_are_checked(database_url: str) -> None:
    async def burst(base: str) -> tuple[int, list[float], float]:
        finished: list[float] = []
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:

            async def sign_in(number: int) -> int:
                answer = await client.post(
                    "/api/v1/session",
                    json={"username": f"nobody{number}", "password": "x"},
                    headers={"X-Forwarded-For": f"10.9.{number}.1"},
                )
                finished.append(time.monotonic())
                return answer.status_code

            attempts = [asyncio.create_task(sign_in(n)) for n in range(BURST)]
            await asyncio.sleep(0.05)  # the burst is in the server before the probe
            asked_at = time.monotonic()
            ready = await client.get("/readyz")
            ready_at = time.monotonic()
            statuses = await asyncio.gather(*attempts)
        assert statuses == [401] * BURST, statuses  # every one was checked, none throttled
        return ready.status_code, [m for m in finished if m > asked_at], ready_at

    with api_process(database_url, {}) as base:
        status, finished, ready_at = run(burst(base))
    assert status == 200
    meanwhile = sum(1 for moment in finished if moment < ready_at)
    print(f"sign-ins answered while /readyz waited: {meanwhile} of {BURST}")
    assert meanwhile <= BURST // 4, f"/readyz waited for {meanwhile} of {BURST} sign-ins"
