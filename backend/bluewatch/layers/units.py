"""Units (issue 20): who can be sent when an alert calls for action: a quick reaction
force, a patrol, a medical team. A unit's point is its last known position (moved with
PATCH as reports come in); ``available`` false takes it out of tasking (rest, repair)."""

from __future__ import annotations

import enum

from pydantic import Field, StrictBool

from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec


class UnitKind(enum.StrEnum):
    QRF = "qrf"
    PATROL = "patrol"
    MEDICAL_TEAM = "medical_team"
    ENGINEERS = "engineers"
    OTHER = "other"


class UnitProperties(LayerProperties):
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = UnitKind.QRF
    available: StrictBool = True


UNITS = LayerSpec(
    name="units",
    table="unit",
    title="Units",
    geometry_type="Point",
    properties_model=UnitProperties,
    columns=(
        Column("name", "text"),
        Column("kind", "text"),
        Column("available", "boolean"),
        *COMMON_COLUMNS,
    ),
    time_filter="none",
    choice_filters={"kind": UnitKind},
    tile_fields={
        "name": "String",
        "kind": "String",
        "available": "Boolean",
        "classification": "String",
    },
)
