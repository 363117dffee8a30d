"""The audit log records who did what, never secrets or geometry, and cannot be rewritten."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, camp, collection, incident


def audit_rows(db: psycopg.Connection[tuple[object, ...]], request_id: str) -> list[dict[str, Any]]:
    cursor = db.execute(
        "SELECT actor, role, action, object_type, object_id, classification::text, result, "
        "request_id, address, details::text FROM audit_log WHERE request_id = %s ORDER BY id",
        (request_id,),
    )
    names = [column.name for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_write_is_audited_with_its_request(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    created = client.post(
        "/api/v1/incidents",
        json=incident(classification="strictly_confidential"),
        headers=GEOJSON | {"X-Request-ID": "audit-create-1"},
    )
    [row] = audit_rows(db, "audit-create-1")
    assert row["actor"] == "key:admin" and row["role"] == "admin"
    assert row["action"] == "incidents.create" and row["result"] == "success"
    assert row["object_id"] == str(created.json()["id"])
    assert row["classification"] == "strictly_confidential"
    assert row["address"] == "testclient"
    assert "coordinates" not in row["details"]  # never geometry

    client.patch(
        f"/api/v1/incidents/{created.json()['id']}",
        json={"properties": {"severity": 5}, "geometry": {"type": "Point", "coordinates": [1, 1]}},
        headers=GEOJSON | {"X-Request-ID": "audit-patch-1"},
    )
    [patched] = audit_rows(db, "audit-patch-1")
    assert patched["action"] == "incidents.update"
    assert '"severity"' in patched["details"] and "coordinates" not in patched["details"]

    client.delete(
        f"/api/v1/incidents/{created.json()['id']}", headers={"X-Request-ID": "audit-del"}
    )
    assert [r["action"] for r in audit_rows(db, "audit-del")] == ["incidents.delete"]


def test_batch_writes_record_counts_and_ids(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    response = client.post(
        "/api/v1/camps",
        json=collection(camp(), camp(name="Second")),
        headers=GEOJSON | {"X-Request-ID": "audit-batch"},
    )
    [row] = audit_rows(db, "audit-batch")
    ids = [item["id"] for item in response.json()["items"]]
    assert '"created": 2' in row["details"] and str(ids[1]) in row["details"]


def test_denials_sign_ins_and_key_changes_are_audited(
    client: TestClient, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post(
        "/api/v1/camps",
        json=camp(),
        headers=GEOJSON | bearer(role_keys.analyst) | {"X-Request-ID": "audit-denied"},
    )
    [denied] = audit_rows(db, "audit-denied")
    assert (denied["action"], denied["result"], denied["actor"]) == (
        "authorization.denied",
        "denied",
        "key:analyst",
    )

    client.post(
        "/api/v1/session",
        json={"username": "nobody", "password": "guess"},
        headers={"X-Request-ID": "audit-signin"},
    )
    [failed] = audit_rows(db, "audit-signin")
    assert (failed["action"], failed["result"]) == ("session.sign_in", "failed")
    assert "guess" not in str(failed)

    key = client.post(
        "/api/v1/keys",
        json={"name": "bot", "role": "viewer", "clearance": "unclassified"},
        headers={"X-Request-ID": "audit-key"},
    ).json()
    [created] = audit_rows(db, "audit-key")
    assert created["action"] == "keys.create"
    assert key["token"] not in str(created)
    everything = db.execute("SELECT string_agg(details::text, ' ') FROM audit_log").fetchone()
    assert everything is not None and key["token"] not in str(everything[0])


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET result = 'failed'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
def test_audit_log_is_append_only(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], statement: str
) -> None:
    client.post("/api/v1/incidents", json=incident(), headers=GEOJSON)
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        db.execute(statement)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone() == before


def test_admins_read_the_audit_log(client: TestClient, role_keys: RoleKeys) -> None:
    client.post("/api/v1/incidents", json=incident(), headers=GEOJSON)
    page = client.get("/api/v1/audit", params={"action": "incidents.create", "limit": "5"})
    assert page.status_code == 200
    items = page.json()["items"]
    assert items and all(item["action"] == "incidents.create" for item in items)
    assert client.get("/api/v1/audit", headers=bearer(role_keys.analyst)).status_code == 403
    assert client.get("/api/v1/audit", params={"limit": "x"}).status_code == 400
