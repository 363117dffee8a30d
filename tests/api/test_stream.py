"""The event log's safe horizon and the SSE stream, over real HTTP and real processes."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.events import log
from bluewatch.events.client import Message, SSEListener
from bluewatch.events.hub import EventHub, Subscription
from tests.aio import run
from tests.conftest import RoleKeys, bearer, settings_for
from tests.factories import GEOJSON, incident
from tests.processes import api_process

GOMA = (29.2228, -1.6792)
STREAM = "/api/v1/alerts/stream"


def threaten(client: TestClient, step: int = 0, classification: str = "unclassified") -> int:
    """Post an incident next to the Goma camp; returns the critical alert's id."""
    body = incident(GOMA[0] + step * 0.001, GOMA[1], classification=classification)
    response = client.post("/api/v1/incidents", json=body, headers=GEOJSON)
    critical = [a for a in response.json()["alerts"] if a["properties"]["level"] == "critical"]
    alert_id: int = critical[0]["id"]
    return alert_id


Listen = Callable[..., SSEListener]


@pytest.fixture
def listen(live_server: str, role_keys: RoleKeys) -> Iterator[Listen]:
    opened: list[SSEListener] = []

    class Listener(SSEListener):
        def __init__(
            self,
            key: str | None = None,
            last_event_id: int | None = None,
            base: str = live_server,
        ) -> None:
            super().__init__(base + STREAM, bearer(key or role_keys.viewer), last_event_id)
            opened.append(self)

    yield Listener
    for listener in opened:
        listener.close()


def test_horizon_never_passes_an_uncommitted_lower_id(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    insert = (
        "INSERT INTO event (type, alert_id, classification, data) "
        "VALUES ('alert.updated', 1, 'unclassified', '{}') RETURNING id"
    )

    async def safe_id(horizon: log.Horizon) -> int:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.read() as connection:
                return await horizon.advance(connection)
        finally:
            await database.dispose()

    horizon = log.Horizon()
    start = asyncio.run(safe_id(horizon))
    with psycopg.connect(database_url) as slow, psycopg.connect(database_url) as fast:
        slow.execute("SELECT pg_current_xact_id()")
        low = slow.execute(insert).fetchone()
        fast.execute("SELECT pg_current_xact_id()")
        high = fast.execute(insert).fetchone()
        fast.commit()
        assert low is not None and high is not None and int(str(low[0])) < int(str(high[0]))
        # The higher id is committed, the lower is not: the horizon must not move past it.
        assert asyncio.run(safe_id(horizon)) < int(str(low[0]))
        slow.commit()
    assert asyncio.run(safe_id(horizon)) >= int(str(high[0])) > start


def test_a_stream_receives_an_alert_posted_by_another_client(
    client: TestClient, goma_camp: int, listen: Listen
) -> None:
    listener = listen()
    assert listener.status_code == 200
    assert listener.content_type.startswith("text/event-stream")
    alert_id = threaten(client)
    message = listener.next()
    assert message.type == "alert.created"
    assert set(message.data) == {"id", "type", "timestamp", "data"}
    assert message.data["id"] == message.id
    assert message.data["data"]["id"] == alert_id
    assert message.data["data"]["properties"]["level"] == "critical"


def test_a_fresh_stream_announces_where_it_starts_so_a_break_before_any_alert_loses_nothing(
    client: TestClient, goma_camp: int, listen: Listen
) -> None:
    first = listen()
    deadline = time.monotonic() + 10
    while first.opened_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    position = first.opened_at
    assert position is not None
    first.close()  # the break comes before any alert event reached this client
    missed = threaten(client)
    resumed = listen(last_event_id=position)
    message = resumed.next()
    assert message.type == "alert.created"
    assert message.data["data"]["id"] == missed
    assert resumed.opened_at is None  # a resumed stream carries on; it does not start anew


def test_reconnecting_replays_what_was_missed_exactly_once_even_a_late_commit(
    client: TestClient,
    database_url: str,
    goma_camp: int,
    listen: Listen,
) -> None:
    first = listen()
    alert_id = threaten(client, 0)
    seen = first.next()
    first.close()
    watching = listen()  # stays connected through the late commit

    with psycopg.connect(database_url) as late:
        late.execute("SELECT pg_current_xact_id()")
        row = late.execute(
            "INSERT INTO event (type, alert_id, classification, data) "
            "SELECT 'alert.updated', a.id, a.classification, json_build_object('id', a.id) "
            "FROM alert a WHERE a.id = %s RETURNING id",
            (alert_id,),
        ).fetchone()
        assert row is not None
        late_id = int(str(row[0]))
        newer_alert = threaten(client, 1)  # commits with a higher event id
        assert watching.settle() == []  # held back behind the open transaction
        late.commit()

    def has_both(messages: list[Message]) -> bool:
        ids = {m.id for m in messages}
        return late_id in ids and any(m.data["data"]["id"] == newer_alert for m in messages)

    live = watching.until(has_both)
    assert [m.id for m in live] == sorted(m.id for m in live)

    resumed = listen(last_event_id=seen.id)
    replayed = resumed.until(has_both)
    replayed += resumed.settle()
    ids = [m.id for m in replayed]
    assert ids == sorted(set(ids)), "each missed event exactly once, in order"
    assert late_id in ids and late_id < max(ids)
    assert any(m.data["data"]["id"] == newer_alert for m in replayed)
    assert seen.id not in ids


def test_last_event_id_as_a_query_parameter(
    client: TestClient, goma_camp: int, listen: Listen, live_server: str,
    role_keys: RoleKeys,
) -> None:  # fmt: skip
    threaten(client, 0)
    threaten(client, 1)
    events = client.get("/api/v1/alerts").json()["features"]
    assert len(events) >= 2
    listener = SSEListener(f"{live_server}{STREAM}?last_event_id=0", bearer(role_keys.viewer))
    try:
        replayed = listener.until(lambda ms: len([m for m in ms if m.type == "alert.created"]) >= 2)
        assert len({m.id for m in replayed}) == len(replayed)
    finally:
        listener.close()
    bad = httpx.get(f"{live_server}{STREAM}?last_event_id=x", headers=bearer(role_keys.viewer))
    assert bad.status_code == 400


def test_a_viewer_never_receives_an_alert_above_clearance(
    client: TestClient, goma_camp: int, listen: Listen, role_keys: RoleKeys
) -> None:
    restricted = listen(role_keys.unclassified_viewer)
    threaten(client, 0, classification="strictly_confidential")
    visible = threaten(client, 1, classification="unclassified")
    received = (
        restricted.until(lambda ms: any(m.data["data"]["id"] == visible for m in ms))
        + restricted.settle()
    )
    assert [m.data["data"]["id"] for m in received if m.type == "alert.created"] == [visible]
    assert all(m.data["data"]["properties"]["classification"] == "unclassified" for m in received)
    replayer = listen(role_keys.unclassified_viewer, last_event_id=0)
    replay = replayer.until(lambda ms: any(m.data["data"]["id"] == visible for m in ms))
    replay += replayer.settle()
    assert all(m.data["data"]["properties"]["classification"] == "unclassified" for m in replay)


def test_heartbeats_keep_the_stream_alive(listen: Listen, client: TestClient) -> None:
    listener = listen()
    assert listener.comments.get(timeout=5) == ": heartbeat"


def test_an_alert_raised_through_one_process_reaches_a_stream_on_another(
    client: TestClient, database_url: str, goma_camp: int, listen: Listen
) -> None:
    settings_env = {"BLUEWATCH_EVENT_POLL_SECONDS": "0.2", "BLUEWATCH_SSE_HEARTBEAT_SECONDS": "1"}
    # On leaving, the process is stopped with the stream still open: no hang.
    with api_process(database_url, settings_env) as base:
        listener = listen(base=base)
        alert_id = threaten(client)  # through the in-process app, not the subprocess
        message = listener.next()
        assert message.data["data"]["id"] == alert_id


def test_streams_do_not_wait_behind_requests_for_a_connection(
    database_url: str,
    db: psycopg.Connection[tuple[object, ...]],
    listen: Listen,
    role_keys: RoleKeys,
) -> None:
    """The event hub reads with a pool of its own: with the requests' only connection
    held by a request waiting on a lock, a committed alert event still reaches an open
    stream at once (with one pool, it waited for the request: W7's 17 s p99). The
    request waits in its key's once-a-minute "last used" write, for a table lock that
    (unlike ACCESS EXCLUSIVE) takes no transaction id, so the horizon is not held."""
    settings_env = {
        "BLUEWATCH_POOL_SIZE": "1",
        "BLUEWATCH_POOL_MAX_OVERFLOW": "0",
        "BLUEWATCH_EVENT_POLL_SECONDS": "0.2",
        "BLUEWATCH_SSE_HEARTBEAT_SECONDS": "60",  # no recheck (a request's read) meanwhile
    }
    insert = (
        "INSERT INTO event (type, alert_id, classification, data) "
        "VALUES ('alert.updated', 1, 'unclassified', '{}') RETURNING id"
    )

    def committed_event() -> int:
        row = db.execute(insert).fetchone()
        assert row is not None
        return int(str(row[0]))

    def waiting_on_the_lock() -> bool:
        row = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'UPDATE api_key%'"
        ).fetchone()
        return row is not None and int(str(row[0])) > 0

    with api_process(database_url, settings_env) as base:
        listener = listen(base=base)
        assert listener.status_code == 200
        first = committed_event()
        assert listener.next(timeout=5).id == first  # the stream delivers while idle
        db.execute("UPDATE api_key SET last_used_at = NULL")  # the next request writes it
        headers = bearer(role_keys.viewer)
        # The lock goes (the connection closes) before the pool waits for the request.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            with psycopg.connect(database_url) as locker:
                locker.execute("LOCK TABLE api_key IN EXCLUSIVE MODE")
                held = pool.submit(httpx.get, f"{base}/api/v1/camps", headers=headers, timeout=60)
                for _ in range(100):  # the request holds the pool's only connection
                    if waiting_on_the_lock():
                        break
                    time.sleep(0.05)
                assert waiting_on_the_lock()
                second = committed_event()
                arrived = listener.next(timeout=5)
                assert waiting_on_the_lock(), "the request still held the connection"
            assert held.result().status_code == 200
        assert arrived.id == second


def test_horizon_loses_nothing_under_concurrent_writers(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Writers commit out of order for a few seconds; a horizon reader gets every event.

    This caught an earlier horizon that trusted the snapshot's xmax, which is the newest
    *completed* xid + 1, not a bound on the xids already handed out.
    """
    stop = time.monotonic() + 3
    written: list[int] = []
    guard = threading.Lock()

    def writer(seed: int) -> None:
        pause = random.Random(seed)
        with psycopg.connect(database_url) as connection:
            while time.monotonic() < stop:
                connection.execute("SELECT pg_current_xact_id()")
                time.sleep(pause.random() * 0.01)
                rows = connection.execute(
                    "INSERT INTO event (type, alert_id, classification, data) "
                    "SELECT 'alert.updated', 1, 'unclassified', '{}' "
                    "FROM generate_series(1, 3) RETURNING id"
                ).fetchall()
                time.sleep(pause.random() * 0.02)
                connection.commit()
                with guard:
                    written.extend(int(str(row[0])) for row in rows)

    async def read_all(start: int) -> list[int]:
        database = Database(database_url, settings_for(database_url))
        horizon, delivered = log.Horizon(), start
        seen: list[int] = []

        def finished() -> bool:
            if any(thread.is_alive() for thread in writers):
                return False
            with guard:
                return set(written) <= set(seen)

        try:
            # Until every committed event has arrived; a loss runs into the time limit.
            while not finished() and time.monotonic() < stop + 15:
                async with database.read() as connection:
                    safe = await horizon.advance(connection)
                async with database.read() as connection:
                    while delivered < safe:
                        events = await log.read(connection, delivered, safe)
                        if not events:
                            delivered = safe
                            break
                        seen += [event.id for event in events]
                        delivered = events[-1].id
                await asyncio.sleep(0.005)
        finally:
            await database.dispose()
        return seen

    row = db.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()
    assert row is not None
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in writers:
        thread.start()
    seen = asyncio.run(read_all(int(str(row[0]))))
    for thread in writers:
        thread.join()
    assert len(written) > 100
    assert sorted(seen) == seen, "in id order"
    assert set(written) - set(seen) == set(), "nothing lost"
    assert len(seen) == len(set(seen)), "nothing twice"


def browser_stream(
    client: TestClient, live_server: str, username: str, clearance: str
) -> tuple[int, SSEListener]:
    """A viewer user signed in as a browser is, with the stream open on its cookie."""
    password = "a long enough passphrase"
    created = client.post(
        "/api/v1/users",
        json={"username": username, "password": password, "role": "viewer",
              "clearance": clearance},
    )  # fmt: skip
    assert created.status_code == 201
    with httpx.Client(base_url=live_server) as browser:
        signed_in = browser.post(
            "/api/v1/session", json={"username": username, "password": password}
        )
        assert signed_in.status_code == 201
        cookie = browser.cookies["bluewatch_session"]
    headers = {"Cookie": f"bluewatch_session={cookie}"}
    return int(created.json()["id"]), SSEListener(f"{live_server}{STREAM}", headers)


def test_browsers_open_the_stream_with_their_session_cookie(
    client: TestClient, live_server: str, goma_camp: int
) -> None:
    _, listener = browser_stream(client, live_server, "watch-officer", "unclassified")
    try:
        assert listener.status_code == 200
        alert_id = threaten(client)
        assert listener.until(lambda ms: any(m.data["data"]["id"] == alert_id for m in ms))
    finally:
        listener.close()
    anonymous = httpx.get(f"{live_server}{STREAM}")
    assert anonymous.status_code == 401


def _closed(listener: SSEListener, timeout: float = 10.0) -> tuple[str, dict[str, object]]:
    return listener.notices.get(timeout=timeout)


def test_revoking_the_key_ends_an_open_stream(
    client: TestClient, goma_camp: int, listen: Listen, database_url: str
) -> None:
    created = client.post(
        "/api/v1/keys", json={"name": "wall-screen", "role": "viewer", "clearance": "unclassified"}
    ).json()
    listener = listen(created["token"])
    alert_id = threaten(client)
    assert listener.until(lambda ms: any(m.data["data"]["id"] == alert_id for m in ms))
    assert listener.notices.empty()

    assert client.delete(f"/api/v1/keys/{created['id']}").status_code == 204
    assert _closed(listener) == ("stream.closed", {"reason": "credential"})
    assert listener.ended()
    threaten(client, 1)
    assert listener.messages.empty()


@pytest.mark.parametrize("change", [{"disabled": True}, {"clearance": "unclassified"}])
def test_disabling_or_downgrading_a_user_ends_their_stream(
    client: TestClient, live_server: str, goma_camp: int, change: dict[str, object]
) -> None:
    user_id, listener = browser_stream(client, live_server, "night-watch", "confidential")
    try:
        confidential = threaten(client, classification="confidential")
        assert listener.until(lambda ms: any(m.data["data"]["id"] == confidential for m in ms))
        changed = client.patch(f"/api/v1/users/{user_id}", json=change)
        assert changed.status_code == 200, changed.text
        assert _closed(listener) == ("stream.closed", {"reason": "credential"})
        assert listener.ended()
        threaten(client, 1, classification="confidential")
        assert listener.messages.empty()
    finally:
        listener.close()


@pytest.mark.parametrize("raw", ["9" * 5000, "9" * 20, str(2**63), "²", "-1", "1e3"])
def test_an_impossible_last_event_id_is_a_clear_400(
    client: TestClient, listen: Listen, raw: str
) -> None:
    assert listen(last_event_id=2**63 - 1).status_code == 200  # the largest id is one
    response = client.get(STREAM, params={"last_event_id": raw})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert raw not in response.text


def test_with_no_stream_open_the_hub_observes_the_lag_and_a_stream_opening_meanwhile_misses_nothing(
    database_url: str, db: psycopg.Connection[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no stream open the hub reads only the events' ages (for the lag metric). A
    stream that opens while it reads them starts at the hub's old position, so the hub
    must then hand it those events."""
    ages = log.ages

    def write_events() -> list[int]:
        db.execute("SELECT pg_current_xact_id()")
        rows = db.execute(
            "INSERT INTO event (type, alert_id, classification, data) "
            "SELECT 'alert.updated', 1, 'unclassified', '{}' "
            "FROM generate_series(1, 3) RETURNING id"
        ).fetchall()
        db.commit()
        return [int(str(row[0])) for row in rows]

    async def pump(opening: bool) -> tuple[list[float], list[int]]:
        """The lags the hub observed and the event ids a stream was offered."""
        row = db.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()
        assert row is not None
        lags: list[float] = []
        database = Database(database_url, settings_for(database_url))
        hub = EventHub("postgresql://unused@localhost/unused", database, observe_lag=lags.append)
        hub.delivered_id = int(str(row[0]))
        opened: list[Subscription] = []

        async def ages_then_a_stream_opens(*args: Any) -> list[tuple[int, float]]:
            found = await ages(*args)
            if opening and not opened:
                opened.append(hub.subscribe(Classification.STRICTLY_CONFIDENTIAL))
            return found

        monkeypatch.setattr(log, "ages", ages_then_a_stream_opens)
        written = write_events()
        try:
            for _ in range(250):  # the safe horizon passes the writes within a few samples
                await hub.pump()
                if hub.delivered_id >= written[-1]:
                    break
                await asyncio.sleep(0.02)
        finally:
            await database.dispose()
        assert hub.delivered_id >= written[-1]
        offered = []
        while opened and not opened[0].queue.empty():
            event = opened[0].queue.get_nowait()
            assert event is not None
            offered.append(event.id)
        return lags, [event_id for event_id in offered if event_id in written]

    lags, offered = run(pump(opening=False))
    assert len(lags) >= 3 and all(lag >= 0 for lag in lags)  # each event's lag, no stream
    assert offered == []
    lags, offered = run(pump(opening=True))
    assert len(lags) >= 3
    assert len(offered) == 3  # the stream that opened during the read got all three
