"""W7: commit → SSE event and commit → webhook receipt, under a steady rate of incidents.

100 SSE clients run in a process of their own (``listen``), 10 webhook subscriptions
point at a receiver in another (``sink``), a ``bluewatch worker`` process helps the
API's delivery loop, and this process POSTs single incidents at a fixed rate, each at
a uniformly random place in the mission area (so some raise alerts near camps and
routes and most do not, as in a mission). Latency runs from the event's transaction
time (the ``timestamp`` in the event, read back from the database) to its arrival; an
event that has not arrived 60 s after the last POST is counted as not received (a webhook
delivery still queued then is not dropped: the queue is durable). The CPU that the API
process, PostgreSQL, the delivery worker and the bench's own clients used from the
first POST until everything arrived is reported per POST (``bench/cpu.py``), to tell
which part takes the two cores.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson
import psycopg
from tests import processes
from tests.processes import free_port

from bench import cpu, wire
from bench.harness import (
    SEED,
    Report,
    Row,
    World,
    delivery_worker,
    median,
    percentile,
    remove_subscriptions,
    subscribe,
)
from bluewatch.seed.synthetic import AREA

SSE_CLIENTS = 100
SINKS = 10
DRAIN_SECONDS = 60
EVENT_ID = re.compile(rb"^id: (\d+)$", re.MULTILINE)


def listen(
    url: str, token: str, clients: int, out: str, least: Synchronized[int], stop: Any
) -> None:  # fmt: skip
    """Run ``clients`` SSE streams until ``stop`` is set; write each one's (event id,
    arrival time) pairs to ``out``/<n>.npy. ``least`` holds the fewest alert events any
    client has so far."""
    received: list[dict[int, float]] = [{} for _ in range(clients)]

    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80

    async def one(number: int) -> None:
        """One client that, like the map, resumes with Last-Event-ID when cut off (the
        server ends a stream that falls 10,000 events behind). Plain asyncio streams,
        not an HTTP library: 100 of them in one Python process share the two cores the
        API is measured on, so they should cost as little as they can."""
        seen = received[number]
        while True:
            resume = f"Last-Event-ID: {max(seen)}\r\n" if seen else ""
            request = (
                f"GET {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n{resume}\r\n"
            )
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            try:
                writer.write(request.encode())
                head = await reader.readuntil(b"\r\n\r\n")
                pending = b""
                # The body's chunk framing lines never look like an event's id line.
                while head.startswith(b"HTTP/1.1 200") and (chunk := await reader.read(65536)):
                    now = time.time()
                    pending += chunk
                    complete, _, pending = pending.rpartition(b"\n\n")
                    for match in EVENT_ID.finditer(complete):
                        seen.setdefault(int(match.group(1)), now)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                pass
            finally:
                writer.close()
            await asyncio.sleep(0.1)

    async def main() -> None:
        tasks = [asyncio.create_task(one(n)) for n in range(clients)]
        while not stop.is_set():
            least.value = min(len(seen) for seen in received)
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    for number, seen in enumerate(received):
        np.save(Path(out) / f"{number}.npy", np.array(sorted(seen.items()), dtype=np.float64))


def sink(port: int, out: str, count: Synchronized[int], stop: Any) -> None:
    """The webhook receiver, in a process of its own so that the load generator does not
    slow it down; writes (sink, event id, arrival time) of every request to ``out``."""
    requests: list[tuple[bytes, bytes, float]] = []

    async def main() -> None:
        close = await wire.serve_sink(port, lambda *request: requests.append(request))
        while not stop.is_set():
            count.value = len(requests)
            await asyncio.sleep(0.2)
        await close()

    asyncio.run(main())
    rows = [
        (int(path.rpartition(b"=")[2]), orjson.loads(body)["id"], at) for path, body, at in requests
    ]
    np.save(Path(out) / "sinks.npy", np.array(rows, dtype=np.float64).reshape(-1, 3))


async def post_steadily(
    base: str, headers: dict[str, str], rate: float, seconds: float, run: int
) -> tuple[float, int]:  # fmt: skip
    """POST single incidents at ``rate`` for ``seconds``; (achieved rate, failures)."""
    rng = np.random.default_rng(SEED + 7 + run)
    count = int(rate * seconds)
    lons = rng.uniform(AREA[0], AREA[2], count)
    lats = rng.uniform(AREA[1], AREA[3], count)
    poster = wire.Poster(f"{base}/api/v1/incidents", headers, connections=64)
    poster.start()
    start = time.monotonic()
    for number, (lon, lat) in enumerate(zip(lons.tolist(), lats.tolist(), strict=True)):
        await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
        poster.post({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "occurred_at": datetime.now(UTC).isoformat(),
                "category": "armed_clash",
                "severity": 4,
                "title": f"Bench report {number}",
            },
        })  # fmt: skip
    sent = time.monotonic() - start
    await poster.close()
    return count / max(sent, 1e-6), poster.failures


def _events_after(url: str, after: int) -> dict[int, float]:
    """Alert events after ``after``: id → transaction time (epoch seconds). Layer events
    (``incident.created``…, since issue 17) go to neither the stream's alert readers nor
    the alert subscriptions, so they are not expected."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT id, extract(epoch FROM occurred_at) FROM event"
            " WHERE id > %s AND alert_id IS NOT NULL",
            (after,),
        ).fetchall()
    return {row[0]: float(row[1]) for row in rows}


def _last_event(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()
    return int(row[0]) if row else 0


def measure(
    world: World, base: str, report: Report, rates: tuple[int, ...], seconds: float, runs: int
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    context = multiprocessing.get_context("spawn")
    delivered, stop_sink = context.Value("q", 0), context.Event()
    port = free_port()
    sinks = [f"http://127.0.0.1:{port}/hook?sink={n}" for n in range(SINKS)]
    subscribe(world.url, sinks, ["alert.created", "alert.updated"], "strictly_confidential")
    figures: dict[int, list[dict[str, Any]]] = {}
    with delivery_worker(world.url), tempfile.TemporaryDirectory(prefix="bluewatch-w7-") as out:
        receiver = context.Process(target=sink, args=(port, out, delivered, stop_sink))
        receiver.start()
        try:
            for rate in rates:
                figures[rate] = [
                    _one_run(world, base, headers, delivered, rate, seconds, run)
                    for run in range(runs)
                ]
        finally:
            stop_sink.set()
            receiver.join(timeout=60)
        requests = np.load(Path(out) / "sinks.npy")
    # Nothing left to send to a closed sink; removed once the worker has stopped, as its
    # delivery and digest loops lock the subscriptions a cascading delete needs.
    remove_subscriptions(world.url)
    first: dict[tuple[int, int], float] = {}
    for number, event_id, at in requests:  # at least once: the first receipt counts
        first.setdefault((int(number), int(event_id)), at)
    for rate, runs_of_rate in figures.items():
        for run in runs_of_rate:
            events = run.pop("events")
            assert isinstance(events, dict)
            latencies = [(at - events[i]) * 1000 for (_, i), at in first.items() if i in events]
            run["hook_p50"] = percentile(latencies, 0.5)
            run["hook_p99"] = percentile(latencies, 0.99)
            run["hook_lost"] = SINKS * len(events) - len(latencies)
        _report(report, rate, seconds, runs_of_rate)


def _one_run(
    world: World, base: str, headers: dict[str, str], delivered: Synchronized[int],
    rate: float, seconds: float, run: int,
) -> dict[str, Any]:  # fmt: skip
    """The SSE figures of one run, and its events (id → transaction time) for the sinks."""
    context = multiprocessing.get_context("spawn")
    least = context.Value("q", 0)
    stop = context.Event()
    with tempfile.TemporaryDirectory(prefix="bluewatch-w7-") as out:
        listeners = context.Process(
            target=listen,
            args=(f"{base}/api/v1/alerts/stream", world.admin_token, SSE_CLIENTS, out, least,
                  stop),
        )  # fmt: skip
        listeners.start()
        time.sleep(3)  # the streams open
        after = _last_event(world.url)
        already = delivered.value
        before = cpu.account(processes.SERVED[base])
        posting = time.monotonic()
        achieved, failures = asyncio.run(post_steadily(base, headers, rate, seconds, run))
        posting = time.monotonic() - posting  # longer than ``seconds`` when the API falls behind
        events = _events_after(world.url, after)
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and (
            least.value < len(events) + 1  # + the stream.open position
            or delivered.value - already < SINKS * len(events)
        ):
            time.sleep(0.2)
        used = cpu.account(processes.SERVED[base]) - before  # the POSTs and their delivery
        stop.set()
        listeners.join(timeout=60)
        streams = [np.load(Path(out) / f"{n}.npy") for n in range(SSE_CLIENTS)]
    sse_latencies, sse_lost = [], 0
    for seen in streams:
        arrivals = {int(i): t for i, t in seen}
        for event_id, committed in events.items():
            if event_id in arrivals:
                sse_latencies.append((arrivals[event_id] - committed) * 1000)
            else:
                sse_lost += 1
    return {
        "achieved": achieved, "failures": failures, "events": events,
        "rate": len(events) / posting,
        "taken": int(rate * seconds) / posting,  # from the first sent to the last answered
        "sse_p50": percentile(sse_latencies, 0.5),
        "sse_p99": percentile(sse_latencies, 0.99),
        "sse_lost": sse_lost,
        **{f"cpu_{part}": seconds_used * 1000 / max(int(rate * seconds), 1)
           for part, seconds_used in (("api", used.api), ("postgres", used.postgres),
                                      ("worker", used.worker), ("clients", used.clients),
                                      ("other", used.other))},
    }  # fmt: skip


def _report(report: Report, rate: float, seconds: float, runs: list[dict[str, Any]]) -> None:
    def middle(key: str) -> float:
        return median([run[key] for run in runs])

    def worst(key: str) -> float:
        return float(max(run[key] for run in runs))

    label = f"{rate:,.0f} incidents/s for {seconds:.0f} s"
    rows = [
        Row("W7 live", f"{label}: incidents/s sent", middle("achieved"), "incidents/s"),
        Row("W7 live", f"{label}: POSTs answered/s (first sent → last answered)",
            middle("taken"), "incidents/s"),
        Row("W7 live", f"{label}: POSTs failed", worst("failures"), "requests", target="0"),
        Row("W7 live", f"{label}: alert events/s committed", middle("rate"), "events/s"),
        Row("W7 live", f"{label}: commit → SSE p50 ({SSE_CLIENTS} clients)", middle("sse_p50"),
            "ms"),
        Row("W7 live", f"{label}: commit → SSE p99 ({SSE_CLIENTS} clients)", middle("sse_p99"),
            "ms", target="≤ 250 ms at 100/s"),
        Row("W7 live", f"{label}: SSE events not received {DRAIN_SECONDS} s after the last "
            "POST (all clients, worst run)", worst("sse_lost"),
            "events", target="0"),
        Row("W7 live", f"{label}: commit → webhook p50 ({SINKS} sinks)", middle("hook_p50"), "ms"),
        Row("W7 live", f"{label}: commit → webhook p99 ({SINKS} sinks)", middle("hook_p99"), "ms",
            target="≤ 1,000 ms at 100/s"),
        Row("W7 live", f"{label}: webhook deliveries not received {DRAIN_SECONDS} s after "
            "the last POST (worst run; still queued, not dropped)", worst("hook_lost"),
            "deliveries", target="0"),
        Row("W7 live", f"{label}: CPU per POST, the API process", middle("cpu_api"), "ms"),
        Row("W7 live", f"{label}: CPU per POST, PostgreSQL", middle("cpu_postgres"), "ms"),
        Row("W7 live", f"{label}: CPU per POST, the delivery worker", middle("cpu_worker"),
            "ms"),
        Row("W7 live", f"{label}: CPU per POST, the bench's clients (POSTs, SSE clients, "
            "sink)", middle("cpu_clients"), "ms"),
        Row("W7 live", f"{label}: CPU per POST, anything else", middle("cpu_other"), "ms"),
    ]  # fmt: skip
    for row in rows:
        report.add(row)
