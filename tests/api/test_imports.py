"""Imports: ACLED-style CSV with bad rows, idempotency, dry runs, rules, and GIS round trips."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bluewatch.app import create_app
from tests.conftest import PER_TEST_TABLES, bearer, make_key, settings_for
from tests.factories import GEOJSON, camp, collection, incident, route

CSV = {"Content-Type": "text/csv"}
ACLED_HEADER = [
    "event_id_cnty", "event_date", "year", "event_type", "sub_event_type", "actor1",
    "admin1", "location", "latitude", "longitude", "source", "notes", "fatalities",
]  # fmt: skip


def acled_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACLED_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" for name in ACLED_HEADER} | row)
    return buffer.getvalue().encode()


def acled_row(number: int, **overrides: str) -> dict[str, str]:
    return {
        "event_id_cnty": f"DRC{number}", "event_date": "2026-11-20", "year": "2026",
        "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "M23",
        "admin1": "Nord-Kivu", "location": "Sake", "latitude": "-1.5736",
        "longitude": "29.0453", "source": "Radio Okapi", "notes": f"Clash number {number}",
        "fatalities": "3",
    } | overrides  # fmt: skip


GOOD_AND_BAD = [
    acled_row(1),
    acled_row(2, latitude="", longitude=""),
    acled_row(3, latitude="95"),
    acled_row(4, event_type="Alien invasion", sub_event_type="Landing"),
    acled_row(5, event_date="yesterday-ish"),
    acled_row(6, event_type="Protests", sub_event_type="Peaceful protest", fatalities="0"),
    acled_row(7, event_type="Explosions/Remote violence",
              sub_event_type="Remote explosive/landmine/IED", fatalities="25"),
]  # fmt: skip


def count(db: psycopg.Connection[tuple[object, ...]], table: str = "incident") -> int:
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(str(row[0]))


def test_acled_csv_with_bad_rows_is_refused_whole_with_a_precise_report(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    response = client.post("/api/v1/import/incidents", content=acled_csv(GOOD_AND_BAD), headers=CSV)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    report = response.json()["report"]
    assert (report["rows"], report["rejected"], report["stored"]) == (7, 4, False)
    reasons = {item["row"]: item["reason"] for item in report["rejections"]}
    assert sorted(reasons) == [2, 3, 4, 5]
    assert "missing coordinates" in reasons[2]
    assert "latitude" in reasons[3].lower() and "geometry" in reasons[3]
    assert "category" in reasons[4]
    assert "event_date" in reasons[5]
    assert {"actor1", "admin1"} <= set(report["ignored_columns"])
    assert count(db) == 0
    assert count(db, "alert") == 0


def test_partial_import_stores_the_good_rows_and_a_second_run_creates_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    url = "/api/v1/import/incidents?atomic=false&source=acled&classification=unclassified"
    first = client.post(url, content=acled_csv(GOOD_AND_BAD), headers=CSV).json()
    assert (first["created"], first["rejected"], first["stored"]) == (3, 4, True)
    stored = db.execute(
        "SELECT external_source, external_id, category, severity, classification, title "
        "FROM incident ORDER BY external_id"
    ).fetchall()
    assert stored == [
        ("acled", "DRC1", "armed_clash", 3, "unclassified", "Clash number 1"),
        ("acled", "DRC6", "protest", 2, "unclassified", "Clash number 6"),
        ("acled", "DRC7", "ied", 5, "unclassified", "Clash number 7"),
    ]
    second = client.post(url, content=acled_csv(GOOD_AND_BAD), headers=CSV).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    changed = [acled_row(1, fatalities="40"), GOOD_AND_BAD[5], acled_row(8)]
    third = client.post(url, content=acled_csv(changed), headers=CSV).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (1, 1, 1)
    assert count(db) == 4


def test_dry_run_reports_what_would_happen_and_stores_nothing(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    body = acled_csv(GOOD_AND_BAD)
    report = client.post("/api/v1/import/incidents?dry_run=true", content=body, headers=CSV).json()
    assert (report["dry_run"], report["stored"], report["created"], report["rejected"]) == (
        True, False, 3, 4,
    )  # fmt: skip
    assert count(db) == 0


def test_imported_incidents_go_through_the_rules(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    client.post("/api/v1/camps", json=camp(), headers=GEOJSON)
    near = collection(incident(29.236, -1.671, external_source="x", external_id="1"))
    response = client.post("/api/v1/import/incidents", content=json.dumps(near), headers=GEOJSON)
    assert response.status_code == 200
    assert response.json()["alerts"] >= 1
    levels = db.execute("SELECT level::text FROM alert WHERE rule_kind = 'proximity'").fetchall()
    assert ("critical",) in levels
    events = db.execute("SELECT count(*) FROM event WHERE type = 'alert.created'").fetchone()
    assert events is not None and int(str(events[0])) >= 1


def test_geojson_sequence_and_keys_from_feature_ids(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    features = [incident(29.0 + i / 100, -1.5) | {"id": f"A{i}"} for i in range(3)]
    body = b"".join(b"\x1e" + json.dumps(f).encode() + b"\n" for f in features) + b"\x1e{oops\n"
    report = client.post(
        "/api/v1/import/incidents?atomic=false",
        content=body,
        headers={"Content-Type": "application/geo+json-seq"},
    ).json()
    assert (report["created"], report["rejected"]) == (3, 1)
    assert report["rejections"] == [{"row": 4, "reason": "is not valid JSON"}]
    keys = db.execute("SELECT external_source, external_id FROM incident ORDER BY 2").fetchall()
    assert keys == [("import", "A0"), ("import", "A1"), ("import", "A2")]


def _wipe(db: psycopg.Connection[tuple[object, ...]]) -> None:
    db.execute(f"TRUNCATE {', '.join(PER_TEST_TABLES[:3])}, alert RESTART IDENTITY CASCADE")


IGNORED = {"id", "external_source", "external_id", "created_at", "updated_at", "created_by",
           "updated_by", "reported_at"}  # fmt: skip


def _features(client: TestClient, layer: str) -> list[tuple[str, Any, dict[str, Any]]]:
    body = client.get(f"/api/v1/{layer}", params={"limit": 1000}).json()
    return sorted(
        (
            json.dumps(f["properties"].get("title") or f["properties"]["name"]),
            f["geometry"],
            {k: v for k, v in f["properties"].items() if k not in IGNORED},
        )
        for f in body["features"]
    )


@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip", "kml", "geojson", "csv"])
def test_export_then_import_into_an_empty_database_gives_the_same_features(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], fmt: str
) -> None:
    db.execute("UPDATE rule SET enabled = false")
    client.post("/api/v1/camps", json=camp(unit="BANBAT"), headers=GEOJSON)
    client.post("/api/v1/routes", json=route(active_from="2026-11-20T06:00:00+00:00"),
                headers=GEOJSON)  # fmt: skip
    batch = [
        incident(29.1 + i / 1000, -1.6, title=f"Event {i}", description=f"Seen {i}",
                 source_reliability="B", source_credibility=2, fatalities=i,
                 classification="unclassified" if i % 2 else "confidential")
        for i in range(5)
    ]  # fmt: skip
    client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON)
    layers = ["incidents"] if fmt == "csv" else ["incidents", "routes", "camps"]
    before = {layer: _features(client, layer) for layer in layers}
    files = {layer: client.get(f"/api/v1/export/{layer}.{fmt}").content for layer in layers}
    _wipe(db)
    for layer in layers:
        response = client.post(f"/api/v1/import/{layer}?format={fmt}", content=files[layer])
        assert response.status_code == 200, response.text
        assert response.json()["created"] == len(before[layer])
        assert _features(client, layer) == before[layer], layer


def test_import_needs_the_layer_writer_role(client: TestClient, database_url: str) -> None:
    body = json.dumps(collection(camp()))
    analyst = bearer(make_key(database_url, "analyst", "strictly_confidential"))
    viewer = bearer(make_key(database_url, "viewer", "strictly_confidential"))
    for layer, key in (("camps", analyst), ("incidents", viewer)):
        response = client.post(f"/api/v1/import/{layer}", content=body, headers=key | GEOJSON)
        assert response.status_code == 403


def test_rows_above_the_importers_clearance_are_rejected(
    client: TestClient, database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    analyst = bearer(make_key(database_url, "analyst", "confidential"))
    body = json.dumps(collection(incident(classification="strictly_confidential")))
    response = client.post("/api/v1/import/incidents", content=body, headers=analyst | GEOJSON)
    assert response.status_code == 422
    assert "clearance" in response.json()["report"]["rejections"][0]["reason"]
    assert count(db) == 0


@pytest.mark.parametrize(
    ("url", "body", "headers"),
    [
        ("/api/v1/import/incidents", b"a,b\n1,2\n", {"Content-Type": "text/plain"}),
        ("/api/v1/import/incidents", b"{not json", GEOJSON),
        ("/api/v1/import/incidents", b'{"type": "Point"}', GEOJSON),
        ("/api/v1/import/incidents?dry_run=maybe", b"{}", GEOJSON),
        ("/api/v1/import/incidents?colour=red", b"{}", GEOJSON),
        ("/api/v1/import/incidents?format=gpkg", b"SQLite format 3\x00garbage", {}),
        ("/api/v1/import/incidents?format=shp.zip", b"PK\x03\x04nope", {}),
        ("/api/v1/import/incidents", b"a,b\n1,2\n", CSV),
        ("/api/v1/import/routes", b"x,y\n", CSV),
        ("/api/v1/import/tanks", b"{}", GEOJSON),
    ],
)
def test_bad_imports_get_a_problem_and_change_nothing(
    client: TestClient,
    db: psycopg.Connection[tuple[object, ...]],
    url: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    response = client.post(url, content=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "garbage" not in response.text and "nope" not in response.text
    assert count(db) == 0


def test_bad_bytes_and_nul_are_reported_by_row_not_a_500(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Issue 14, 14: invalid UTF-8 answered 500; one NUL failed the whole partial import."""
    body = acled_csv([acled_row(1), acled_row(2, notes="MARK"), acled_row(3, notes="a\x00b")])
    body = body.replace(b"MARK", b"caf\xe9 \xff")  # Latin-1, not UTF-8
    url = "/api/v1/import/incidents?atomic=false&source=acled"
    report = client.post(url, content=body, headers=CSV)
    assert report.status_code == 200, report.text
    result = report.json()
    assert (result["created"], result["rejected"], result["stored"]) == (1, 2, True)
    reasons = {item["row"]: item["reason"] for item in result["rejections"]}
    assert sorted(reasons) == [2, 3]
    assert "UTF-8" in reasons[2]
    assert "control characters" in reasons[3]
    assert "\x00" not in report.text and "\\u0000" not in report.text
    assert count(db) == 1

    whole = client.post("/api/v1/import/incidents", content=body, headers=CSV)
    assert whole.status_code == 422
    assert count(db) == 1


def test_a_header_that_is_not_utf8_is_a_clear_400(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    body = acled_csv([acled_row(1)]).replace(b"notes", b"not\xe9s", 1)
    response = client.post("/api/v1/import/incidents", content=body, headers=CSV)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "UTF-8" in response.json()["detail"]
    assert count(db) == 0


def test_a_dry_run_counts_only_alerts_the_importer_may_see_and_is_audited(
    client: TestClient, database_url: str
) -> None:
    """Issue 14, 5: the count located a hidden camp; dry runs left no audit entry."""
    hidden = client.post(
        "/api/v1/camps",
        json=camp(name="Hidden base", classification="strictly_confidential"),
        headers=GEOJSON,
    )
    assert hidden.status_code == 201, hidden.text
    ring = hidden.json()["geometry"]["coordinates"][0]
    near_hidden = incident(ring[0][0], ring[0][1], classification="unclassified")
    analyst = bearer(make_key(database_url, "analyst", "confidential", name="dry-runner"))
    body = json.dumps(collection(near_hidden)).encode()
    url = "/api/v1/import/incidents?dry_run=true"

    full = client.post(url, content=body, headers=GEOJSON).json()
    assert full["alerts"] > 0, "the same import raises alerts for a reader who may see them"
    limited = client.post(url, content=body, headers=GEOJSON | analyst).json()
    assert (limited["created"], limited["alerts"]) == (1, 0)

    entries = client.get("/api/v1/audit", params={"action": "incidents.import"}).json()["items"]
    runs = [e for e in entries if e["actor"] == "key:dry-runner"]
    assert len(runs) == 1
    assert runs[0]["details"]["dry_run"] is True
    assert runs[0]["details"]["alerts"] == 0


CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
MERCATOR = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}


def test_geojson_with_a_crs84_member_as_qgis_writes_it_is_accepted(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Issue 16: a 'crs' member naming CRS84 (QGIS's and older GDAL's default) was refused."""
    file_body = collection(incident(external_source="qgis", external_id="1")) | {"crs": CRS84}
    imported = client.post(
        "/api/v1/import/incidents", content=json.dumps(file_body), headers=GEOJSON
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 1
    body = collection(incident(external_source="post", external_id="1")) | {"crs": CRS84}
    posted = client.post("/api/v1/incidents", json=body, headers=GEOJSON)
    assert posted.status_code == 200, posted.text
    assert count(db) == 2


def test_another_crs_is_refused_with_the_way_out(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    body = collection(incident()) | {"crs": MERCATOR}
    for response in (
        client.post("/api/v1/incidents", json=body, headers=GEOJSON),
        client.post("/api/v1/import/incidents", content=json.dumps(body), headers=GEOJSON),
    ):
        assert response.status_code == 422, response.text
        assert "ogr2ogr -t_srs EPSG:4326" in response.json()["detail"]
        assert "3857" not in response.text
    assert count(db) == 0


def _outside(report: dict[str, Any]) -> dict[int, str]:
    return {item["row"]: item["warning"] for item in report["warnings"]}


def test_features_outside_the_mission_area_are_stored_with_a_warning(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Issue 18, defect 4: a file with longitude and latitude swapped imported to Algeria
    without a word. The area is the camps' and routes' extent widened by 1 degree."""
    rows = [
        acled_row(1),
        acled_row(2, latitude="29.0453", longitude="-1.5736"),
        acled_row(3, latitude="12.6392", longitude="-8.0029"),
    ]  # Sake, swapped, Bamako
    before = client.post("/api/v1/import/incidents?dry_run=true", content=acled_csv(rows),
                         headers=CSV).json()  # fmt: skip
    assert before["mission_area"] is None and before["warnings"] == []  # no camp yet: no area
    assert before["created"] == 3  # the file itself is fine: the setup works

    client.post("/api/v1/camps", json=camp(), headers=GEOJSON)  # around Goma
    report = client.post("/api/v1/import/incidents", content=acled_csv(rows), headers=CSV).json()
    assert report["created"] == 3 and report["stored"]  # warned, not refused
    half = 0.003  # the factory camp's half-width
    assert report["mission_area"] == pytest.approx(
        [29.235 - half - 1, -1.67 - half - 1, 29.235 + half + 1, -1.67 + half + 1]
    )
    assert report["outside_mission_area"] == 2
    assert _outside(report) == {
        2: "lies outside the mission area; its longitude and latitude look swapped",
        3: "lies outside the mission area",
    }


@pytest.mark.parametrize(("longitude", "warned"), [("28.0", False), ("27.99", True)])
def test_the_configured_mission_area_at_and_one_past_its_edge(
    database_url: str, role_keys: Any, db: psycopg.Connection[tuple[object, ...]],
    longitude: str, warned: bool,
) -> None:  # fmt: skip
    app = create_app(settings_for(database_url, mission_area="28,-3,31,2"))
    with TestClient(app) as configured:
        response = configured.post(
            "/api/v1/import/incidents",
            content=acled_csv([acled_row(1, longitude=longitude)]),
            headers=CSV | bearer(role_keys.admin),
        )
    report = response.json()
    assert response.status_code == 200 and report["created"] == 1
    assert report["mission_area"] == [28.0, -3.0, 31.0, 2.0]
    assert report["outside_mission_area"] == (1 if warned else 0)
