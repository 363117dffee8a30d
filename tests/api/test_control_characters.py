"""Control characters: refused at input, never emitted (issue 14, 13).

A U+000B in a name made the CAP message, the Atom feed and the KML export not
well-formed XML for every reader.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.factories import FACTORIES, GEOJSON, camp, incident, square

GOMA = (29.2228, -1.6792)
FORBIDDEN = ["\u000b", "\u0001", "\u001f", "\u007f", "\u0085", "\ufffe"]
ALLOWED = ["\t", "\n", "é", "–"]  # tab and LF in a description, letters, an en dash


@pytest.mark.parametrize("character", FORBIDDEN)
@pytest.mark.parametrize("layer", list(FACTORIES))
def test_layer_text_with_a_control_character_is_refused(
    client: TestClient, layer: str, character: str
) -> None:
    field = "title" if layer == "incidents" else "name"
    body = FACTORIES[layer](**{field: f"Goma{character}HQ"})
    response = client.post(f"/api/v1/{layer}", json=body, headers=GEOJSON)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == f"/properties/{field}"
    assert character not in response.text
    assert client.get(f"/api/v1/{layer}").json()["features"] == []


@pytest.mark.parametrize("character", ALLOWED)
def test_ordinary_white_space_and_letters_are_kept(client: TestClient, character: str) -> None:
    body = incident(description=f"Two{character}lines")
    created = client.post("/api/v1/incidents", json=body, headers=GEOJSON)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["description"] == f"Two{character}lines"


def test_other_text_inputs_refuse_them_too(client: TestClient) -> None:
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        (
            "POST",
            "/api/v1/keys",
            {"name": "k\u000b", "role": "viewer", "clearance": "confidential"},
        ),
        ("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/", "description": "d\u000b"}),
        ("PATCH", "/api/v1/rules/1", {"name": "r\u000b"}),
    ]
    for method, path, body in attempts:
        response = client.request(method, path, json=body)
        assert response.status_code == 422, (path, response.text)
    fine = client.request("PATCH", "/api/v1/rules/1", json={"name": "Camps: proximity"})
    assert fine.status_code == 200, fine.text


def test_cap_atom_and_kml_stay_well_formed_with_older_data(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Data stored before the check (here written by SQL) is replaced, never emitted."""
    created = client.post(
        "/api/v1/camps", json=camp(square(*GOMA), name="Goma HQ"), headers=GEOJSON
    ).json()
    db.execute("UPDATE camp SET name = %s WHERE id = %s", ("Goma\u000bHQ", created["id"]))
    posted = client.post("/api/v1/incidents", json=incident(*GOMA), headers=GEOJSON).json()
    assert posted["alerts"], "the incident beside the camp raises alerts"
    alert_id = posted["alerts"][0]["id"]
    alert = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"note": "seen"})
    assert alert.status_code == 200

    cap = client.get(f"/api/v1/alerts/{alert_id}/cap").content
    atom = client.get("/api/v1/alerts/cap.atom").content
    for document in (cap, atom):
        etree.fromstring(document)  # raises on XML that is not well-formed
        assert b"\x0b" not in document
    assert "Goma\ufffdHQ".encode() in cap
    kml = client.get("/api/v1/export/camps.kml").content
    etree.fromstring(kml)
    bundle = client.get("/api/v1/export/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        for name in archive.namelist():
            if name.endswith(".kml"):
                etree.fromstring(archive.read(name))
