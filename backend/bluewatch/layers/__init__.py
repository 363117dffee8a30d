"""The map layers (incidents, convoy routes, camp perimeters, roads, medical
facilities, units) and their store."""

from bluewatch.layers.camps import CAMPS
from bluewatch.layers.facilities import FACILITIES
from bluewatch.layers.incidents import INCIDENTS
from bluewatch.layers.roads import ROADS
from bluewatch.layers.routes import ROUTES
from bluewatch.layers.spec import LayerSpec
from bluewatch.layers.units import UNITS

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec for spec in (INCIDENTS, ROUTES, CAMPS, ROADS, FACILITIES, UNITS)
}

__all__ = ["CAMPS", "FACILITIES", "INCIDENTS", "LAYERS", "ROADS", "ROUTES", "UNITS", "LayerSpec"]
