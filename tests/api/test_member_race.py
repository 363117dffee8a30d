"""Two writers growing one surge with the same incident at once (issue 19's member
table): both commit, each member is stored once, and the count and headline say how
many there are.

Found by the 1M bench: concurrent single POSTs near a surge each read an older
incident as a new member and the second insert of it failed (409). Since an open
surge takes only the incident that comes to it, two writers add the same member when
they evaluate the same incident (a replay beside the live path). A writer skips a
member another committed first, and sets the count from the members it can see once
it holds the alert's row lock."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from bluewatch.db.engine import Database
from bluewatch.rules import cluster, store
from bluewatch.rules.params import ClusterParams
from tests.aio import run
from tests.api.test_alert_grouping import members
from tests.api.test_alerts import BENI, alerts, near_beni, surge_only
from tests.conftest import settings_for
from tests.factories import GEOJSON, collection

__all__ = ["surge_only"]  # the fixture, used by name

INSERT = """
    INSERT INTO incident (geom, occurred_at, category, severity, title, classification)
    VALUES (ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), now() - interval '1 hour',
            'armed_clash', 3, 'Race', 'unclassified')
    RETURNING id
"""
WAITING = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'
      AND wait_event = 'transactionid'
"""


async def grow_together(database_url: str, db: psycopg.Connection[Any], incident: int) -> bool:
    """Writer A grows the surge with `incident` and holds; writer B evaluates the same
    incident and waits for A's lock; A commits, then B. Returns whether B was seen
    waiting."""
    database = Database(database_url, settings_for(database_url))
    try:
        async with database.read() as connection:
            [rule] = [
                r for r in await store.enabled_rules(connection)
                if isinstance(r.params, ClusterParams)
            ]  # fmt: skip

        async with database.engine.connect() as a, database.engine.connect() as b:
            await cluster.evaluate(a, rule, [incident])
            second = asyncio.create_task(cluster.evaluate(b, rule, [incident]))
            waited = False
            for _ in range(100):  # bounded: 10 s
                row = db.execute(WAITING).fetchone()
                if row is not None and int(str(row[0])) > 0:
                    waited = True
                    break
                await asyncio.sleep(0.1)
            await a.commit()
            await second
            await b.commit()
        return waited
    finally:
        await database.dispose()


def test_two_writers_grow_one_surge_and_each_member_is_stored_once(
    client: TestClient,
    db: psycopg.Connection[Any],
    database_url: str,
    surge_only: None,
) -> None:
    made = client.post(
        "/api/v1/incidents", json=collection(*[near_beni(i) for i in range(3)]), headers=GEOJSON
    )
    [surge] = made.json()["alerts"]
    # A fourth incident within the surge's radius, stored without evaluating the rules.
    row = db.execute(INSERT, {"lon": BENI[0] + 0.05, "lat": BENI[1]}).fetchone()
    assert row is not None and members(client, surge["id"]) == sorted(
        item["id"] for item in made.json()["items"]
    )
    waited = run(grow_together(database_url, db, int(row[0])))
    assert waited  # the race happened: B waited for A's lock on the surge
    [grown] = alerts(client)
    expected = sorted([*(item["id"] for item in made.json()["items"]), int(row[0])])
    assert members(client, surge["id"]) == expected
    assert grown["properties"]["member_count"] == len(expected) == 4
    assert grown["properties"]["headline"].startswith("Surge: 4 incidents")
