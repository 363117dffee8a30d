"""/metrics, checked by Prometheus's own promtool (Debian's prometheus package)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, incident


def _metrics(client: TestClient, role_keys: RoleKeys) -> str:
    response = client.get("/metrics", headers=bearer(role_keys.viewer))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_promtool_accepts_the_exposition(client: TestClient, role_keys: RoleKeys) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: scripts/bootstrap --browser installs prometheus")
    client.get("/api/v1/incidents")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=_metrics(client, role_keys).encode(),
        capture_output=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    assert checked.stdout.strip() == b"" and checked.stderr.strip() == b"", checked


def test_requests_are_counted_by_route_template_never_by_raw_path(
    client: TestClient, role_keys: RoleKeys
) -> None:
    created = client.post("/api/v1/incidents", json=incident(), headers=GEOJSON).json()
    assert client.get(f"/api/v1/incidents/{created['id']}").status_code == 200
    assert client.get("/api/v1/incidents/987654").status_code == 404
    text = _metrics(client, role_keys)
    template = "/api/v1/incidents/{record_id}"
    for status in ("200", "404"):
        line = re.search(
            rf'bluewatch_http_requests_total\{{method="GET",route="{re.escape(template)}",'
            rf'status="{status}"\}} (\d+)',
            text,
        )
        assert line is not None and int(line.group(1)) >= 1, status
    assert "987654" not in text
    assert (
        f'bluewatch_http_request_duration_seconds_count{{method="GET",route="{template}"}}' in text
    )
    for family in ("bluewatch_sse_clients", "bluewatch_db_pool_connections_in_use",
                   "bluewatch_db_pool_connections", "process_resident_memory_bytes",
                   "bluewatch_webhook_queue_depth"):  # fmt: skip
        assert re.search(rf"^{family} \d", text, re.MULTILINE), family
