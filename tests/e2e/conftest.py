"""End-to-end fixtures: the sample scenario in the test database, the API (with the built
page) on a loopback port, and Debian's Chromium driven by Playwright.

The page must be built first (``make test`` does it: scripts/build-frontend).
Screenshots go to test-artifacts/ (kept out of git).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.security.admin_cli import create_user
from bluewatch.security.principal import Role
from bluewatch.seed import scenario
from bluewatch.settings import PROJECT_HOME, Settings

ARTIFACTS = PROJECT_HOME / "test-artifacts"
CHROMIUM = os.environ.get("BLUEWATCH_CHROMIUM", "/usr/bin/chromium")
# Headless WebGL through SwiftShader; no calls home (the network is closed anyway).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    username: str
    role: Role
    clearance: Classification


ANALYST = Person("ana", Role.ANALYST, Classification.STRICTLY_CONFIDENTIAL)
VIEWER = Person("vic", Role.VIEWER, Classification.UNCLASSIFIED)
ADMIN = Person("ada", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL)


@pytest.fixture(scope="session")
def built_page() -> Path:
    index = PROJECT_HOME / "frontend" / "dist" / "index.html"
    assert index.is_file(), "build the page first: scripts/build-frontend (make test does)"
    return index


@pytest.fixture
def scenario_db(
    db: psycopg.Connection[tuple[object, ...]], settings: Settings, built_page: Path
) -> psycopg.Connection[tuple[object, ...]]:
    """The sample scenario and three people who can sign in, in an emptied database."""

    async def load() -> None:
        assert settings.database_url is not None
        database = Database(settings.database_url.get_secret_value(), settings)
        try:
            await scenario.load_into(database, settings)
            for person in (ANALYST, VIEWER, ADMIN):
                await create_user(
                    database, person.username, PASSWORD, person.role, person.clearance
                )
        finally:
            await database.dispose()

    # Playwright's sync API keeps an event loop on this thread: load from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, load()).result()
    return db


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Console:
    """What the page printed: every error fails the test unless the test expects it.
    Also every request the page tried to send anywhere but our server (none may be)."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.errors.append(f"{message.text} ({where})" if where else message.text)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(part in e for part in self.allowed)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(
    browser: Browser, live_server: str, scenario_db: object, console: Console
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, base_url=live_server, accept_downloads=True
    )

    # Works without the internet: anything not for our server is refused and recorded.
    def outside(route: Route) -> None:
        console.outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(live_server), outside)
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert console.unexpected() == []
    assert console.outside == []


def sign_in(page: Page, person: Person, path: str = "/") -> None:
    page.goto(path)
    page.fill("#signin-username", person.username)
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    wait_until_ready(page)


def wait_until_ready(page: Page) -> None:
    """The page says it is ready once its layers are loaded and the stream is started."""
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.wait_for_function("() => window.bluewatch.map.loaded()", timeout=30_000)


def screenshot(page: Page, name: str, selector: str | None = None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path))
    return path
