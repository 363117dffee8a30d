"""W8: the analyst's map, from navigation to ready (layers loaded, stream open), in
Debian's Chromium driven by Playwright against the API process. Target: usable in 2 s.

There is no peer to run beside it; the figure is absolute, like W7's latencies.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from playwright.sync_api import sync_playwright

from bench.harness import Report, Row, World, median, percentile
from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.security.admin_cli import create_user
from bluewatch.security.principal import Role

CHROMIUM = os.environ.get("BLUEWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "bench page password"  # noqa: S105 - a throwaway user in the bench database


def _analyst(world: World) -> str:
    async def create() -> None:
        database = Database(world.url, world.settings)
        try:
            await create_user(
                database, "bench-analyst", PASSWORD, Role.ANALYST,
                Classification.STRICTLY_CONFIDENTIAL,
            )  # fmt: skip
        finally:
            await database.dispose()

    asyncio.run(create())
    return "bench-analyst"


def load_times(base: str, username: str, password: str, loads: int) -> list[float]:
    """Milliseconds from navigation to ready, for ``loads`` reloads of a signed-in page."""
    timings: list[float] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(base)
        page.fill("#signin-username", username)
        page.fill("#signin-password", password)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("body[data-ready='true']", timeout=60_000)
        for _ in range(loads):
            started = time.perf_counter()
            page.goto(base)  # signed in: the session cookie is kept
            page.wait_for_selector("body[data-ready='true']", timeout=60_000)
            page.wait_for_function("() => window.bluewatch.map.loaded()", timeout=60_000)
            timings.append((time.perf_counter() - started) * 1000)
        browser.close()
    return timings


def measure(world: World, base: str, report: Report, loads: int, runs: int) -> None:
    timings = load_times(base, _analyst(world), PASSWORD, runs * loads)
    label = f"navigation → ready ({world.incidents:,} synthetic incidents)"
    report.add(Row("W8 page", f"{label}, p50", median(timings), "ms", target="≤ 2000 ms"))
    report.add(Row("W8 page", f"{label}, p95", percentile(timings, 0.95), "ms"))


if __name__ == "__main__":
    # Against a running Bluewatch, e.g. `make run` with the sample scenario:
    #   BLUEWATCH_PAGE_PASSWORD=... python -m bench.page http://127.0.0.1:8000 admin 10
    base, username, loads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    found = load_times(base, username, os.environ["BLUEWATCH_PAGE_PASSWORD"], loads)
    print(f"navigation → ready: p50 {median(found):.0f} ms, p95 {percentile(found, 0.95):.0f} ms")
