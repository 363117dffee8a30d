"""The role matrix: every route the app serves, for anonymous, viewer, analyst and admin.

The table below is the contract. A route the app serves that is missing here fails
the first test, so a new route cannot ship without a decided policy.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bluewatch.api.policy import route_policy, routes
from tests.conftest import RoleKeys, bearer

PUBLIC, VIEWER, ANALYST, ADMIN = "public", "viewer", "analyst", "admin"
RANK = {VIEWER: 0, ANALYST: 1, ADMIN: 2}

EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): VIEWER,
    ("GET", "/docs"): VIEWER,
    ("POST", "/api/v1/session"): PUBLIC,
    ("GET", "/api/v1/session"): VIEWER,
    ("GET", "/api/v1/session/current"): PUBLIC,
    ("GET", "/api/v1/map"): VIEWER,
    ("GET", "/api/v1/map/zones"): VIEWER,
    ("GET", "/api/v1/map/basemap.pmtiles"): VIEWER,
    ("GET", "/"): PUBLIC,
    ("GET", "/assets/{name}"): PUBLIC,
    ("DELETE", "/api/v1/session"): VIEWER,
    ("GET", "/api/v1/keys"): ADMIN,
    ("POST", "/api/v1/keys"): ADMIN,
    ("DELETE", "/api/v1/keys/{key_id}"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN,
    ("DELETE", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/alerts"): VIEWER,
    ("GET", "/api/v1/alerts/stream"): VIEWER,
    ("GET", "/api/v1/alerts/cap.atom"): VIEWER,
    ("GET", "/api/v1/alerts/{alert_id}"): VIEWER,
    ("GET", "/api/v1/alerts/{alert_id}/cap"): VIEWER,
    ("GET", "/api/v1/alerts/{alert_id}/members"): VIEWER,
    ("GET", "/api/v1/incidents/{incident_id}/casevac"): VIEWER,
    ("GET", "/api/v1/coverage"): VIEWER,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): ANALYST,
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): ANALYST,
    ("GET", "/api/v1/rules"): ADMIN,
    ("POST", "/api/v1/rules"): ADMIN,
    ("PATCH", "/api/v1/rules/{rule_id}"): ADMIN,
    ("GET", "/metrics"): VIEWER,
    ("GET", "/api/v1/webhooks"): ADMIN,
    ("POST", "/api/v1/webhooks"): ADMIN,
    ("GET", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate"): ADMIN,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): ADMIN,
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): ADMIN,
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): ADMIN,
    ("GET", "/api/v1/export/{name}"): ANALYST,
    ("GET", "/api/v1/export/bundle.zip"): ANALYST,
    ("POST", "/api/v1/import/{layer}"): ANALYST,
    ("GET", "/api/v1/tiles/{layer}/{z}/{x}/{y}.pbf"): VIEWER,
    ("GET", "/api/v1/tiles/{layer}.json"): VIEWER,
    ("GET", "/ogc"): VIEWER,
    ("GET", "/ogc/"): VIEWER,
    ("GET", "/ogc/api"): VIEWER,
    ("GET", "/ogc/conformance"): VIEWER,
    ("GET", "/ogc/collections"): VIEWER,
    ("GET", "/ogc/collections/{collection_id}"): VIEWER,
    ("GET", "/ogc/collections/{collection_id}/queryables"): VIEWER,
    ("GET", "/ogc/collections/{collection_id}/items"): VIEWER,
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): VIEWER,
}
EXPECTED |= {
    ("GET", "/api/v1/alerts/{alert_id}/units"): VIEWER,
    ("POST", "/api/v1/alerts/{alert_id}/tasks"): ANALYST,
    ("GET", "/api/v1/tasks"): VIEWER,
    ("GET", "/api/v1/tasks/{task_id}"): VIEWER,
    ("PATCH", "/api/v1/tasks/{task_id}"): ANALYST,
    ("GET", "/api/v1/reports/response-times"): ANALYST,
    ("GET", "/api/v1/reports/response-times.csv"): ANALYST,
}
STREAMS = {("GET", "/api/v1/alerts/stream")}  # endless bodies: checked over real HTTP
for layer, writer in (
    ("incidents", ANALYST), ("routes", ANALYST), ("camps", ADMIN), ("roads", ANALYST),
    ("facilities", ADMIN), ("units", ANALYST),
):  # fmt: skip
    EXPECTED |= {
        ("GET", f"/api/v1/{layer}"): VIEWER,
        ("POST", f"/api/v1/{layer}"): writer,
        ("GET", f"/api/v1/{layer}/{{record_id}}"): VIEWER,
        ("PATCH", f"/api/v1/{layer}/{{record_id}}"): writer,
        ("DELETE", f"/api/v1/{layer}/{{record_id}}"): ADMIN,
    }


def served(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in routes(client.app):  # type: ignore[arg-type]
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, str(route.path)))
    return found


def test_every_served_route_has_a_decided_policy(client: TestClient) -> None:
    assert served(client) == set(EXPECTED)
    for route in routes(client.app):  # type: ignore[arg-type]
        assert route_policy(route) is not None, route.path


@pytest.mark.parametrize("who", ["anonymous", VIEWER, ANALYST, ADMIN])
@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_role_matrix(
    client: TestClient,
    live_server: str,
    role_keys: RoleKeys,
    who: str,
    method: str,
    path: str,
) -> None:
    client.headers.pop("Authorization", None)
    headers = {} if who == "anonymous" else bearer(getattr(role_keys, who))
    url = re.sub(r"\{[a-z_]+\}", "999999", path)  # no such record: nothing is harmed
    body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
    response: Any
    if (method, path) in STREAMS:
        with httpx.stream(method, live_server + url, headers=headers, timeout=10) as streamed:
            response = streamed
    else:
        response = client.request(method, url, headers=headers, json=body)
    needed = EXPECTED[(method, path)]
    if needed == PUBLIC:
        assert response.status_code not in (401, 403), response.text
    elif who == "anonymous":
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    elif RANK[who] < RANK[needed]:
        assert response.status_code == 403, response.text
    else:
        assert response.status_code not in (401, 403)
    assert response.status_code < 500
