"""Camps: the perimeters of mission bases and protection-of-civilians sites."""

from __future__ import annotations

import enum

from pydantic import Field

from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec
from bluewatch.security.principal import Role


class CampKind(enum.StrEnum):
    HQ = "hq"
    TEAM_SITE = "team_site"
    COMPANY_BASE = "company_base"
    POC_SITE = "poc_site"
    OTHER = "other"


class CampProperties(LayerProperties):
    name: str = Field(min_length=1, max_length=200)
    kind: CampKind = CampKind.OTHER
    unit: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=10_000)


CAMPS = LayerSpec(
    name="camps",
    table="camp",
    title="Camp perimeters",
    geometry_type="Polygon",
    properties_model=CampProperties,
    columns=(
        Column("name", "text"),
        Column("kind", "text"),
        Column("unit", "text"),
        Column("description", "text"),
        *COMMON_COLUMNS,
    ),
    time_filter="none",
    choice_filters={"kind": CampKind},
    write_role=Role.ADMIN,
    rule_target="camp",
    tile_fields={"name": "String", "kind": "String", "unit": "String", "classification": "String"},
)
