"""Rule kinds in one registry (issue 19): the engine, the API, the store and CAP read it,
and the database and the API's contract list the same kinds."""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bluewatch.api.contracts import AlertProperties
from bluewatch.api.rules import NewRule
from bluewatch.db.models import Rule as RuleTable
from bluewatch.rules import kinds
from bluewatch.rules.kinds import KINDS, Trigger, parse_params
from tests.factories import GEOJSON, incident


def test_the_database_and_the_api_list_the_registry_s_kinds() -> None:
    [check] = RuleTable.__table_args__
    in_database = set(re.findall(r"'(\w+)'", str(check.sqltext)))
    in_api = set(typing.get_args(NewRule.model_fields["kind"].annotation))
    on_alerts = set(typing.get_args(AlertProperties.model_fields["rule_kind"].annotation))
    assert (
        in_database
        == in_api
        == on_alerts
        == set(KINDS)
        == {"proximity", "cluster", "baseline", "coverage"}
    )


def test_params_are_validated_by_the_kind_named_not_by_the_params() -> None:
    surge = parse_params("cluster", {"kind": "proximity", "min_count": 4})
    assert (surge.kind, surge.min_count) == ("cluster", 4)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        parse_params("cluster", {"bands": []})  # a proximity field
    camp_rule = parse_params(
        "proximity", {"target": "camp", "bands": [{"level": "watch", "distance_m": 5}]}
    )
    assert KINDS["proximity"].watches(camp_rule) == {"incident", "rule", "camp"}
    assert KINDS["cluster"].watches(surge) == {"incident", "rule"}


def test_the_engine_runs_each_rule_through_its_kind(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind's entry is all the engine knows: replaced, the replacement is what runs."""
    seen: list[tuple[str, Trigger]] = []
    for name, kind in list(KINDS.items()):

        async def recording(connection: Any, rule: Any, trigger: Trigger, _kind: Any = kind) -> Any:
            seen.append((rule.kind, trigger))
            return await _kind.evaluate(connection, rule, trigger)

        monkeypatch.setitem(kinds.KINDS, name, dataclasses.replace(kind, evaluate=recording))
    posted = client.post("/api/v1/incidents", json=incident(), headers=GEOJSON)
    assert posted.status_code == 201, posted.text
    enabled = [str(row[0]) for row in db.execute("SELECT kind FROM rule WHERE enabled")]
    assert set(enabled) == {"proximity", "cluster"}  # the defaults: both kinds run
    assert sorted(kind for kind, _ in seen) == sorted(enabled)
    assert [trigger for _, trigger in seen] == [Trigger("incident", [posted.json()["id"]])] * len(
        enabled
    )
