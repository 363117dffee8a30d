"""An alert's rule and incident are checked once per statement (migration 0017) with
the guarantees the foreign keys gave: a batch naming a missing rule or incident is
refused whole, deleting an incident clears its alerts' `incident_id`, and a rule that
alerts name cannot be deleted."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.api.test_alert_grouping import at, camp_only, post, proximity_alerts

__all__ = ["camp_only"]  # the fixture, used by name

INSERT = """
    INSERT INTO alert (rule_id, rule_kind, level, incident_id, classification, headline, geom)
    SELECT rule_id, 'proximity', 'watch', incident_id, 'unclassified', 'test',
           ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326)
    FROM unnest(%s::bigint[], %s::bigint[]) AS written(rule_id, incident_id)
"""


def count_alerts(db: psycopg.Connection[tuple[object, ...]]) -> int:
    row = db.execute("SELECT count(*) FROM alert").fetchone()
    assert row is not None
    return int(str(row[0]))


def test_a_batch_naming_a_missing_rule_or_incident_is_refused_whole(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    incident_id = post(client, at(100))["items"][0]["id"]
    [alert] = proximity_alerts(client)
    rule_id = alert["properties"]["rule_id"]
    before = count_alerts(db)
    db.execute(INSERT, ([rule_id, rule_id], [incident_id, None]))  # the setup inserts
    assert count_alerts(db) == before + 2
    for rules, incidents in (([rule_id, 99_999], [None, None]), ([rule_id], [99_999])):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), db.transaction():
            db.execute(INSERT, (rules, incidents))
    assert count_alerts(db) == before + 2  # nothing of the refused batches


def test_deleting_an_incident_leaves_its_alert_without_it(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    incident_id = post(client, at(100))["items"][0]["id"]
    [alert] = proximity_alerts(client)
    assert alert["properties"]["incident_id"] == incident_id
    assert client.delete(f"/api/v1/incidents/{incident_id}").status_code == 204
    [kept] = proximity_alerts(client)
    assert (kept["id"], kept["properties"]["incident_id"]) == (alert["id"], None)


def test_a_rule_that_alerts_name_cannot_be_deleted(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], camp_only: None
) -> None:
    post(client, at(100))
    [alert] = proximity_alerts(client)
    unused = db.execute(
        "SELECT id FROM rule WHERE id <> %s ORDER BY id LIMIT 1", (alert["properties"]["rule_id"],)
    ).fetchone()
    assert unused is not None
    with db.transaction():  # a rule no alert names goes (the setup deletes)
        db.execute("DELETE FROM rule WHERE id = %s", (unused[0],))
    with pytest.raises(psycopg.errors.ForeignKeyViolation), db.transaction():
        db.execute("DELETE FROM rule WHERE id = %s", (alert["properties"]["rule_id"],))
    assert len(proximity_alerts(client)) == 1
