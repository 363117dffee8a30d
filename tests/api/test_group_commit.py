"""Single incidents POSTed at the same moment share one transaction (layers/group_commit.py),
and each keeps its own answer, alerts, audit entry and errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.errors import NotFound
from bluewatch.layers import INCIDENTS, service
from bluewatch.layers.group_commit import GroupCommit
from bluewatch.layers.service import CreateResult
from bluewatch.security.principal import Actor, Principal, Role
from bluewatch.settings import Settings
from tests.aio import run
from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, incident

GOMA = (29.2228, -1.6792)
FAR = (27.0, -4.5)  # hundreds of km from the camp: no alert
ADMIN = Actor(Principal("key:admin", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL))
ANALYST = Actor(Principal("key:analyst", Role.ANALYST, Classification.CONFIDENTIAL))


def transactions(db: psycopg.Connection[tuple[object, ...]], ids: list[int]) -> int:
    """How many transactions wrote these incidents."""
    row = db.execute(
        "SELECT count(DISTINCT xmin::text) FROM incident WHERE id = ANY(%s)", (ids,)
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def rests_on(db: psycopg.Connection[tuple[object, ...]], alert_id: int, incident_id: int) -> bool:
    """The alert is the incident's own, or the incident is among its members (a surge)."""
    row = db.execute(
        "SELECT a.incident_id = %(i)s OR EXISTS (SELECT FROM alert_member m"
        " WHERE m.alert_id = a.id AND m.incident_id = %(i)s) FROM alert a WHERE a.id = %(a)s",
        {"a": alert_id, "i": incident_id},
    ).fetchone()
    return row is not None and row[0] is True


def check_alerts(
    db: psycopg.Connection[tuple[object, ...]], incident_id: int, alerts: list[Any], near: bool
) -> None:
    """Near the camp: its own alerts (one raised by it at least), each resting on it;
    far away: none (not even the others' alerts)."""
    if not near:
        assert alerts == []
        return
    assert incident_id in {a["properties"]["incident_id"] for a in alerts}
    assert all(rests_on(db, a["id"], incident_id) for a in alerts)


def posted(number: int, near: bool, **properties: Any) -> dict[str, Any]:
    """Near the camp, or far from it and from each other (no surge among them)."""
    lon, lat = (GOMA[0] + number * 1e-5, GOMA[1]) if near else (FAR[0] + number * 0.5, FAR[1])
    return incident(lon, lat, title=f"Report {number}", **properties)


def create_all(
    settings: Settings, bodies: list[tuple[Actor, dict[str, Any]]], most: int = 100
) -> list[Any]:
    """POST these through one group commit at once (in process: all queue before the
    first transaction starts); each one's result or error."""

    async def go() -> list[CreateResult | BaseException]:
        database = Database(settings.database_url.get_secret_value(), settings)  # type: ignore[union-attr]
        group = GroupCommit(database, most)
        limits = settings.geometry_limits()
        try:
            posts = [service.prepare(INCIDENTS, body, actor, limits) for actor, body in bodies]
            every = asyncio.gather(*(group.create(post) for post in posts), return_exceptions=True)
            return await asyncio.wait_for(every, 60)  # an unanswered POST fails, not hangs
        finally:
            await database.dispose()

    return run(go())


def test_posts_together_share_one_transaction_and_keep_their_own_answers(
    settings: Settings, db: psycopg.Connection[tuple[object, ...]], goma_camp: int
) -> None:
    bodies = [(ADMIN if n % 2 else ANALYST, posted(n, near=n % 3 == 0)) for n in range(12)]
    started = db.execute("SELECT clock_timestamp()").fetchone()
    results = create_all(settings, bodies)
    ids = [result.outcome.ids[0] for result in results]
    assert transactions(db, ids) == 1
    for number, result in enumerate(results):
        assert result.outcome.results == ["created"]
        assert result.feature is not None
        feature = orjson.loads(result.feature)
        assert (feature["id"], feature["properties"]["title"]) == (ids[number], f"Report {number}")
        alerts = [orjson.loads(a) for a in result.alerts]
        check_alerts(db, ids[number], alerts, near=number % 3 == 0)
    audited = db.execute(
        "SELECT object_id, actor FROM audit_log WHERE action = 'incidents.create'"
        " AND at >= %s",  # the log is kept across tests
        started,
    ).fetchall()
    assert sorted(audited) == sorted(
        (str(i), actor.principal.name) for i, (actor, _) in zip(ids, bodies, strict=True)
    )


@pytest.mark.parametrize(("count", "expected"), [(3, 1), (4, 2)])
def test_a_group_holds_at_most_its_limit(
    settings: Settings, db: psycopg.Connection[tuple[object, ...]], count: int, expected: int
) -> None:
    results = create_all(settings, [(ADMIN, posted(n, False)) for n in range(count)], most=3)
    assert transactions(db, [r.outcome.ids[0] for r in results]) == expected


def test_one_posts_error_stays_its_own_and_the_others_are_stored(
    settings: Settings, db: psycopg.Connection[tuple[object, ...]], goma_camp: int
) -> None:
    secret = {"external_source": "unmiss", "external_id": "S-1"}
    first = create_all(settings, [(ADMIN, posted(99, True, classification="strictly_confidential",
                                                 **secret))])  # fmt: skip
    assert isinstance(first[0], CreateResult)
    # The analyst (confidential) may not overwrite the strictly confidential record.
    bodies = [(ADMIN, posted(n, near=True)) for n in range(6)]
    bodies.insert(3, (ANALYST, posted(50, True, **secret)))
    results = create_all(settings, bodies)
    assert isinstance(results[3], NotFound)
    assert "item 0" in str(results[3])  # its own position, not the group's
    stored = [r.outcome.ids[0] for n, r in enumerate(results) if n != 3]
    assert all(isinstance(r, CreateResult) for n, r in enumerate(results) if n != 3)
    row = db.execute(
        "SELECT count(*) FROM incident WHERE id = ANY(%s) AND title LIKE 'Report %%'", (stored,)
    ).fetchone()
    assert row is not None and row[0] == 6
    for result in results[:3] + results[4:]:
        assert result.alerts, "each stored with its alerts"
    unchanged = db.execute("SELECT classification, title FROM incident WHERE external_id = 'S-1'")
    assert unchanged.fetchall() == [("strictly_confidential", "Report 99")]


def test_the_same_key_twice_in_one_group(
    settings: Settings, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Two POSTs of one external key: one upsert cannot touch a row twice, so the group
    fails and each goes alone, the first creating and the second updating."""
    key = {"external_source": "acled", "external_id": "A-7"}
    results = create_all(settings, [(ADMIN, posted(1, False, **key)),
                                    (ADMIN, posted(2, False, **key))])  # fmt: skip
    assert [r.outcome.results for r in results] == [["created"], ["updated"]]
    assert results[0].outcome.ids == results[1].outcome.ids
    rows = db.execute("SELECT title FROM incident WHERE external_id = 'A-7'").fetchall()
    assert rows == [("Report 2",)]


def test_single_posts_over_http_are_grouped_and_answered_each(
    live_server: str,
    role_keys: RoleKeys,
    db: psycopg.Connection[tuple[object, ...]],
    goma_camp: int,
) -> None:
    count = 40

    async def post_all() -> list[httpx.Response]:
        headers = {**bearer(role_keys.analyst), **GEOJSON}
        async with httpx.AsyncClient(base_url=live_server, headers=headers, timeout=60) as http:
            return await asyncio.gather(
                *(
                    http.post("/api/v1/incidents", json=posted(n, near=n % 4 == 0))
                    for n in range(count)
                )
            )

    responses = run(post_all())
    assert [r.status_code for r in responses] == [201] * count
    ids = [r.json()["id"] for r in responses]
    for number, response in enumerate(responses):
        answer = response.json()
        assert answer["properties"]["title"] == f"Report {number}"
        assert response.headers["location"].endswith(f"/incidents/{ids[number]}")
        check_alerts(db, ids[number], answer["alerts"], near=number % 4 == 0)
    assert transactions(db, ids) < count  # some went together
