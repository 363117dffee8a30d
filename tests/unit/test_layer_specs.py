"""Each layer's facts live in its LayerSpec (issue 20's shape): a new layer is one spec,
and these hold every spec to its table and to the modules that read it."""

from __future__ import annotations

import psycopg
import pytest

from bluewatch.layers import LAYERS
from bluewatch.layers.spec import LayerSpec
from bluewatch.rules.proximity import TARGET_TABLES

SPECS = list(LAYERS.values())
SHARED = {"id", "geom", "created_at", "updated_at", "created_by", "updated_by"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_a_spec_s_columns_are_its_table_s(
    spec: LayerSpec, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    rows = db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        (spec.table,),
    ).fetchall()
    table = {str(row[0]) for row in rows}
    assert table, spec.table  # the setup found the table
    assert set(spec.column_names) == table - SHARED
    properties = {f.alias or name for name, f in spec.properties_model.model_fields.items()}
    assert properties <= set(spec.column_names)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_a_spec_s_tiles_bundle_and_rules_name_what_it_has(spec: LayerSpec) -> None:
    assert spec.tile_fields and set(spec.tile_fields) <= set(spec.column_names)
    assert set(spec.tile_fields.values()) <= {"String", "Number", "Boolean"}
    assert "bbox" in spec.bundle_filters
    assert spec.bundle_filters - {"bbox", "datetime"} <= spec.list_filters
    assert ("datetime" in spec.bundle_filters) == (spec.time_filter != "none")
    if spec.rule_target is not None:
        assert TARGET_TABLES[spec.rule_target] == spec.table
    if spec.aggregated_tiles:
        assert spec.has_severity and spec.time_filter == "instant"


def test_the_rules_evaluate_one_layer_and_watch_camps_and_routes() -> None:
    assert [spec.name for spec in SPECS if spec.rule_subject] == ["incidents"]
    assert {spec.rule_target for spec in SPECS} - {None} == set(TARGET_TABLES)
    assert not any(spec.rule_subject and spec.rule_target for spec in SPECS)
