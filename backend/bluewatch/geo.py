"""GeoJSON (RFC 7946) input: structure, coordinate ranges and size limits.

Everything that can be checked without the database is checked here, so a bad
geometry is refused before a transaction starts. Ring validity (self-intersection)
is left to PostGIS, which names the reason (``ST_IsValidReason``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from bluewatch.errors import FieldError, InvalidGeometry, InvalidInput

GeometryType = Literal["Point", "LineString", "Polygon"]
Position = list[float]
Refuse = Callable[[str], None]

MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class GeometryLimits:
    max_vertices_per_geometry: int
    max_vertices_per_request: int
    max_features_per_request: int


@dataclass
class FeatureInput:
    """One posted feature: where it sat in the body, its geometry and raw properties."""

    pointer: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


@dataclass
class _Budget:
    vertices_left: int
    errors: list[FieldError] = field(default_factory=list)


def iter_posted_features(body: object) -> Iterator[tuple[str, object]]:
    """Yield (pointer, feature) for a Feature or each member of a FeatureCollection."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a GeoJSON Feature or FeatureCollection object.")
    check_crs(body, "")
    kind = body.get("type")
    if kind == "Feature":
        yield "", body
    elif kind == "FeatureCollection":
        members = body.get("features")
        if not isinstance(members, list):
            raise InvalidInput(
                "A FeatureCollection needs a 'features' array.",
                [FieldError("/features", "must be an array")],
            )
        for index, member in enumerate(members):
            yield f"/features/{index}", member
    else:
        raise InvalidInput(
            "The body must be a GeoJSON Feature or FeatureCollection.",
            [FieldError("/type", "must be 'Feature' or 'FeatureCollection'")],
        )


def parse_features(
    body: object,
    expected: GeometryType,
    limits: GeometryLimits,
    *,
    geometry_required: bool = True,
) -> list[FeatureInput]:
    """Check structure and geometry of every posted feature; raise with all reasons found."""
    budget = _Budget(vertices_left=limits.max_vertices_per_request)
    features: list[FeatureInput] = []
    for pointer, member in iter_posted_features(body):
        if len(features) >= limits.max_features_per_request:
            raise InvalidInput(
                f"At most {limits.max_features_per_request} features per request.",
                [FieldError("/features", "too many features")],
            )
        feature = _parse_feature(member, pointer, expected, limits, budget, geometry_required)
        if feature is not None:
            features.append(feature)
        if len(budget.errors) >= MAX_REPORTED_ERRORS:
            break
    if budget.errors:
        raise InvalidGeometry(_summary(budget.errors), budget.errors)
    if not features:
        raise InvalidInput(
            "The FeatureCollection holds no features.", [FieldError("/features", "is empty")]
        )
    return features


def _summary(errors: list[FieldError]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first.pointer or '/'}: {first.message}{more}"


# Names of WGS 84 longitude/latitude that GDAL, QGIS and others write into the old
# (GeoJSON 2008) ``crs`` member. EPSG:4326 is listed because GeoJSON writers put lon/lat
# under it whatever the registry's axis order says.
WGS84_NAMES = frozenset({
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
})  # fmt: skip


def check_crs(member: dict[str, Any], pointer: str) -> None:
    """A ``crs`` member naming WGS 84 lon/lat is accepted (RFC 7946 dropped the member,
    but GIS tools still write it); any other CRS is refused, never reprojected."""
    if "crs" not in member:
        return
    crs = member["crs"]
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if isinstance(crs, dict) and crs.get("type") == "name" and name in WGS84_NAMES:
        return
    raise InvalidGeometry(
        "Coordinates must be WGS 84 longitude/latitude (CRS84, RFC 7946); this 'crs' names "
        "another system: reproject first, e.g. ogr2ogr -t_srs EPSG:4326.",
        [FieldError(f"{pointer}/crs", "only WGS 84 lon/lat (CRS84) is accepted")],
    )


def _parse_feature(
    member: object,
    pointer: str,
    expected: GeometryType,
    limits: GeometryLimits,
    budget: _Budget,
    geometry_required: bool,
) -> FeatureInput | None:
    if not isinstance(member, dict) or member.get("type") != "Feature":
        budget.errors.append(FieldError(pointer or "/", "must be a GeoJSON Feature object"))
        return None
    check_crs(member, pointer)
    properties = member.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        budget.errors.append(FieldError(f"{pointer}/properties", "must be an object"))
        return None
    raw_geometry = member.get("geometry")
    if raw_geometry is None and not geometry_required:
        return FeatureInput(pointer, None, properties)
    geometry = parse_geometry(raw_geometry, expected, f"{pointer}/geometry", limits, budget)
    if geometry is None:
        return None
    return FeatureInput(pointer, geometry, properties)


def parse_geometry(
    raw: object,
    expected: GeometryType,
    pointer: str,
    limits: GeometryLimits,
    budget: _Budget | None = None,
) -> dict[str, Any] | None:
    """Return a 2-D GeoJSON geometry of type ``expected``, or record why not.

    With no ``budget`` the first problem raises ``InvalidGeometry`` at once.
    """
    own_budget = budget is None
    tally = budget if budget is not None else _Budget(limits.max_vertices_per_request)
    geometry = _check_geometry(raw, expected, pointer, limits, tally)
    if own_budget and tally.errors:
        raise InvalidGeometry(_summary(tally.errors), tally.errors)
    return geometry


def _check_geometry(
    raw: object, expected: GeometryType, pointer: str, limits: GeometryLimits, budget: _Budget
) -> dict[str, Any] | None:
    def refuse(message: str, where: str = "") -> None:
        budget.errors.append(FieldError(pointer + where, message))

    if raw is None:
        refuse("a geometry is required")
        return None
    if not isinstance(raw, dict):
        refuse("must be a GeoJSON geometry object")
        return None
    if "crs" in raw:
        refuse("the 'crs' member is not allowed (RFC 7946 §4)", "/crs")
        return None
    kind = raw.get("type")
    if kind != expected:
        shown = kind if kind in _KNOWN_TYPES else "an unknown type"
        refuse(f"this layer takes {expected} geometries, not {shown}", "/type")
        return None
    coordinates = raw.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        refuse("empty geometries are not allowed", "/coordinates")
        return None
    checked: Any
    if kind == "Point":
        checked = _position(coordinates, refuse)
        count = 1
    elif kind == "LineString":
        checked = _line(coordinates, refuse)
        count = len(coordinates)
    else:
        checked = _polygon(coordinates, refuse)
        count = sum(len(ring) for ring in coordinates if isinstance(ring, list))
    if count > limits.max_vertices_per_geometry:
        refuse(f"has {count} vertices; at most {limits.max_vertices_per_geometry} per geometry")
        return None
    budget.vertices_left -= count
    if budget.vertices_left < 0:
        refuse(f"the request holds more than {limits.max_vertices_per_request} vertices in all")
        return None
    if checked is None:
        return None
    return {"type": kind, "coordinates": checked}


_KNOWN_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def _position(raw: object, refuse: Refuse) -> Position | None:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 3:
        refuse("a position is an array of 2 or 3 numbers")
        return None
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in raw):
        refuse("a position holds numbers only")
        return None
    lon, lat = float(raw[0]), float(raw[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        refuse("coordinates must be finite numbers")
        return None
    if not -180.0 <= lon <= 180.0:
        refuse("longitude must lie within [-180, 180]")
        return None
    if not -90.0 <= lat <= 90.0:
        refuse("latitude must lie within [-90, 90]")
        return None
    # Altitude is accepted (RFC 7946 allows it) but not stored: every layer is 2-D.
    return [lon, lat]


def _line(raw: list[Any], refuse: Refuse) -> list[Position] | None:
    positions = _positions(raw, refuse)
    if positions is None:
        return None
    if len(positions) < 2 or all(p == positions[0] for p in positions):
        refuse("a LineString needs at least two distinct positions")
        return None
    if _crosses_antimeridian(positions):
        refuse(ANTIMERIDIAN)
        return None
    return positions


# Refused rather than split: a split camp would be two camps for the rules and the map,
# and nothing in a mission area needs it (docs/security.md, "Geometry").
ANTIMERIDIAN = (
    "an edge crosses the antimeridian (spans more than 180 degrees of longitude); "
    "split the geometry at 180 degrees as RFC 7946 section 3.1.9 asks"
)


def _crosses_antimeridian(positions: list[Position]) -> bool:
    return any(abs(b[0] - a[0]) > 180.0 for a, b in itertools.pairwise(positions))


def _polygon(raw: list[Any], refuse: Refuse) -> list[list[Position]] | None:
    rings: list[list[Position]] = []
    for index, raw_ring in enumerate(raw):
        if not isinstance(raw_ring, list):
            refuse(f"ring {index} must be an array of positions")
            return None
        ring = _positions(raw_ring, refuse)
        if ring is None:
            return None
        if len(ring) < 4:
            refuse(f"ring {index} has {len(ring)} positions; a linear ring needs at least 4")
            return None
        if ring[0] != ring[-1]:
            refuse(f"ring {index} is not closed: its first and last positions differ")
            return None
        if _crosses_antimeridian(ring):
            refuse(f"ring {index}: {ANTIMERIDIAN}")
            return None
        rings.append(ring)
    return rings


def _positions(raw: list[Any], refuse: Refuse) -> list[Position] | None:
    positions: list[Position] = []
    for raw_position in raw:
        position = _position(raw_position, refuse)
        if position is None:
            return None
        positions.append(position)
    return positions
