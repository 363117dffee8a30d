"""The bench's world: a database with the synthetic data set, an API process, statistics."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from tests import processes

from bluewatch.classification import Classification
from bluewatch.db import migrate
from bluewatch.db.engine import Database
from bluewatch.db.local import LocalCluster
from bluewatch.security import admin_cli
from bluewatch.security.principal import Role
from bluewatch.seed import synthetic
from bluewatch.settings import Settings
from bluewatch.webhooks.signing import new_secret

SEED = 20261122
CONNECTIONS = 16
API_LOG = Path(__file__).parent / "out" / "api.log"
# Deliveries to the bench's own sinks on loopback, picked up quickly.
DELIVERY_SETTINGS = {
    "BLUEWATCH_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
    "BLUEWATCH_WEBHOOK_POLL_SECONDS": "0.2",
}


@dataclass
class Row:
    """One line of the results table."""

    workload: str
    figure: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline_value:
            return None
        return self.value / self.baseline_value


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        baseline = "" if row.ratio is None else f" ({row.ratio:.2f}× {figure(row.baseline_value)})"
        print(
            f"  {row.workload}: {row.figure} = {figure(row.value)} {row.unit}{baseline}", flush=True
        )

    def table(self) -> str:
        lines = [
            "| workload | figure | value | baseline | baseline value | ratio | target |",
            "|---|---|---:|---|---:|---:|---|",
        ]
        for row in self.rows:
            base = "" if row.baseline_value is None else f"{figure(row.baseline_value)} {row.unit}"
            ratio = "" if row.ratio is None else f"{row.ratio:.2f}×"
            lines.append(
                f"| {row.workload} | {row.figure} | {figure(row.value)} {row.unit} | "
                f"{row.baseline} | {base} | {ratio} | {row.target} |"
            )
        return "\n".join(lines)


def figure(value: float | None) -> str:
    """One decimal, or two significant digits below 1 (0.046 alerts per incident)."""
    if value is None:
        return ""
    return f"{value:.2g}" if 0 < abs(value) < 1 else f"{value:,.1f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; NaN when nothing arrived to measure."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class World:
    url: str
    settings: Settings
    incidents: int
    admin_token: str


@contextmanager
def world(incidents: int, camps: int, routes: int) -> Iterator[World]:
    """A migrated database holding the synthetic set (BLUEWATCH_BENCH_DATABASE_URL or a
    throwaway local cluster)."""
    cluster = None
    url = os.environ.get("BLUEWATCH_BENCH_DATABASE_URL")
    if url is None:
        home = Path(tempfile.mkdtemp(prefix="bluewatch-bench-"))
        cluster = LocalCluster(home=home, port=processes.free_port())
        cluster.up()
        url = cluster.create_database("bluewatch_bench")
    settings = Settings(database_url=None, data_dir=Path("/nonexistent"))
    try:
        started = time.perf_counter()
        migrate.upgrade(settings, url)
        if cluster is None and _holds_data_set(url, incidents):
            print(f"data set: reusing {url.rsplit('/', 1)[-1]}", flush=True)
        else:
            synthetic.load_targets(url, camps, routes, seed=SEED)
            synthetic.load(url, incidents, seed=SEED)
            settle(url)
        print(f"data set: {incidents:,} incidents, {camps} camps, {routes} routes "
              f"({time.perf_counter() - started:.1f}s)", flush=True)  # fmt: skip
        yield World(url, settings, incidents, admin_key(url, settings))
    finally:
        if cluster is not None:
            cluster.destroy()


def settle(url: str) -> None:
    """VACUUM the loaded set, as autovacuum would soon after a load of this size, so the
    workloads read a history in the state a mission's is in (hint bits set, visibility
    known) and autovacuum does not start on the two cores during whichever comes first.
    It did not steady the cold surge batch: the VM's own speed moves it more
    (bench/RESULTS.md, 2026-11-27 20:06 and 20:36)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) incident, camp, route")


def _holds_data_set(url: str, incidents: int) -> bool:
    """A database given by BLUEWATCH_BENCH_DATABASE_URL that an earlier run loaded (for
    profiling between runs; the recorded figures come from a fresh throwaway cluster)."""
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM camp), (SELECT count(*) FROM incident)"
        ).fetchone()
    return row is not None and row[0] > 0 and row[1] >= incidents


def admin_key(url: str, settings: Settings) -> str:
    """An admin key made the way `bluewatch keys create` makes one."""

    async def create() -> str:
        database = Database(url, settings)
        try:
            return await admin_cli.create_key(
                database, "bench", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL, None
            )
        finally:
            await database.dispose()

    return asyncio.run(create())


def api_process(url: str, **settings: str) -> AbstractContextManager[str]:
    """``bluewatch serve`` in its own process, as deployed; yields its base URL.
    ``settings`` are more ``BLUEWATCH_*`` values, named without the prefix. Its log is
    kept in ``bench/out/api.log`` (an error answer in a run can be read afterwards)."""
    API_LOG.parent.mkdir(parents=True, exist_ok=True)
    return processes.api_process(
        url,
        {
            "BLUEWATCH_RATE_LIMIT_PER_MINUTE": "100000000",
            "BLUEWATCH_RATE_LIMIT_BURST": "1000000",
            "BLUEWATCH_EVENT_POLL_SECONDS": "0.5",
            **DELIVERY_SETTINGS,
            **{f"BLUEWATCH_{name.upper()}": value for name, value in settings.items()},
        },
        API_LOG,
    )


@contextmanager
def delivery_worker(url: str) -> Iterator[None]:
    """``bluewatch worker --workers 4`` beside the API's own delivery loop."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= DELIVERY_SETTINGS | {"BLUEWATCH_DATABASE_URL": url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "bluewatch", "worker", "--workers", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def subscribe(url: str, sink_urls: list[str], event_types: list[str], clearance: str) -> None:
    """Webhook subscriptions to the bench's sinks, in place of any earlier ones (their
    sinks are closed)."""
    remove_subscriptions(url)
    with psycopg.connect(url) as connection:
        for sink_url in sink_urls:
            connection.execute(
                "INSERT INTO webhook (url, event_types, clearance, secret) VALUES (%s, %s, %s, %s)",
                (sink_url, event_types, clearance, new_secret()),
            )


Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def load(send: Send, headers: dict[str, str], seconds: float) -> tuple[float, list[float]]:
    """(requests/s, latencies in ms) with CONNECTIONS clients, each sending request
    number n, n + CONNECTIONS, ... for ``seconds``; any error response fails the run.
    A request may take minutes (tipg's z6 tile carries 550k points at 1M incidents)."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CONNECTIONS)
    async with httpx.AsyncClient(headers=headers, timeout=600, limits=limits) as http:

        async def client(offset: int) -> None:
            number = offset
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = await send(http, number)
                response.raise_for_status()
                await response.aread()
                latencies.append((time.perf_counter() - started) * 1000)
                number += CONNECTIONS

        started = time.monotonic()
        await asyncio.gather(*(client(i) for i in range(CONNECTIONS)))
        elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies


def latency_rows(report: Report, workload: str, figure: str, runs: list[list[float]]) -> None:
    """p50, p95 and p99 of each run, as medians over the runs."""
    for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        value = median([percentile(latencies, share) for latencies in runs])
        report.add(Row(workload, f"{figure}, {name}", value, "ms"))


def remove_subscriptions(url: str) -> None:
    """Delete every webhook subscription. The API's delivery loop may hold their rows
    (and their deliveries') while it records attempts, so a deadlock is tried again."""
    for _ in range(20):
        try:
            with psycopg.connect(url) as connection:
                connection.execute("DELETE FROM webhook")
            return
        except psycopg.errors.DeadlockDetected:
            time.sleep(0.5)
    raise RuntimeError("could not remove the bench's webhook subscriptions")
