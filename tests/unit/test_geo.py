"""RFC 7946 checks that need no database."""

from __future__ import annotations

import pytest

from bluewatch.errors import InvalidGeometry, InvalidInput
from bluewatch.geo import GeometryLimits, parse_features, parse_geometry

LIMITS = GeometryLimits(
    max_vertices_per_geometry=100, max_vertices_per_request=150, max_features_per_request=3
)


def test_point_is_normalised_to_two_dimensions() -> None:
    raw = {"type": "Point", "coordinates": [29, -1.5, 1500]}
    assert parse_geometry(raw, "Point", "/geometry", LIMITS) == {
        "type": "Point",
        "coordinates": [29.0, -1.5],
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"type": "Point", "coordinates": [True, 1]}, "numbers"),
        ({"type": "Point", "coordinates": [1, 2, 3, 4]}, "2 or 3"),
        ({"type": "Point", "coordinates": [180.0001, 0]}, "longitude"),
        ({"type": "Point", "coordinates": [0, -90.5]}, "latitude"),
        ({"type": "MultiPoint", "coordinates": [[0, 0]]}, "MultiPoint"),
        ({"type": "Feature"}, "unknown type"),
        ("POINT(0 0)", "geometry object"),
    ],
)
def test_refusals_name_the_reason(raw: object, reason: str) -> None:
    with pytest.raises(InvalidGeometry) as refused:
        parse_geometry(raw, "Point", "/geometry", LIMITS)
    assert reason in refused.value.detail
    assert refused.value.errors[0].pointer.startswith("/geometry")


def test_vertex_limit_per_geometry() -> None:
    line = {"type": "LineString", "coordinates": [[i * 0.001, 0] for i in range(101)]}
    with pytest.raises(InvalidGeometry, match="101 vertices"):
        parse_geometry(line, "LineString", "/geometry", LIMITS)


def test_all_errors_of_a_collection_are_reported_with_pointers() -> None:
    body = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 95]}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 0]}},
        ],
    }
    with pytest.raises(InvalidGeometry) as refused:
        parse_features(body, "Point", LIMITS)
    assert [e.pointer for e in refused.value.errors] == [
        "/features/0/geometry",
        "/features/2/geometry",
    ]


def test_feature_count_limit() -> None:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}
    body = {"type": "FeatureCollection", "features": [feature] * 4}
    with pytest.raises(InvalidInput, match="At most 3 features"):
        parse_features(body, "Point", LIMITS)
