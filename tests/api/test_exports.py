"""Streaming exports: valid GeoJSON, GeoJSON sequences and ACLED-style CSV, marked and audited."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection, Point

from tests.conftest import bearer, make_key
from tests.factories import GEOJSON, camp, collection, incident

LEVELS = ("unclassified", "confidential", "strictly_confidential")


@pytest.fixture
def stored(client: TestClient, db: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    db.execute("UPDATE rule SET enabled = false")  # exports, not alerts, are under test
    batch = [
        incident(29.0 + i * 0.01, -1.5 + i * 0.01, classification=LEVELS[i % 3],
                 category="ied" if i % 2 else "protest", external_source="acled",
                 external_id=f"DRC{i}", title=f"Event {i}")
        for i in range(30)
    ]  # fmt: skip
    response = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    return [item["id"] for item in response.json()["items"]]


def test_geojson_export_is_rfc7946_with_bbox_and_marking(
    client: TestClient, stored: list[int]
) -> None:
    response = client.get("/api/v1/export/incidents.geojson", params={"category": "ied"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["x-classification"] == "UN STRICTLY CONFIDENTIAL"
    assert "UN_STRICTLY_CONFIDENTIAL" in response.headers["content-disposition"]
    body = response.json()
    page = FeatureCollection[Feature[Point, dict[str, Any]]].model_validate(body)
    assert len(page.features) == 15 == int(response.headers["x-record-count"])
    assert "crs" not in body
    lons = [f["geometry"]["coordinates"][0] for f in body["features"]]
    lats = [f["geometry"]["coordinates"][1] for f in body["features"]]
    assert body["bbox"] == pytest.approx([min(lons), min(lats), max(lons), max(lats)])
    assert all(len(str(v).split(".")[-1]) <= 7 for v in lons + lats)


def test_geojson_sequence_is_rfc8142(client: TestClient, stored: list[int]) -> None:
    response = client.get("/api/v1/export/incidents.geojsonseq")
    assert response.headers["content-type"] == "application/geo+json-seq"
    records = response.content.split(b"\x1e")[1:]
    assert len(records) == 30
    for record in records:
        assert record.endswith(b"\n")
        Feature[Point, dict[str, Any]].model_validate(json.loads(record))


def test_csv_has_acled_style_columns(client: TestClient, stored: list[int]) -> None:
    response = client.get("/api/v1/export/incidents.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 30
    for column in ("event_id_cnty", "event_date", "year", "event_type", "latitude",
                   "longitude", "fatalities", "notes", "source", "classification"):  # fmt: skip
        assert column in rows[0], column
    first = next(row for row in rows if row["event_id_cnty"] == "DRC0")
    assert (first["event_type"], first["notes"]) == ("protest", "Event 0")
    assert float(first["longitude"]) == pytest.approx(29.0)


def test_exports_hold_only_what_the_analyst_may_see(
    client: TestClient, database_url: str, stored: list[int]
) -> None:
    analyst = bearer(make_key(database_url, "analyst", "unclassified"))
    for fmt in ("geojson", "geojsonseq", "csv"):
        response = client.get(f"/api/v1/export/incidents.{fmt}", headers=analyst)
        assert response.status_code == 200
        assert response.headers["x-classification"] == "UNCLASSIFIED"
        assert int(response.headers["x-record-count"]) == 10
        assert b"strictly_confidential" not in response.content
        assert b"confidential" not in response.content.replace(b"unclassified", b"")


def test_other_layers_export_too(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(classification="unclassified"), headers=GEOJSON)
    response = client.get("/api/v1/export/camps.csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in rows] == ["Force HQ Goma"]
    assert rows[0]["wkt"].startswith("POLYGON")


def test_exports_are_audited_with_filters_and_count(
    client: TestClient, stored: list[int], db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.get(
        "/api/v1/export/incidents.csv",
        params={"severity_min": "1"},
        headers={"X-Request-ID": "export-audit"},
    )
    row = db.execute(
        "SELECT action, details->>'count', details->'filters'->>'severity_min' "
        "FROM audit_log WHERE request_id = 'export-audit'"
    ).fetchone()
    assert row == ("incidents.export", "30", "1")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/export/incidents.shp",
        "/api/v1/export/tanks.geojson",
        "/api/v1/export/incidents.geojson?limit=5",
        "/api/v1/export/incidents.geojson?bbox=1,2",
    ],
)
def test_bad_export_requests(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_copy_streamed_formats_bind_every_kind_of_filter(
    client: TestClient, stored: list[int]
) -> None:
    params = {
        "category": "ied,uxo",
        "datetime": "2000-01-01T00:00:00Z/..",
        "bbox": "28.9,-1.6,29.1,-1.3",
        "severity_min": "1",
    }
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/export/incidents.csv",
                                                        params=params).text)))  # fmt: skip
    expected = [i for i in range(30) if i % 2 and 29.0 + i * 0.01 <= 29.1]
    assert sorted(row["event_id_cnty"] for row in rows) == sorted(f"DRC{i}" for i in expected)
    assert rows[0]["occurred_at"].endswith("+00:00") and "T" in rows[0]["occurred_at"]
    sequence = client.get("/api/v1/export/incidents.geojsonseq", params=params).content
    assert sequence.count(b"\x1e") == len(expected)
    assert all(json.loads(record)["properties"]["category"] == "ied"
               for record in sequence.split(b"\x1e")[1:])  # fmt: skip


# A leading tab or CR is neutralised too, but input strips leading white space.
FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("leading", FORMULAS)
def test_csv_cells_never_start_a_formula(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], leading: str
) -> None:
    """OWASP CSV injection: text starting with = + - @ tab or CR gets an apostrophe,
    in the incidents CSV and in the bundle's; plain text and numbers stay as they are."""
    db.execute("UPDATE rule SET enabled = false")
    posted = client.post(
        "/api/v1/incidents",
        json=collection(
            incident(
                29.0, -1.5, title=leading, source=leading, external_source="t", external_id="F1"
            ),
            incident(
                29.1,
                -1.6,
                title="Plain title",
                source="UNPOL",
                external_source="t",
                external_id="F2",
            ),
        ),
        headers=GEOJSON,
    )
    assert posted.status_code == 200, posted.text
    exported = client.get("/api/v1/export/incidents.csv")
    bundle = client.get("/api/v1/export/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        [name] = [n for n in archive.namelist() if n.endswith("incidents.csv")]
        bundled = archive.read(name).decode()
    for text in (exported.text, bundled):
        rows = {r["event_id_cnty"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
        assert rows["F1"]["source"] == "'" + leading
        assert rows["F1"]["notes"] == "'" + leading
        assert (rows["F2"]["source"], rows["F2"]["notes"]) == ("UNPOL", "Plain title")
        assert float(rows["F1"]["longitude"]) == pytest.approx(29.0)


@pytest.mark.parametrize("fmt", ["geojson", "geojsonseq", "csv"])
def test_an_empty_export_is_an_empty_file_not_a_500(client: TestClient, fmt: str) -> None:
    """Found by the leak property test: an empty GeoJSONSeq export had no first chunk."""
    assert client.get("/api/v1/routes").json()["features"] == []
    response = client.get(f"/api/v1/export/routes.{fmt}")
    assert response.status_code == 200
    assert response.headers["x-record-count"] == "0"
    assert b'Feature"' not in response.content


def _content(body: bytes, path: str) -> object:
    if not path.endswith(".zip"):
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    if path.endswith("bundle.zip"):  # its manifest and GeoPackage hold their write times
        return sorted(members)
    return members


@pytest.mark.parametrize(
    ("path", "compressed"),
    [
        ("/api/v1/incidents", True),
        ("/api/v1/export/incidents.geojson", True),
        ("/api/v1/export/incidents.csv", True),
        ("/api/v1/export/incidents.kml", True),
        ("/ogc/collections", True),
        ("/api/v1/export/incidents.shp.zip", False),
        ("/api/v1/export/bundle.zip", False),
    ],
)
def test_text_answers_are_gzipped_when_asked_and_archives_never(
    client: TestClient, stored: list[int], path: str, compressed: bool
) -> None:
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert (zipped.headers.get("content-encoding") == "gzip") is compressed
    # Decoded alike. Archives are compared by their members: a zip entry carries its
    # write time (2 s steps), so two downloads a moment apart may differ in that alone.
    assert _content(zipped.content, path) == _content(plain.content, path)
    if compressed:
        assert "accept-encoding" in zipped.headers["vary"].lower()


def test_csv_records_end_in_crlf_and_line_breaks_inside_values_are_kept(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """RFC 4180: CRLF between records; a line break inside a quoted value is data."""
    db.execute("UPDATE rule SET enabled = false")
    notes = "first line\nsecond line\r\nthird"
    posted = client.post(
        "/api/v1/incidents",
        json=collection(incident(29.0, -1.5, description=notes), incident(29.1, -1.6)),
        headers=GEOJSON,
    )
    assert posted.is_success, posted.text
    for path in ("/api/v1/export/incidents.csv", "/api/v1/export/camps.csv"):
        body = client.get(path).content
        assert body.endswith(b"\r\n")
        assert body.count(b"\r\n") >= 1
    body = client.get("/api/v1/export/incidents.csv").content
    records = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert len(records) == 2  # two incidents, however many breaks inside a value
    assert records[0]["notes"] == "Exchange of fire near Goma: " + notes
    # Outside quotes, every line break is CRLF: strip the quoted values and look.
    outside = re.sub(rb'"(?:[^"]|"")*"', b"", body)
    assert outside.count(b"\n") == outside.count(b"\r\n") == 3
