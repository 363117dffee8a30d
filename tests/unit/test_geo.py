"""RFC 7946 checks that need no database."""

from __future__ import annotations

from typing import Any

import pytest

from bluewatch.errors import InvalidGeometry, InvalidInput
from bluewatch.geo import GeometryLimits, GeometryType, parse_features, parse_geometry

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


# Boundaries, each at the limit and one step past it (issue 15).


def coordinates(raw: object, kind: GeometryType) -> Any:
    parsed = parse_geometry(raw, kind, "/geometry", LIMITS)
    assert parsed is not None
    return parsed["coordinates"]


@pytest.mark.parametrize("lon", [-180.0, 180.0, 0.0])
@pytest.mark.parametrize("lat", [-90.0, 90.0, 0.0])
def test_the_extreme_positions_are_accepted(lon: float, lat: float) -> None:
    raw = {"type": "Point", "coordinates": [lon, lat]}
    assert coordinates(raw, "Point") == [lon, lat]


@pytest.mark.parametrize(
    "position", [[-180.0000001, 0], [180.0000001, 0], [0, -90.0000001], [0, 90.0000001]]
)
def test_one_step_past_the_extremes_is_refused(position: list[float]) -> None:
    with pytest.raises(InvalidGeometry):
        parse_geometry({"type": "Point", "coordinates": position}, "Point", "/geometry", LIMITS)


@pytest.mark.parametrize(
    "position", [[float("nan"), 0], [0, float("nan")], [float("inf"), 0], [0, float("-inf")]]
)
def test_either_coordinate_not_finite_is_refused(position: list[float]) -> None:
    with pytest.raises(InvalidGeometry):
        parse_geometry({"type": "Point", "coordinates": position}, "Point", "/geometry", LIMITS)


def test_a_two_vertex_line_is_the_shortest_accepted() -> None:
    two = {"type": "LineString", "coordinates": [[29.0, -1.6], [29.1, -1.5]]}
    assert len(coordinates(two, "LineString")) == 2
    for short in ([[29.0, -1.6]], [[29.0, -1.6], [29.0, -1.6]]):
        with pytest.raises(InvalidGeometry, match="two distinct"):
            parse_geometry(
                {"type": "LineString", "coordinates": short}, "LineString", "/geometry", LIMITS
            )


def test_exactly_the_vertex_limit_is_accepted() -> None:
    line = {"type": "LineString", "coordinates": [[i * 0.001, 0] for i in range(100)]}
    assert len(coordinates(line, "LineString")) == 100


def test_exactly_the_feature_limit_is_accepted() -> None:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}
    body = {"type": "FeatureCollection", "features": [feature] * 3}
    assert len(parse_features(body, "Point", LIMITS)) == 3


def test_the_request_vertex_budget_at_and_past_its_limit() -> None:
    def lines(vertices: list[int]) -> dict[str, object]:
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[i * 0.001, 0] for i in range(count)],
                    },
                }
                for count in vertices
            ],
        }

    assert len(parse_features(lines([100, 50]), "LineString", LIMITS)) == 2
    with pytest.raises(InvalidGeometry, match="150"):
        parse_features(lines([100, 51]), "LineString", LIMITS)


@pytest.mark.parametrize(
    ("kind", "coordinates"),
    [
        ("LineString", [[179.5, 0.0], [-179.5, 0.0]]),
        ("LineString", [[-180.0, 1.0], [180.0, 1.0]]),
        ("Polygon", [[[179.0, 0.0], [-179.0, 0.0], [-179.0, 1.0], [179.0, 1.0], [179.0, 0.0]]]),
    ],
)
def test_geometries_crossing_the_antimeridian_are_refused(
    kind: GeometryType, coordinates: list[object]
) -> None:
    with pytest.raises(InvalidGeometry, match="antimeridian"):
        parse_geometry({"type": kind, "coordinates": coordinates}, kind, "/geometry", LIMITS)


def test_an_edge_of_exactly_180_degrees_is_not_a_crossing() -> None:
    line = {"type": "LineString", "coordinates": [[0.0, 0.0], [180.0, 0.0]]}
    assert coordinates(line, "LineString")[1][0] == 180.0
    past = {"type": "LineString", "coordinates": [[-0.0000001, 0.0], [180.0, 0.0]]}
    with pytest.raises(InvalidGeometry, match="antimeridian"):
        parse_geometry(past, "LineString", "/geometry", LIMITS)
