"""Schemathesis drives the OpenAPI schema over real HTTP: no 5xx, no schema violations.

Schemathesis's pytest plugin does not yet load with pytest 9, so this runs its
Hypothesis strategies directly: the same generated cases, the same checks.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, ValidationError  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.conftest import RoleKeys, bearer
from tests.factories import GEOJSON, GOMA, camp, collection, incident, square

# Revoking keys by random id could revoke the suite's own keys, and the alert stream
# never ends; both are tested directly.
SKIPPED_OPERATIONS = {("DELETE", "/api/v1/keys/{key_id}"), ("GET", "/api/v1/alerts/stream")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    allow_header_conformance,
    unsupported_method,
]
# Each definition, where its paths are served, and how many operations it must hold.
DEFINITIONS = [("/openapi.json", "", 25), ("/ogc/api", "/ogc", 7)]


@pytest.mark.parametrize(("definition", "served_at", "at_least"), DEFINITIONS)
def test_api_fuzz(
    live_server: str, role_keys: RoleKeys, definition: str, served_at: str, at_least: int
) -> None:
    headers = bearer(role_keys.admin)
    document = httpx.get(f"{live_server}{definition}", headers=headers).json()
    for method, path in SKIPPED_OPERATIONS:
        document["paths"].get(path, {}).pop(method.lower(), None)
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= at_least
    base_url = live_server + served_at

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        try:
            fuzz()
        except Exception as failure:
            raise AssertionError(f"{operation.label}: {failure}") from failure


def test_both_definitions_are_valid_openapi_with_nothing_dangling(
    client: TestClient, role_keys: RoleKeys
) -> None:
    """Issue 16: '#/$defs/Role', 'Classification' and 'AlertLevel' pointed nowhere, and
    no security scheme was declared. openapi-spec-validator is the independent judge."""
    main = client.get("/openapi.json").json()
    ogc = client.get("/ogc/api").json()
    for document in (main, ogc):
        validate(document)
        text = json.dumps(document)
        for reference in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
            node: Any = document
            for part in reference.split("/"):
                node = node[part]  # a dangling reference fails here
    assert {"apiKey", "session"} <= set(main["components"]["securitySchemes"])
    listed = {
        p["name"]: p["schema"] for p in main["paths"]["/api/v1/incidents"]["get"]["parameters"]
    }
    assert listed["bbox"]["type"] == "array" and listed["bbox"]["maxItems"] == 6
    assert (listed["limit"]["type"], listed["limit"]["maximum"]) == ("integer", 10_000)
    assert listed["category"]["items"]["enum"][0] == "armed_clash"
    assert listed["severity_min"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert "$defs" not in json.dumps(main)
    # Layer writes declare the layer's own Feature, not just "an object".
    posted = main["paths"]["/api/v1/incidents"]["post"]["requestBody"]["content"]
    one, batch = posted["application/geo+json"]["schema"]["oneOf"]
    properties = one["properties"]["properties"]
    assert properties["properties"]["severity"]["maximum"] == 5
    assert "ied" in properties["properties"]["category"]["enum"]
    assert {"occurred_at", "category", "severity", "title"} <= set(properties["required"])
    assert batch["properties"]["features"]["items"] == one
    patched = main["paths"]["/api/v1/camps/{record_id}"]["patch"]["requestBody"]["content"]
    partial = patched["application/json"]["schema"]
    assert partial["required"] == ["type"] and "required" not in partial["properties"]["properties"]
    assert partial["properties"]["geometry"]["properties"]["type"] == {"enum": ["Polygon"]}


def test_real_alert_and_session_bodies_match_their_published_schemas(
    client: TestClient, role_keys: RoleKeys
) -> None:
    """The declared response models (api/contracts.py) hold for real bodies with every
    member filled: a proximity alert with a target, acknowledged, and a surge."""
    document = client.get("/openapi.json").json()

    def check(body: Any, name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        Draft202012Validator(schema).validate(body)

    client.post("/api/v1/camps", json=camp(square(*GOMA)), headers=GEOJSON)
    batch = [incident(GOMA[0] + i * 0.001, GOMA[1]) for i in range(10)]
    posted = client.post("/api/v1/incidents", json=collection(*batch), headers=GEOJSON).json()
    kinds = {alert["properties"]["rule_kind"] for alert in posted["alerts"]}
    assert kinds == {"proximity", "cluster"}
    first = posted["alerts"][0]["id"]
    acknowledged = client.post(f"/api/v1/alerts/{first}/ack", json={"note": "seen"})
    assert acknowledged.status_code == 200
    check(acknowledged.json(), "Alert")
    check(client.get(f"/api/v1/alerts/{first}").json(), "Alert")
    page = client.get("/api/v1/alerts").json()
    assert len(page["features"]) == len(posted["alerts"])
    check(page, "AlertPage")
    check(client.get("/api/v1/session").json(), "SessionInfo")
    check(client.get("/api/v1/session/current").json(), "CurrentSession")
    with pytest.raises(ValidationError):  # the check can fail: a member the model lacks
        check({**page, "features": [{**page["features"][0], "colour": "red"}]}, "AlertPage")
