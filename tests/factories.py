"""Valid features for each layer, to post and to break on purpose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime.now(UTC).replace(microsecond=0)
GOMA = (29.2228, -1.6792)


def incident(
    lon: float = GOMA[0],
    lat: float = GOMA[1],
    *,
    hours_ago: float = 1,
    **properties: Any,
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "occurred_at": (NOW - timedelta(hours=hours_ago)).isoformat(),
            "category": "armed_clash",
            "severity": 3,
            "title": "Exchange of fire near Goma",
            **properties,
        },
    }


def route(coordinates: list[list[float]] | None = None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": coordinates or [[29.2228, -1.6792], [29.155, -1.64], [29.0453, -1.5736]],
        },
        "properties": {"name": "RN2 Goma – Sake", "status": "active", **properties},
    }


def square(lon: float, lat: float, half: float = 0.003) -> list[list[float]]:
    """A counter-clockwise closed square ring around (lon, lat), at 6 decimals."""
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    return [[round(lon + dx * half, 6), round(lat + dy * half, 6)] for dx, dy in corners]


def camp(ring: list[list[float]] | None = None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring or square(29.235, -1.67)]},
        "properties": {"name": "Force HQ Goma", "kind": "hq", **properties},
    }


def road(coordinates: list[list[float]] | None = None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": coordinates or [[29.2228, -1.6792], [29.2, -1.66], [29.155, -1.64]],
        },
        "properties": {"name": "RN2", "class": "primary", **properties},
    }


def facility(lon: float = 29.23, lat: float = -1.675, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "name": "Level 2 hospital Goma",
            "level": 2,
            "kind": "hospital",
            **properties,
        },
    }


def unit(lon: float = 29.25, lat: float = -1.68, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": "QRF Alpha", "kind": "qrf", **properties},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def stored(response_body: dict[str, Any]) -> dict[str, Any]:
    """A POST or PATCH answer as GET returns it: without the raised ``alerts``."""
    return {key: value for key, value in response_body.items() if key != "alerts"}


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "incidents": incident,
    "routes": route,
    "camps": camp,
    "roads": road,
    "facilities": facility,
    "units": unit,
}
GEOJSON = {"Content-Type": "application/geo+json"}
