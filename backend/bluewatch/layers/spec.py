"""What a layer is: its table, geometry type, properties and the filters it accepts."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bluewatch.classification import Classification
from bluewatch.geo import GeometryType
from bluewatch.security.principal import Role
from bluewatch.text import check_plain

READ_ONLY_PROPERTIES = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by"})

TimeFilter = Literal["instant", "window", "none"]
RuleTarget = Literal["camp", "route"]


class LayerProperties(BaseModel):
    """Properties every layer shares. Unknown properties are refused, read-only ones ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    classification: Classification = Classification.CONFIDENTIAL
    external_source: str | None = Field(default=None, min_length=1, max_length=100)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("*")
    @classmethod
    def _carriable_text(cls, value: object) -> object:
        return check_plain(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _external_key_complete(self) -> LayerProperties:
        if (self.external_source is None) != (self.external_id is None):
            raise ValueError("external_source and external_id go together: give both or neither")
        return self


@dataclass(frozen=True)
class Column:
    """A property stored in its own column; ``sql_type`` types it for jsonb_to_recordset.

    ``default_sql`` fills the column when a record leaves the property out (null).
    """

    name: str
    sql_type: str
    default_sql: str | None = None


@dataclass(frozen=True, eq=False)  # identity hash: specs are module constants
class LayerSpec:
    name: str  # URL segment: incidents, routes, camps
    table: str
    title: str
    geometry_type: GeometryType
    properties_model: type[LayerProperties]
    columns: tuple[Column, ...]
    time_filter: TimeFilter
    # Filters beyond bbox, datetime, limit and cursor: a comma list of choices per column,
    # and ``severity_min`` where the layer has a severity.
    choice_filters: Mapping[str, type[enum.StrEnum]] = field(default_factory=dict)
    has_severity: bool = False
    write_role: Role = Role.ANALYST  # create and patch; deleting always needs admin
    # Facts other modules read per layer, kept here so a layer is added in one place:
    # which rule target its records are, or whether the rules evaluate them, the
    # attributes its vector tiles carry (name → MVT type) and whether dense tiles are
    # aggregated on a grid (counts, highest severity, latest time: a layer with severity
    # and an instant), the bundle filters it follows.
    rule_target: RuleTarget | None = None
    rule_subject: bool = False  # its records are what the rules evaluate (incidents)
    # Its records shape travel times (roads, facilities): the coverage rules run again
    # when one is written or deleted.
    network_part: bool = False
    tile_fields: Mapping[str, str] = field(default_factory=dict)
    aggregated_tiles: bool = False
    bundle_filters: frozenset[str] = frozenset({"bbox"})

    @property
    def list_filters(self) -> frozenset[str]:
        names = set(self.choice_filters)
        if self.has_severity:
            names.add("severity_min")
        return frozenset(names)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


COMMON_COLUMNS = (
    Column("classification", "classification"),
    Column("external_source", "text"),
    Column("external_id", "text"),
)
