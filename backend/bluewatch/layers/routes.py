"""Convoy routes: lines with a status and an optional movement window."""

from __future__ import annotations

import enum

from pydantic import Field, model_validator

from bluewatch.instants import Instant
from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec


class RouteStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class RouteProperties(LayerProperties):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    status: RouteStatus = RouteStatus.PLANNED
    active_from: Instant | None = None
    active_until: Instant | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> RouteProperties:
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValueError("active_until must not be before active_from")
        return self


ROUTES = LayerSpec(
    name="routes",
    table="route",
    title="Convoy routes",
    geometry_type="LineString",
    properties_model=RouteProperties,
    columns=(
        Column("name", "text"),
        Column("description", "text"),
        Column("status", "text"),
        Column("active_from", "timestamptz"),
        Column("active_until", "timestamptz"),
        *COMMON_COLUMNS,
    ),
    time_filter="window",
    choice_filters={"status": RouteStatus},
    rule_target="route",
    tile_fields={
        "name": "String",
        "status": "String",
        "active_from": "String",
        "active_until": "String",
        "classification": "String",
    },
    bundle_filters=frozenset({"bbox", "datetime"}),
)
