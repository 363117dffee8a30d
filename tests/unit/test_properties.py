"""Properties of the input parsers, checked by hypothesis over their whole domain."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bluewatch.classification import Classification
from bluewatch.errors import InvalidGeometry, InvalidParameter
from bluewatch.geo import GeometryLimits, parse_geometry
from bluewatch.layers import INCIDENTS
from bluewatch.layers.query import decode_cursor, encode_cursor, parse_list_query
from bluewatch.parsing import BIGINT_MAX, whole_number

LIMITS = GeometryLimits(
    max_vertices_per_geometry=1000, max_vertices_per_request=1000, max_features_per_request=10
)
TOP = Classification.STRICTLY_CONFIDENTIAL
lons = st.floats(-180, 180)
lats = st.floats(-90, 90)
any_float = st.floats(allow_nan=True, allow_infinity=True)


@given(lon=any_float, lat=any_float)
def test_a_point_is_accepted_exactly_when_it_lies_on_the_globe(lon: float, lat: float) -> None:
    on_globe = math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    try:
        parsed = parse_geometry({"type": "Point", "coordinates": [lon, lat]}, "Point", "", LIMITS)
    except InvalidGeometry:
        assert not on_globe
    else:
        assert on_globe
        assert parsed == {"type": "Point", "coordinates": [lon, lat]}


@given(west=lons, south=lats, east=lons, north=lats)
def test_a_bbox_is_accepted_exactly_when_south_is_not_above_north(
    west: float, south: float, east: float, north: float
) -> None:
    raw = f"{west!r},{south!r},{east!r},{north!r}"
    try:
        query = parse_list_query(INCIDENTS, {"bbox": raw}, TOP)
    except InvalidParameter:
        assert south > north
    else:
        assert south <= north
        assert query.bbox == (west, south, east, north)


@given(st.integers(0, BIGINT_MAX))
def test_cursors_round_trip(last_id: int) -> None:
    assert decode_cursor(encode_cursor(last_id)) == last_id


@given(st.text(max_size=30))
def test_whole_numbers_are_ascii_digits_within_bigint(raw: str) -> None:
    value = whole_number(raw)
    digits = raw.strip()
    if value is None:
        assert not (digits.isascii() and digits.isdigit()) or int(digits) > BIGINT_MAX
    else:
        assert digits.isascii() and digits.isdigit() and int(digits) == value <= BIGINT_MAX


@given(st.integers(0, 2**70))
def test_whole_numbers_at_and_past_the_upper_bound(value: int) -> None:
    assert whole_number(str(value)) == (value if value <= BIGINT_MAX else None)
    assert whole_number(str(value), upper=1000) == (value if value <= 1000 else None)
