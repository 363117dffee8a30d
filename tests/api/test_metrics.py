"""/metrics, checked by Prometheus's own promtool (Debian's prometheus package)."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, GOMA, camp, incident, square
from tests.promtool import check_metrics


def _metrics(client: TestClient, role_keys: RoleKeys) -> str:
    response = client.get("/metrics", headers=bearer(role_keys.viewer))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_promtool_accepts_the_exposition(client: TestClient, role_keys: RoleKeys) -> None:
    client.get("/api/v1/incidents")
    check_metrics(_metrics(client, role_keys))


def test_rule_evaluation_time_and_event_lag_are_measured(
    client: TestClient, role_keys: RoleKeys
) -> None:
    def count(series: str) -> float:
        """The series' value; a labelled series appears with its first observation."""
        found = re.search(rf"^{re.escape(series)} (\S+)$", _metrics(client, role_keys), re.M)
        return 0.0 if found is None else float(found.group(1))

    evaluations = 'bluewatch_rule_evaluation_seconds_count{trigger="incidents"}'
    lag = "bluewatch_sse_event_lag_seconds_count"
    before = (count(evaluations), count(lag))
    client.post("/api/v1/camps", json=camp(square(*GOMA)), headers=GEOJSON)
    posted = client.post("/api/v1/incidents", json=incident(*GOMA), headers=GEOJSON).json()
    assert posted["alerts"], "the incident beside the camp must raise an alert (its events)"
    assert count(evaluations) == before[0] + 1
    assert count('bluewatch_rule_evaluation_seconds_count{trigger="camp"}') >= 1
    deadline = time.monotonic() + 20
    while count(lag) <= before[1]:  # the hub hands the new events over within its poll
        assert time.monotonic() < deadline, "no event reached the hub"
        time.sleep(0.1)


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
