"""The three map layers (incidents, convoy routes, camp perimeters) and their store."""

from bluewatch.layers.camps import CAMPS
from bluewatch.layers.incidents import INCIDENTS
from bluewatch.layers.routes import ROUTES
from bluewatch.layers.spec import LayerSpec

LAYERS: dict[str, LayerSpec] = {spec.name: spec for spec in (INCIDENTS, ROUTES, CAMPS)}

__all__ = ["CAMPS", "INCIDENTS", "LAYERS", "ROUTES", "LayerSpec"]
