"""Roads: the lines casualties and convoys travel on (issue 20). Each road's class sets
its speed (``network/speeds.py``) unless the road gives its own; the network routed
over is kept from the roads by the database (migration 0018)."""

from __future__ import annotations

import enum

from pydantic import ConfigDict, Field

from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec


class RoadClass(enum.StrEnum):
    """OpenStreetMap's highway classes, as an extract converted with ogr2ogr names them."""

    MOTORWAY = "motorway"
    TRUNK = "trunk"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    UNCLASSIFIED = "unclassified"
    RESIDENTIAL = "residential"
    TRACK = "track"
    PATH = "path"


class RoadProperties(LayerProperties):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    name: str = Field(default="", max_length=200)
    road_class: RoadClass = Field(default=RoadClass.UNCLASSIFIED, alias="class")
    speed_kmh: float | None = Field(default=None, gt=0, le=200)
    oneway: bool = False


ROADS = LayerSpec(
    name="roads",
    table="road",
    title="Roads",
    geometry_type="LineString",
    properties_model=RoadProperties,
    columns=(
        Column("name", "text"),
        Column("class", "text"),
        Column("speed_kmh", "real"),
        Column("oneway", "boolean"),
        *COMMON_COLUMNS,
    ),
    time_filter="none",
    network_part=True,
    choice_filters={"class": RoadClass},
    tile_fields={
        "name": "String",
        "class": "String",
        "oneway": "Boolean",
        "classification": "String",
    },
)
