"""Import bombs against a real ``bluewatch serve`` (issue 14, 4): limits apply while
reading, so the API's memory stays flat and it keeps answering.

Before: a 280 KB zipped Shapefile holding one 6M-vertex polygon grew the API by ~1.5 GB
and a 2M-vertex GeoPackage by ~760 MB. The peak RSS growth measured here is printed and
recorded in bench/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bluewatch.app import create_app
from tests import hostile
from tests.conftest import RoleKeys, bearer, settings_for
from tests.processes import SERVED, api_process, status_kb

pytestmark = pytest.mark.slow
GROWTH_LIMIT_MB = 100
GPKG = {"Content-Type": "application/geopackage+sqlite3"}
ZIP = {"Content-Type": "application/zip"}


def test_bombs_are_refused_while_reading_and_memory_stays_flat(
    database_url: str, role_keys: RoleKeys, tmp_path: Path
) -> None:
    shapefile = hostile.shapefile_zip(tmp_path / "bomb.zip", 6_000_000)
    geopackage = hostile.geopackage(tmp_path / "bomb.gpkg", 2_000_000)
    assert shapefile.stat().st_size < 300_000  # the 280 KB file
    admin = bearer(role_keys.admin)
    with api_process(database_url, {}) as base:
        pid = SERVED[base]
        url = f"{base}/api/v1/import/camps?dry_run=true"
        warm = httpx.post(url, content=b"{}", headers=admin | {"Content-Type": "application/json"})
        assert warm.status_code in (400, 422)  # code paths loaded before the baseline
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        baseline = status_kb(pid, "VmRSS")

        refused = httpx.post(url, content=shapefile.read_bytes(), headers=admin | ZIP, timeout=120)
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        shapefile_mb = (status_kb(pid, "VmHWM") - baseline) / 1024

        Path(f"/proc/{pid}/clear_refs").write_text("5")
        baseline = status_kb(pid, "VmRSS")
        report = httpx.post(url, content=geopackage.read_bytes(), headers=admin | GPKG, timeout=120)
        assert report.status_code == 200, report.text
        result = report.json()
        assert (result["rows"], result["created"], result["rejected"]) == (2, 1, 1)
        assert result["rejections"] == [{"row": 2, "reason": "has more than 20000 vertices"}]
        geopackage_mb = (status_kb(pid, "VmHWM") - baseline) / 1024
        assert httpx.get(f"{base}/readyz").status_code == 200
    print(f"\nimport bombs, peak RSS growth: 6M-vertex Shapefile {shapefile_mb:.1f} MB, "
          f"2M-vertex GeoPackage {geopackage_mb:.1f} MB")  # fmt: skip
    assert shapefile_mb < GROWTH_LIMIT_MB
    assert geopackage_mb < GROWTH_LIMIT_MB


@pytest.fixture
def strict_imports(database_url: str, role_keys: RoleKeys) -> Iterator[TestClient]:
    settings = settings_for(
        database_url, max_vertices_per_geometry=1000, max_parsed_import_bytes=64 * 1024
    )
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(role_keys.admin))
        yield client


def test_a_shapefile_record_over_the_limit_is_rejected_by_its_header(
    strict_imports: TestClient, tmp_path: Path
) -> None:
    at_limit = hostile.shapefile_zip(tmp_path / "at.zip", 1000, spread=True)
    past = hostile.shapefile_zip(tmp_path / "past.zip", 1001, spread=True)
    url = "/api/v1/import/camps?dry_run=true"
    accepted = strict_imports.post(url, content=at_limit.read_bytes(), headers=ZIP).json()
    assert accepted["rejected"] == 0, accepted
    assert accepted["created"] == 1
    refused = strict_imports.post(url, content=past.read_bytes(), headers=ZIP).json()
    assert refused["rejections"] == [{"row": 1, "reason": "has more than 1000 vertices"}]


def test_whole_file_formats_over_their_size_are_413(strict_imports: TestClient) -> None:
    small = b'{"type": "FeatureCollection", "features": []}'
    assert (
        strict_imports.post(
            "/api/v1/import/camps?dry_run=true",
            content=small,
            headers={"Content-Type": "application/geo+json"},
        ).status_code
        == 200
    )
    large = small[:-2] + b" " * (64 * 1024) + b"]}"
    response = strict_imports.post(
        "/api/v1/import/camps?dry_run=true",
        content=large,
        headers={"Content-Type": "application/geo+json"},
    )
    assert response.status_code == 413
    assert "GeoJSONSeq" in response.json()["detail"]
