"""The API's connections: planned per execution (but a few incidents' rules), in UTC, with a
statement timeout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.db.engine import Database
from bluewatch.rules import baseline, cluster, engine, proximity, store
from bluewatch.rules.params import Given, ProximityParams
from tests.aio import run
from tests.conftest import settings_for


def test_connections_plan_each_execution_for_its_own_values(database_url: str) -> None:
    """A prepared bbox or tile query must not fall back to a generic plan (bench W4)."""

    async def read_settings() -> list[str]:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.read() as connection:
                names = ("plan_cache_mode", "TimeZone", "statement_timeout")
                return [
                    (await connection.execute(text(f"SHOW {name}"))).scalar_one() for name in names
                ]
        finally:
            await database.dispose()

    found = run(read_settings())
    assert found == ["force_custom_plan", "UTC", "1min"]


def test_statements_stay_prepared_across_reads(database_url: str) -> None:
    """A read ends with COMMIT: at the ROLLBACK closing would send, psycopg forgets the
    statements it prepared, and PostgreSQL parsed every statement of every request."""
    statement = text("SELECT count(*) FROM rule WHERE id > :above")
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM rule WHERE id >%'"
    )

    async def read_repeatedly() -> tuple[int, int]:
        settings = settings_for(database_url, pool_size=1, pool_max_overflow=0)
        database = Database(database_url, settings)
        try:
            async with database.read() as connection:  # one connection: the pool's only one
                before = int((await connection.execute(prepared)).scalar_one())
            for above in range(8):  # psycopg prepares a statement at its 5th execution
                async with database.read() as connection:
                    await connection.execute(statement, {"above": above})
            async with database.read() as connection:
                after = int((await connection.execute(prepared)).scalar_one())
            return before, after
        finally:
            await database.dispose()

    before, after = run(read_repeatedly())
    assert (before, after) == (0, 1)


def test_a_few_incidents_run_the_rules_on_plans_made_once_a_batch_on_its_own(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """A lone POST's rule statements took longer to plan than to run: up to
    ``GENERIC_PLANS_UP_TO`` incidents they run on a generic plan (made once per
    connection), one more on a plan of its own. (``db``: the seeded rules, the surge rule
    on, whatever the test before left.)"""
    surge = text(
        "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
        " FROM pg_prepared_statements"
        " WHERE statement LIKE '%WITH seeds AS%' AND statement LIKE '%i.id = ANY(%'"
        " AND statement NOT LIKE '%pg_prepared_statements%'"  # not this query itself
    )
    # Month-old, 20 km apart, far from any camp: the statements run, nothing is raised.
    insert = text("""
        INSERT INTO incident (geom, occurred_at, category, severity, title)
        SELECT ST_SetSRID(ST_MakePoint(-30 + n * 0.2, -45), 4326), now() - interval '30 days',
               'armed_clash', 3, 'Plan test'
        FROM generate_series(1, :count) AS n
        RETURNING id
    """)

    async def plans_after(counts: list[int]) -> list[tuple[int, int]]:
        settings = settings_for(database_url, pool_size=1, pool_max_overflow=0)
        database = Database(database_url, settings)
        made: list[int] = []
        seen: list[tuple[int, int]] = []
        try:
            for count in counts:  # a transaction each, committed: a rollback unprepares
                async with database.transaction() as connection:
                    ids = list((await connection.execute(insert, {"count": count})).scalars())
                    made += ids
                    assert await engine.evaluate_incidents(connection, ids) == []
                    plans = (await connection.execute(surge)).one()
                    seen.append((int(plans[0]), int(plans[1])))
            return seen
        finally:
            async with database.transaction() as connection:
                await connection.execute(text("DELETE FROM incident WHERE id = ANY(:ids)"),
                                         {"ids": made})  # fmt: skip
            await database.dispose()

    limit = engine.GENERIC_PLANS_UP_TO
    seen = run(plans_after([1] * 6 + [limit, limit + 1]))
    prepared, at_limit, past_limit = seen[5], seen[6], seen[7]
    assert prepared[0] >= 1  # psycopg prepared it at its 5th use: generic since
    assert at_limit == (prepared[0] + 1, prepared[1])
    assert past_limit == (at_limit[0], at_limit[1] + 1)


def test_no_rule_statement_a_few_incidents_run_asks_whether_ids_were_given() -> None:
    """On a generic plan, ``:ids IS NULL OR id = ANY(:ids)`` cannot use the index: the
    incidents are scanned (a baseline rule's single-incident evaluation took 3 s at 1M
    instead of 0.35). Every statement the rules run for given incidents is written for
    its scope instead."""
    given = [Given(True, False), Given(False, True), Given(False, False)]
    statements = [cluster.STATEMENTS[True], cluster.STATEMENTS[False]]
    for target in ("camp", "route"):
        statements += [baseline.statement(target, scope) for scope in given]
        statements += [proximity.step_down(target, 3, scope) for scope in given]
        statements += [
            proximity.statement(target, 3, grouped, dwell, scope)
            for grouped in (False, True)
            for dwell in (False, True)
            for scope in given
        ]
    asked = [s.text for s in statements if re.search(r"_ids AS bigint\[\]\) IS NULL", s.text)]
    assert len(statements) == 2 + 2 * (3 + 3 + 12)
    assert asked == []
    assert re.search(r"_ids AS bigint\[\]\) IS NULL", "CAST(:incident_ids AS bigint[]) IS NULL")


def test_a_grouped_rule_finds_its_alerts_by_their_indexes_whatever_the_statistics(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """With a cooldown, the proximity statement asks of each pair whether its incident is
    already a member of an alert of the rule and target, then which alert its band
    opened within the cooldown. Planned from statistics taken before a batch's alerts
    existed (as they are until autovacuum catches up), the first read every alert of the
    rule and target for each pair (switching a cooldown on over 10,000 recent incidents:
    34 s for camps, past the statement timeout for routes), the second every alert at
    the target (a 1,000-incident batch: 3.8 s instead of 0.6). Each must go by its
    index, whatever the statistics say."""
    statement = proximity.statement("camp", 3, True, False, Given(False, False))
    # Statistics taken of tables without alerts (as after a deployment); then incidents
    # along a route and as many at a camp raise an alert each.
    analyze = ("ANALYZE alert", "ANALYZE alert_member")
    near_route = (
        "INSERT INTO route (name, geom, status) VALUES ('Plan road', ST_SetSRID("
        "ST_MakeLine(ST_MakePoint(30.0, -2.0), ST_MakePoint(30.1, -2.0)), 4326), 'active')",
        _incidents_along("30.0", "-1.999"),
    )
    near_camp = (
        "INSERT INTO camp (name, geom) VALUES ('Plan camp', ST_MakeEnvelope(29.2, -1.7,"
        " 29.21, -1.69, 4326))",
        _incidents_along("29.22", "-1.695"),
    )

    async def plan() -> tuple[list[int], dict[str, Any]]:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.transaction() as connection:
                for sql in analyze:
                    await connection.execute(text(sql))
                raised = []
                for target, incidents in (near_route, near_camp):
                    await connection.execute(text(target))
                    new = list((await connection.execute(text(incidents))).scalars())
                    raised.append(len(await engine.evaluate_incidents(connection, new)))
                found = await _camp_rule_plan(
                    connection, statement, {"cooldown_minutes": 60}, proximity.Scope()
                )
                await connection.rollback()
                return raised, found
        finally:
            await database.dispose()

    raised, found = run(plan())
    # The setup worked: each incident has its alert (and member) of each target (and the
    # surge rule raised or grew its own).
    assert min(raised) >= 500
    scans = list(_scans(found))
    assert "am" in [alias for relation, _, alias, _ in scans if relation == "alert_member"]
    # An incident's alerts, from its memberships: each by its key.
    assert [index for _, index, alias, _ in scans if alias == "m"] == ["pk_alert"]
    # Its band's open group: by the target, the rule and the band, newest first.
    [(index, condition)] = [(index, cond) for _, index, alias, cond in scans if alias == "a"]
    assert index == "ix_alert_target"
    assert all(column in condition for column in ("rule_id", "level", "created_at"))


async def _camp_rule_plan(
    connection: AsyncConnection,
    statement: TextClause,
    change: dict[str, Any],
    scope: proximity.Scope,
) -> dict[str, Any]:
    """The plan (EXPLAIN, FORMAT JSON) of `statement` bound for the seeded camp proximity
    rule with its params changed by `change`, over `scope`."""
    [camp_rule] = [
        r for r in await store.enabled_rules(connection)
        if isinstance(r.params, ProximityParams) and r.params.target == "camp"
    ]  # fmt: skip
    changed = camp_rule.params.model_copy(update=change)
    rule = store.Rule(camp_rule.id, camp_rule.name, True, changed)
    explained = text(f"EXPLAIN (FORMAT JSON) {statement.text}")
    found = await connection.execute(explained, proximity.bound_values(rule, scope))
    plan: dict[str, Any] = found.scalar_one()[0]["Plan"]
    return plan


def _incidents_along(lon: str, lat: str) -> str:
    """SQL: 500 incidents an hour ago, 11 m apart eastward from (`lon`, `lat`)."""
    return (
        "INSERT INTO incident (geom, occurred_at, category, severity, title)"
        f" SELECT ST_SetSRID(ST_MakePoint({lon} + n * 0.0001, {lat}), 4326),"
        " now() - interval '1 hour', 'armed_clash', 3, 'Plan test'"
        " FROM generate_series(1, 500) AS n RETURNING id"
    )


def _scans(node: dict[str, Any]) -> Iterator[tuple[str, str | None, str, str]]:
    """(relation, index or None, alias, index condition or "") of every scan in an
    EXPLAIN (FORMAT JSON) plan."""
    if "Relation Name" in node and "Scan" in node["Node Type"]:
        condition = node.get("Index Cond", "")
        yield node["Relation Name"], node.get("Index Name"), node["Alias"], condition
    for child in node.get("Plans", []):
        yield from _scans(child)


def test_a_dwell_looks_for_the_other_report_in_the_target_s_space_time_box(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """A rule with a dwell asks of each pair whether another report lies in the band at
    least the dwell apart. By the geography index ANDed with the time index, each pair
    read every recent incident of the area (a changed route rule over 16,000 recent
    pairs at 10k: 8.5 s); by the geography index alone it would read the target's whole
    history. It must probe the (lon, lat, days) GiST once."""
    statement = proximity.statement("camp", 3, False, True, Given(True, False))
    arrange = (
        "INSERT INTO camp (name, geom) VALUES ('Dwell camp', ST_MakeEnvelope(29.2, -1.7,"
        " 29.21, -1.69, 4326))",
        # Two months of reports around the camp, the newest a day old.
        "INSERT INTO incident (geom, occurred_at, category, severity, title)"
        " SELECT ST_SetSRID(ST_MakePoint(29.1 + (n % 100) * 0.003, -1.8 + (n / 100) * 0.003),"
        " 4326), now() - make_interval(hours => 24 + n % 1440), 'armed_clash', 3, 'Dwell'"
        " FROM generate_series(1, 5000) AS n",
        "ANALYZE incident",
    )

    async def plan() -> tuple[int, dict[str, Any]]:
        database = Database(database_url, settings_for(database_url))
        try:
            async with database.transaction() as connection:
                for sql in arrange:
                    await connection.execute(text(sql))
                ids = list((await connection.execute(text("SELECT id FROM incident"))).scalars())
                scope = proximity.Scope(incident_ids=ids[:10])
                found = await _camp_rule_plan(connection, statement, {"dwell_minutes": 30}, scope)
                await connection.rollback()
                return len(ids), found
        finally:
            await database.dispose()

    stored, found = run(plan())
    assert stored == 5000  # the setup worked
    on_incidents = [index for relation, index, _, _ in _scans(found) if relation == "incident"]
    assert "ix_incident_space_time" in on_incidents
    assert "ix_incident_occurred_at" not in on_incidents
