"""Medical facilities (issue 20): where casualties are taken, with the UN level of care
each gives (1: primary care and resuscitation, 2: damage-control surgery, 3: specialist
care). A helipad that is not itself a care facility has no level."""

from __future__ import annotations

import enum

from pydantic import Field

from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec
from bluewatch.security.principal import Role


class FacilityKind(enum.StrEnum):
    HOSPITAL = "hospital"
    AID_POST = "aid_post"
    HELIPAD = "helipad"


class FacilityProperties(LayerProperties):
    name: str = Field(min_length=1, max_length=200)
    level: int | None = Field(default=None, ge=1, le=3)
    kind: FacilityKind = FacilityKind.HOSPITAL
    capacity: int | None = Field(default=None, ge=0, le=100_000)


FACILITIES = LayerSpec(
    name="facilities",
    table="facility",
    title="Medical facilities",
    geometry_type="Point",
    properties_model=FacilityProperties,
    columns=(
        Column("name", "text"),
        Column("level", "smallint"),
        Column("kind", "text"),
        Column("capacity", "integer"),
        *COMMON_COLUMNS,
    ),
    time_filter="none",
    network_part=True,
    choice_filters={"kind": FacilityKind},
    write_role=Role.ADMIN,
    tile_fields={
        "name": "String",
        "level": "Number",
        "kind": "String",
        "classification": "String",
    },
)
