"""RFC 7946 checks that need no database."""

from __future__ import annotations

from typing import Any

import pytest

from bluewatch.errors import InvalidGeometry, InvalidInput
from bluewatch.geo import (
    MAX_REPORTED_ERRORS,
    GeometryLimits,
    GeometryType,
    parse_features,
    parse_geometry,
)


def pt(coordinates: object) -> dict[str, object]:
    return {"type": "Point", "coordinates": coordinates}


LIMITS = GeometryLimits(
    max_vertices_per_geometry=100, max_vertices_per_request=150, max_features_per_request=3
)


def test_point_is_normalised_to_two_dimensions() -> None:
    raw = pt([29, -1.5, 1500])
    assert parse_geometry(raw, "Point", "/geometry", LIMITS) == {
        "type": "Point",
        "coordinates": [29.0, -1.5],
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (pt([True, 1]), "numbers"),
        (pt([1, 2, 3, 4]), "2 or 3"),
        (pt([180.0001, 0]), "longitude"),
        (pt([0, -90.5]), "latitude"),
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
            {"type": "Feature", "geometry": pt([0, 95])},
            {"type": "Feature", "geometry": pt([1, 1])},
            {"type": "Feature", "geometry": pt([200, 0])},
        ],
    }
    with pytest.raises(InvalidGeometry) as refused:
        parse_features(body, "Point", LIMITS)
    assert [e.pointer for e in refused.value.errors] == [
        "/features/0/geometry",
        "/features/2/geometry",
    ]


def test_feature_count_limit() -> None:
    feature = {"type": "Feature", "geometry": pt([0, 0])}
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
    raw = pt([lon, lat])
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
    feature = {"type": "Feature", "geometry": pt([0, 0])}
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


# Every refusal, exactly: pointer and message (mutation testing, issue 15).

P = "/geometry"
EMPTY = "empty geometries are not allowed"
TWO_OR_THREE = "a position is an array of 2 or 3 numbers"


GEOMETRY_REFUSALS: list[tuple[GeometryType, object, list[tuple[str, str]]]] = [
    ("Point", None, [(P, "a geometry is required")]),
    ("Point", [1, 2], [(P, "must be a GeoJSON geometry object")]),
    ("Point", {"type": "Point", "coordinates": [1, 2], "crs": {}},
     [(P + "/crs", "the 'crs' member is not allowed (RFC 7946 §4)")]),
    ("Point", {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
     [(P + "/type", "this layer takes Point geometries, not LineString")]),
    ("Point", {"type": "Circle", "coordinates": [1, 2]},
     [(P + "/type", "this layer takes Point geometries, not an unknown type")]),
    ("Point", pt([]), [(P + "/coordinates", EMPTY)]),
    ("Point", {"type": "Point"}, [(P + "/coordinates", EMPTY)]),
    ("Point", pt([1]), [(P, TWO_OR_THREE)]),
    ("Point", pt([1, 2, 3, 4]), [(P, TWO_OR_THREE)]),
    ("Point", pt("1,2"), [(P + "/coordinates", EMPTY)]),
    ("Point", pt([1, "2"]), [(P, "a position holds numbers only")]),
    ("Point", pt([False, 2]), [(P, "a position holds numbers only")]),
    ("Point", pt([float("nan"), 2]), [(P, "coordinates must be finite numbers")]),
    ("Point", pt([181, 2]), [(P, "longitude must lie within [-180, 180]")]),
    ("Point", pt([1, -91]), [(P, "latitude must lie within [-90, 90]")]),
    ("LineString", {"type": "LineString", "coordinates": [[1, 2]]},
     [(P, "a LineString needs at least two distinct positions")]),
    ("LineString", {"type": "LineString", "coordinates": [[1, 2], [1, 2], [1, 2]]},
     [(P, "a LineString needs at least two distinct positions")]),
    ("LineString", {"type": "LineString", "coordinates": [[1, 2], [1]]},
     [(P, TWO_OR_THREE)]),
    ("Polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
     [(P, "ring 0 has 3 positions; a linear ring needs at least 4")]),
    ("Polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
     [(P, "ring 0 is not closed: its first and last positions differ")]),
    ("Polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]], "ring"]},
     [(P, "ring 1 must be an array of positions")]),
    ("Polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, "x"]]]},
     [(P, "a position holds numbers only")]),
    ("Polygon", {"type": "Polygon", "coordinates": [[[179, 0], [-179, 0], [-179, 1], [179, 0]]]},
     [(P, "ring 0: an edge crosses the antimeridian (spans more than 180 degrees of longitude);"
          " split the geometry at 180 degrees as RFC 7946 section 3.1.9 asks")]),
    ("LineString", {"type": "LineString", "coordinates": [[i * 0.001, 0] for i in range(101)]},
     [(P, "has 101 vertices; at most 100 per geometry")]),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "raw", "errors"), GEOMETRY_REFUSALS)
def test_each_geometry_refusal_exactly(
    kind: GeometryType, raw: object, errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidGeometry) as refused:
        parse_geometry(raw, kind, P, LIMITS)
    assert [(e.pointer, e.message) for e in refused.value.errors] == errors
    assert refused.value.detail == f"{errors[0][0]}: {errors[0][1]}"


def test_geometries_come_back_two_dimensional_and_as_floats() -> None:
    line = {"type": "LineString", "coordinates": [[1, 2, 300], [3, 4]]}
    assert parse_geometry(line, "LineString", P, LIMITS) == {
        "type": "LineString",
        "coordinates": [[1.0, 2.0], [3.0, 4.0]],
    }
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    polygon = {"type": "Polygon", "coordinates": [ring, hole]}
    parsed = parse_geometry(polygon, "Polygon", P, LIMITS)
    assert parsed == {"type": "Polygon", "coordinates": [ring, hole]}
    assert all(isinstance(v, float) for r in parsed["coordinates"] for p in r for v in p)


def _feature(geometry: object = None, **members: object) -> dict[str, object]:
    point = pt([1, 2])
    return {"type": "Feature", "geometry": geometry or point, "properties": {}} | members


OTHER_CRS = (
    "Coordinates must be WGS 84 longitude/latitude (CRS84, RFC 7946); this 'crs' names "
    "another system: reproject first, e.g. ogr2ogr -t_srs EPSG:4326."
)


def crs_named(name: str) -> dict[str, object]:
    return {"type": "name", "properties": {"name": name}}


@pytest.mark.parametrize(
    "name",
    ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
     "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84", "urn:ogc:def:crs:OGC::CRS84",
     "http://www.opengis.net/def/crs/EPSG/0/4326"],
)  # fmt: skip
def test_a_crs_naming_wgs84_lon_lat_is_accepted(name: str) -> None:
    body = {"type": "FeatureCollection", "crs": crs_named(name), "features": [_feature()]}
    assert len(parse_features(body, "Point", LIMITS)) == 1


BODY_REFUSALS: list[tuple[object, type[Exception], str, list[tuple[str, str]]]] = [
    ([], InvalidInput, "The body must be a GeoJSON Feature or FeatureCollection object.", []),
    ({"type": "Point"}, InvalidInput, "The body must be a GeoJSON Feature or FeatureCollection.",
     [("/type", "must be 'Feature' or 'FeatureCollection'")]),
    ({"type": "FeatureCollection"}, InvalidInput, "A FeatureCollection needs a 'features' array.",
     [("/features", "must be an array")]),
    ({"type": "FeatureCollection", "features": []}, InvalidInput,
     "The FeatureCollection holds no features.", [("/features", "is empty")]),
    ({"type": "FeatureCollection", "features": [], "crs": {}}, InvalidGeometry, OTHER_CRS,
     [("/crs", "only WGS 84 lon/lat (CRS84) is accepted")]),
    ({"type": "FeatureCollection", "features": [_feature(crs=crs_named("EPSG:3857"))]},
     InvalidGeometry, OTHER_CRS, [("/features/0/crs", "only WGS 84 lon/lat (CRS84) is accepted")]),
    ({"type": "FeatureCollection", "features": [], "crs": {"type": "link"}}, InvalidGeometry,
     OTHER_CRS, [("/crs", "only WGS 84 lon/lat (CRS84) is accepted")]),
    ({"type": "FeatureCollection", "features": [_feature(), "x", _feature(properties=[])]},
     InvalidGeometry, "/features/1: must be a GeoJSON Feature object (and 1 more)",
     [("/features/1", "must be a GeoJSON Feature object"),
      ("/features/2/properties", "must be an object")]),
    ({"type": "FeatureCollection", "features": [_feature(type="Thing")]}, InvalidGeometry,
     "/features/0: must be a GeoJSON Feature object",
     [("/features/0", "must be a GeoJSON Feature object")]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "error", "detail", "errors"), BODY_REFUSALS)
def test_each_body_refusal_exactly(
    body: object, error: type[Exception], detail: str, errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(error) as refused:
        parse_features(body, "Point", LIMITS)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.detail == detail
    assert [(e.pointer, e.message) for e in refused.value.errors] == errors


def test_features_keep_their_pointer_properties_and_optional_geometry() -> None:
    body = {"type": "FeatureCollection", "features": [
        _feature(properties={"name": "a"}), _feature(properties=None)]}  # fmt: skip
    parsed = parse_features(body, "Point", LIMITS)
    assert [(f.pointer, f.properties) for f in parsed] == [
        ("/features/0", {"name": "a"}), ("/features/1", {})]  # fmt: skip
    single = parse_features(_feature(), "Point", LIMITS)
    assert [f.pointer for f in single] == [""]
    no_geometry: dict[str, object] = {"type": "Feature", "geometry": None, "properties": {}}
    [kept] = parse_features(no_geometry, "Point", LIMITS, geometry_required=False)
    assert kept.geometry is None
    with pytest.raises(InvalidGeometry, match="a geometry is required"):
        parse_features(no_geometry, "Point", LIMITS)


def test_errors_stop_at_the_reporting_limit() -> None:
    bad = {"type": "Feature", "geometry": pt([0, 95])}
    body = {"type": "FeatureCollection", "features": [bad] * 3}
    many = GeometryLimits(
        max_vertices_per_geometry=10, max_vertices_per_request=10_000, max_features_per_request=1000
    )
    with pytest.raises(InvalidGeometry) as refused:
        parse_features({"type": "FeatureCollection", "features": [bad] * 500}, "Point", many)
    assert len(refused.value.errors) == MAX_REPORTED_ERRORS
    with pytest.raises(InvalidGeometry) as three:
        parse_features(body, "Point", many)
    assert (
        three.value.detail
        == "/features/0/geometry: latitude must lie within [-90, 90] (and 2 more)"
    )


def test_too_many_features_is_one_pointed_error() -> None:
    feature = {"type": "Feature", "geometry": pt([0, 0])}
    with pytest.raises(InvalidInput) as refused:
        parse_features({"type": "FeatureCollection", "features": [feature] * 4}, "Point", LIMITS)
    assert refused.value.detail == "At most 3 features per request."
    assert [(e.pointer, e.message) for e in refused.value.errors] == [
        ("/features", "too many features")
    ]


def test_a_point_costs_one_vertex_of_the_request_budget() -> None:
    two = GeometryLimits(
        max_vertices_per_geometry=10, max_vertices_per_request=2, max_features_per_request=10
    )
    points = [{"type": "Feature", "geometry": pt([i, 0])} for i in range(3)]
    assert (
        len(parse_features({"type": "FeatureCollection", "features": points[:2]}, "Point", two))
        == 2
    )
    with pytest.raises(InvalidGeometry, match="more than 2 vertices in all"):
        parse_features({"type": "FeatureCollection", "features": points}, "Point", two)


def test_a_root_pointer_reads_as_a_slash() -> None:
    with pytest.raises(InvalidGeometry) as refused:
        parse_geometry(None, "Point", "", LIMITS)
    assert refused.value.detail == "/: a geometry is required"


def test_parsed_features_carry_their_geometry() -> None:
    [parsed] = parse_features({"type": "Feature", "geometry": pt([1, 2])}, "Point", LIMITS)
    assert parsed.geometry == {"type": "Point", "coordinates": [1.0, 2.0]}
    optional = {"type": "Feature", "geometry": None, "properties": {"a": 1}}
    [kept] = parse_features(
        {"type": "FeatureCollection", "features": [optional]}, "Point", LIMITS,
        geometry_required=False,
    )  # fmt: skip
    assert (kept.pointer, kept.geometry, kept.properties) == ("/features/0", None, {"a": 1})
