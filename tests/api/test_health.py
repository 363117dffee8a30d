"""Liveness and readiness."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_migration(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_is_503_when_the_schema_is_behind(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row is not None
    db.execute("UPDATE alembic_version SET version_num = '0001'")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
    finally:
        db.execute("UPDATE alembic_version SET version_num = %s", (row[0],))
