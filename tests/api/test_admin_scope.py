"""An administrator manages only what lies within their own clearance (issue 14, 1, 2, 8).

Users, API keys, webhook subscriptions and audit entries above an administrator's
clearance do not exist for that administrator: 404 on every action, absent from lists.
Every negative check is preceded by the same action succeeding for a fully cleared admin,
so a 404 cannot come from a broken setup.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer, make_key

PASSWORD = "a long enough passphrase"


@pytest.fixture
def low_admin(client: TestClient, database_url: str) -> dict[str, str]:
    return bearer(make_key(database_url, "admin", "unclassified", name="low-admin"))


def _user(client: TestClient, name: str, clearance: str) -> dict[str, Any]:
    body = {"username": name, "password": PASSWORD, "role": "analyst", "clearance": clearance}
    created = client.post("/api/v1/users", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _key(client: TestClient, name: str, clearance: str) -> dict[str, Any]:
    created = client.post(
        "/api/v1/keys", json={"name": name, "role": "viewer", "clearance": clearance}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def _webhook(client: TestClient, clearance: str) -> dict[str, Any]:
    created = client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "clearance": clearance}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_users_above_clearance_do_not_exist_for_an_admin(
    client: TestClient, low_admin: dict[str, str]
) -> None:
    high = _user(client, "high-analyst", "strictly_confidential")
    low = _user(client, "low-analyst", "unclassified")

    listed = client.get("/api/v1/users", headers=low_admin).json()["items"]
    assert [u["username"] for u in listed] == ["low-analyst"]
    everyone = client.get("/api/v1/users").json()["items"]
    assert {"high-analyst", "low-analyst"} <= {u["username"] for u in everyone}

    # The low admin can act on the user within its clearance...
    changed = client.patch(
        f"/api/v1/users/{low['id']}", json={"password": PASSWORD + "!"}, headers=low_admin
    )
    assert changed.status_code == 200, changed.text
    # ...and on nobody above it: no takeover by password, no disabling, no deletion.
    for change in ({"password": "taken over, every one"}, {"disabled": True}, {"role": "viewer"}):
        refused = client.patch(f"/api/v1/users/{high['id']}", json=change, headers=low_admin)
        assert refused.status_code == 404, refused.text
    assert client.delete(f"/api/v1/users/{high['id']}", headers=low_admin).status_code == 404
    signed_in = client.post(
        "/api/v1/session", json={"username": "high-analyst", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, "the high user's password must be unchanged"
    client.cookies.clear()
    after = {u["username"]: u for u in client.get("/api/v1/users").json()["items"]}
    assert after["high-analyst"]["disabled"] is False
    assert after["high-analyst"]["role"] == "analyst"


def test_keys_above_clearance_do_not_exist_for_an_admin(
    client: TestClient, low_admin: dict[str, str]
) -> None:
    high = _key(client, "high-key", "strictly_confidential")
    low = _key(client, "low-key", "unclassified")

    listed = {k["name"] for k in client.get("/api/v1/keys", headers=low_admin).json()["items"]}
    assert "low-key" in listed
    assert all(k["clearance"] == "unclassified" for k in client.get(
        "/api/v1/keys", headers=low_admin).json()["items"])  # fmt: skip
    assert "high-key" not in listed
    assert client.delete(f"/api/v1/keys/{low['id']}", headers=low_admin).status_code == 204
    assert client.delete(f"/api/v1/keys/{high['id']}", headers=low_admin).status_code == 404
    still = client.get("/api/v1/incidents", headers=bearer(high["token"]))
    assert still.status_code == 200, "the high key must still work"
    revoked = client.get("/api/v1/incidents", headers=bearer(low["token"]))
    assert revoked.status_code == 401


def test_webhooks_above_clearance_do_not_exist_for_an_admin(
    client: TestClient, low_admin: dict[str, str]
) -> None:
    high = _webhook(client, "strictly_confidential")
    low = _webhook(client, "unclassified")
    delivery = client.post(f"/api/v1/webhooks/{high['id']}/test")
    assert delivery.status_code == 202, delivery.text
    base = f"/api/v1/webhooks/{high['id']}"
    redirect = {"url": "http://127.0.0.2:9/attacker"}

    # Everything the low admin tries on its own subscription works (the setup is sound).
    own = f"/api/v1/webhooks/{low['id']}"
    assert client.get(own, headers=low_admin).status_code == 200
    assert client.patch(own, json=redirect, headers=low_admin).status_code == 200
    assert client.post(f"{own}/rotate", headers=low_admin).status_code == 200
    assert client.get(f"{own}/deliveries", headers=low_admin).status_code == 200
    # The full admin reaches the high subscription the same ways.
    assert client.get(base).status_code == 200
    assert client.get(f"{base}/deliveries").json()["items"]

    listed = client.get("/api/v1/webhooks", headers=low_admin).json()["items"]
    assert [w["id"] for w in listed] == [low["id"]]
    attempts = [
        client.get(base, headers=low_admin),
        client.patch(base, json=redirect, headers=low_admin),
        client.post(f"{base}/rotate", headers=low_admin),
        client.get(f"{base}/deliveries", headers=low_admin),
        client.post(f"{base}/deliveries/{delivery.json()['id']}/retry", headers=low_admin),
        client.post(f"{base}/test", headers=low_admin),
        client.delete(base, headers=low_admin),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert all("secret" not in a.json() for a in attempts)
    unchanged = client.get(base).json()
    assert unchanged["url"] == high["url"]
    assert unchanged["rotating"] is False


def test_audit_entries_above_clearance_are_hidden(
    client: TestClient, low_admin: dict[str, str], role_keys: RoleKeys
) -> None:
    high = _user(client, "audited-high", "strictly_confidential")
    low = _user(client, "audited-low", "unclassified")
    hidden_incident = client.post(
        "/api/v1/incidents",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [29.2, -1.6]},
            "properties": {
                "occurred_at": "2026-11-01T10:00:00Z",
                "category": "ied",
                "severity": 4,
                "title": "hidden",
                "classification": "strictly_confidential",
            },
        },
    )
    assert hidden_incident.status_code == 201, hidden_incident.text

    def about(headers: dict[str, str]) -> set[tuple[str, str]]:
        entries = client.get("/api/v1/audit", params={"limit": 1000}, headers=headers)
        assert entries.status_code == 200, entries.text
        return {(e["object_type"], e["object_id"]) for e in entries.json()["items"]}

    hidden = {("app_user", str(high["id"])), ("incident", str(hidden_incident.json()["id"]))}
    full = about(bearer(role_keys.admin))
    assert hidden | {("app_user", str(low["id"]))} <= full
    limited = about(low_admin)
    assert ("app_user", str(low["id"])) in limited
    assert not hidden & limited
    for entry in client.get("/api/v1/audit", params={"limit": 1000}, headers=low_admin).json()[
        "items"
    ]:
        assert entry["classification"] in (None, "unclassified")
