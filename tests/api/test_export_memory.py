"""Exporting 200k incidents keeps the API process's memory flat: measured, not assumed."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg

from bluewatch.seed import synthetic
from tests.conftest import RoleKeys, bearer
from tests.processes import SERVED, api_process, status_kb

INCIDENTS = 200_000
LIMIT_MB = 100


def test_geojson_export_of_200k_incidents_keeps_peak_rss_growth_under_100_mb(
    database_url: str, db: psycopg.Connection[tuple[object, ...]], role_keys: RoleKeys
) -> None:
    synthetic.load(database_url, INCIDENTS, seed=11)
    with api_process(database_url, {}) as base:
        pid = SERVED[base]
        headers = bearer(role_keys.analyst)
        url = f"{base}/api/v1/export/incidents.geojson"
        warm = httpx.get(url, params={"severity_min": "5"}, headers=headers, timeout=120)
        assert warm.status_code == 200  # code paths loaded, pool open: the baseline is fair
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
        baseline = status_kb(pid, "VmRSS")
        received = 0
        features = 0
        tail = b""
        with httpx.stream("GET", url, headers=headers, timeout=300) as response:
            assert response.status_code == 200
            assert response.headers["x-record-count"] == str(INCIDENTS)
            for chunk in response.iter_bytes():
                received += len(chunk)
                features += chunk.count(b'"Feature"')
                tail = (tail + chunk)[-16:]
        growth_mb = (status_kb(pid, "VmHWM") - baseline) / 1024
    assert tail.endswith(b"]}")
    assert received > INCIDENTS * 300  # every feature really went over the wire
    assert features >= INCIDENTS * 0.99  # (a marker split across two chunks is not counted)
    assert growth_mb < LIMIT_MB, f"peak RSS grew by {growth_mb:.1f} MB"
    print(f"\n200k-incident GeoJSON export: {received / 2**20:.0f} MiB sent, "
          f"peak RSS growth {growth_mb:.1f} MB")  # fmt: skip
