"""List-filter parsing: what is accepted, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.layers import CAMPS, INCIDENTS, ROUTES
from bluewatch.layers.query import (
    SqlFilter,
    decode_cursor,
    encode_cursor,
    list_filter,
    parse_datetime,
    parse_list_query,
    visible_to,
)

TOP = Classification.STRICTLY_CONFIDENTIAL


def test_interval_forms() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_datetime("2026-11-01T00:00:00Z").start == start
    assert parse_datetime("2026-11-01T00:00:00Z/..").end is None
    assert parse_datetime("/2026-11-01T00:00:00+00:00").start is None
    offset = parse_datetime("2026-11-01T03:00:00+03:00")
    assert offset.start == start


def test_cursor_round_trip_and_forgery() -> None:
    assert decode_cursor(encode_cursor(12345)) == 12345
    for forged in ["", "abc", encode_cursor(1) + "!", "YWZ0ZXI6LTE"]:  # last: "after:-1"
        with pytest.raises(InvalidParameter):
            decode_cursor(forged)


def test_unknown_names_are_not_echoed_when_unsafe() -> None:
    with pytest.raises(InvalidParameter) as refused:
        parse_list_query(INCIDENTS, {"x' OR 1=1": "1"}, TOP)
    assert "OR 1=1" not in refused.value.detail


def test_filters_bind_values_and_never_inline_them() -> None:
    query = parse_list_query(
        INCIDENTS, {"category": "ied,ambush", "severity_min": "3", "bbox": "1,2,3,4"}, TOP
    )
    sql_filter = list_filter(INCIDENTS, query)
    assert "ied" not in sql_filter.where
    assert sql_filter.params["choice_category"] == ["ied", "ambush"]
    assert sql_filter.params["severity_min"] == 3


def test_layer_specific_filters() -> None:
    with pytest.raises(InvalidParameter, match="Unknown"):
        parse_list_query(CAMPS, {"severity_min": "3"}, TOP)
    camps = parse_list_query(CAMPS, {"kind": "hq,poc_site"}, TOP)
    assert camps.choices == {"kind": ("hq", "poc_site")}


# Exact answers, boundaries at and one past each limit (issue 15: mutation testing showed
# 46 % of this module's mutants surviving).

BBOX_FORM = "'bbox' takes four numbers: minLon,minLat,maxLon,maxLat (or six, with heights)."
DURATION_FORM = "'datetime' durations are ISO 8601, e.g. P2D or PT6H."
REFUSALS = [
    ({"bbox": "1,2,3"}, BBOX_FORM),
    ({"bbox": "1,2,3,4,5,6,7"}, BBOX_FORM),
    ({"bbox": "1,2,3,4,5"}, BBOX_FORM),
    ({"bbox": "1,2,x,4"}, BBOX_FORM),
    ({"bbox": "1,2,inf,4"}, "'bbox' coordinates must be finite."),
    ({"bbox": "nan,2,3,4"}, "'bbox' coordinates must be finite."),
    ({"bbox": "-180.000001,0,1,1"}, "'bbox' longitudes must lie within [-180, 180]."),
    ({"bbox": "0,0,180.000001,1"}, "'bbox' longitudes must lie within [-180, 180]."),
    ({"bbox": "0,-90.000001,1,1"}, "'bbox' latitudes must lie within [-90, 90]."),
    ({"bbox": "0,0,1,90.000001"}, "'bbox' latitudes must lie within [-90, 90]."),
    ({"bbox": "0,1.000001,1,1"}, "'bbox' minLat must not exceed maxLat."),
    ({"limit": "0"}, "'limit' must lie between 1 and 10000."),
    ({"limit": "10001"}, "'limit' must lie between 1 and 10000."),
    ({"limit": "ten"}, "'limit' must be a whole number."),
    ({"severity_min": "0"}, "'severity_min' must lie between 1 and 5."),
    ({"severity_min": "6"}, "'severity_min' must lie between 1 and 5."),
    ({"category": ""}, "'category' takes a comma-separated list of: abduction, ambush, "
     "armed_clash, attack_on_civilians, checkpoint, crime, drone_sighting, ied, "
     "indirect_fire, natural_hazard, other, protest, uxo."),
    ({"status": "reported,lost"}, "'status' takes a comma-separated list of: dismissed, "
     "reported, verified."),
    ({"datetime": "2026-11"}, "'datetime' takes RFC 3339 date-times with an offset, "
     "e.g. 2026-11-01T00:00:00Z."),
    ({"datetime": "2026-02-30"}, "'datetime' dates are YYYY-MM-DD."),
    ({"datetime": "P2D/P3D"}, "'datetime' interval needs at least one closed end."),
    ({"datetime": "../P2D"}, "'datetime' needs a date-time beside a duration."),
    ({"datetime": "2026-11-03T00:00:00Z/P"}, DURATION_FORM),
    ({"datetime": "2026-11-03T00:00:00Z/PT"}, DURATION_FORM),
    ({"datetime": "2026-11-03T00:00:00Z/P2X"}, DURATION_FORM),
    ({"datetime": "2026-11-03T00:00:00Z/P999999Y"},
     "'datetime' reaches past the dates this server handles."),
    ({"datetime": "2026-11-01X00:00:00Z"}, "'datetime' takes RFC 3339 date-times with an "
     "offset, e.g. 2026-11-01T00:00:00Z."),
    ({"datetime": "2026-13-01T00:00:00Z"}, "'datetime' takes RFC 3339 date-times with an "
     "offset, e.g. 2026-11-01T00:00:00Z."),
    ({"datetime": "2026-11-01T00:00:00.000"}, "'datetime' needs a UTC offset (Z or ±hh:mm)."),
    ({"datetime": "a/b/c"}, "'datetime' takes an instant or one interval 'start/end'."),
    ({"datetime": "../.."}, "'datetime' interval needs at least one closed end."),
    ({"datetime": "/"}, "'datetime' interval needs at least one closed end."),
    ({"datetime": "2026-11-02T00:00:00Z/2026-11-01T23:59:59Z"},
     "'datetime' interval ends before it starts."),
    ({"cursor": "bm9wZToxMg"}, "'cursor' is not one this server issued; follow the 'next' link."),
    ({"zoom": "1"}, "Unknown query parameter(s) for incidents: 'zoom'. Accepted: bbox, "
     "category, cursor, datetime, filter, filter-crs, filter-lang, limit, severity_min, status."),
]  # fmt: skip


@pytest.mark.parametrize(("params", "message"), REFUSALS)
def test_each_refusal_says_exactly_what_is_wrong(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        parse_list_query(INCIDENTS, params, TOP)
    assert refused.value.detail == message


def test_a_camp_has_no_time_dimension_to_filter() -> None:
    with pytest.raises(InvalidParameter) as refused:
        parse_list_query(CAMPS, {"datetime": "2026-11-01T00:00:00Z"}, TOP)
    assert refused.value.detail == "camps have no time dimension to filter by datetime."


@pytest.mark.parametrize(
    "bbox", ["-180,-90,180,90", "0,0,0,0", "5,1,5,1", "179,0,-179,1", "-180,0,-180,0"]
)
def test_boxes_at_the_limits_are_accepted(bbox: str) -> None:
    """The full world, zero-area boxes, and boxes across the antimeridian."""
    parsed = parse_list_query(INCIDENTS, {"bbox": bbox}, TOP).bbox
    assert parsed == tuple(float(v) for v in bbox.split(","))


@pytest.mark.parametrize(("limit", "expected"), [("1", 1), ("10000", 10_000), (" 7", 7)])
def test_limits_at_the_bounds(limit: str, expected: int) -> None:
    assert parse_list_query(INCIDENTS, {"limit": limit}, TOP).limit == expected


@pytest.mark.parametrize("severity", ["1", "5"])
def test_severity_at_the_bounds(severity: str) -> None:
    assert parse_list_query(INCIDENTS, {"severity_min": severity}, TOP).severity_min == int(
        severity
    )


def test_defaults_and_every_filter_parsed() -> None:
    empty = parse_list_query(INCIDENTS, {}, TOP)
    assert (empty.bbox, empty.interval, empty.choices, empty.severity_min) == (None, None, {}, None)
    assert (empty.limit, empty.after_id, empty.clearance) == (100, None, TOP)
    full = parse_list_query(
        INCIDENTS,
        {"category": " ied , ambush ,", "status": "verified", "cursor": encode_cursor(41),
         "datetime": "2026-11-01T00:00:00Z/.."},
        Classification.CONFIDENTIAL,
    )  # fmt: skip
    assert full.choices == {"category": ("ied", "ambush"), "status": ("verified",)}
    assert full.after_id == 41
    assert full.clearance is Classification.CONFIDENTIAL
    assert full.interval is not None and full.interval.end is None


def test_names_are_repeated_only_when_short_and_plain() -> None:
    def refused_name(name: str) -> str:
        with pytest.raises(InvalidParameter) as refused:
            parse_list_query(INCIDENTS, {name: "1"}, TOP)
        return refused.value.detail.split(": ")[1].split(". Accepted")[0]

    assert refused_name("a" * 40) == "'" + "a" * 40 + "'"
    assert refused_name("a" * 41) == "(an unprintable name)"
    assert refused_name("x_y-z.1") == "'x_y-z.1'"
    assert refused_name("x y") == "(an unprintable name)"
    many = {f"p{n}": "1" for n in range(7)}
    with pytest.raises(InvalidParameter) as refused:
        parse_list_query(INCIDENTS, many, TOP)
    assert "'p0', 'p1', 'p2', 'p3', 'p4'." in refused.value.detail
    assert "'p5'" not in refused.value.detail


def test_the_list_filter_sql_is_exactly_this() -> None:
    query = parse_list_query(
        INCIDENTS,
        {"bbox": "1,2,3,4", "datetime": "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
         "category": "ied", "severity_min": "3", "cursor": encode_cursor(9)},
        Classification.CONFIDENTIAL,
    )  # fmt: skip
    sql_filter = list_filter(INCIDENTS, query, "i")
    assert sql_filter.clauses == [
        "i.classification <= CAST(:clearance AS classification)",
        "ST_Intersects(i.geom, ST_MakeEnvelope(:bbox_w, :bbox_s, :bbox_e, :bbox_n, 4326))",
        "i.occurred_at >= :time_start",
        "i.occurred_at <= :time_end",
        "i.category = ANY(:choice_category)",
        "i.severity >= :severity_min",
        "i.id > :after_id",
    ]
    assert sql_filter.params == {
        "clearance": "confidential",
        "bbox_w": 1.0, "bbox_s": 2.0, "bbox_e": 3.0, "bbox_n": 4.0,
        "time_start": datetime(2026, 11, 1, tzinfo=UTC),
        "time_end": datetime(2026, 11, 2, tzinfo=UTC),
        "choice_category": ["ied"],
        "severity_min": 3,
        "after_id": 9,
    }  # fmt: skip
    assert sql_filter.where == " AND ".join(sql_filter.clauses)


def test_a_box_across_the_antimeridian_is_two_boxes() -> None:
    query = parse_list_query(INCIDENTS, {"bbox": "179,-1,-179,1"}, TOP)
    clauses = list_filter(INCIDENTS, query).clauses
    assert clauses[1] == (
        "(ST_Intersects(t.geom, ST_MakeEnvelope(:bbox_w, :bbox_s, 180, :bbox_n, 4326))"
        " OR ST_Intersects(t.geom, ST_MakeEnvelope(-180, :bbox_s, :bbox_e, :bbox_n, 4326)))"
    )
    assert list_filter(INCIDENTS, query).params["bbox_e"] == -179.0


def test_route_windows_meet_the_interval() -> None:
    query = parse_list_query(ROUTES, {"datetime": "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z"}, TOP)
    assert list_filter(ROUTES, query, "r").clauses[1:] == [
        "(r.active_until IS NULL OR r.active_until >= :time_start)",
        "(r.active_from IS NULL OR r.active_from <= :time_end)",
    ]
    open_end = parse_list_query(ROUTES, {"datetime": "../2026-11-02T00:00:00Z"}, TOP)
    assert list_filter(ROUTES, open_end, "r").clauses[1:] == [
        "(r.active_from IS NULL OR r.active_from <= :time_end)"
    ]


def test_an_empty_filter_is_true() -> None:
    assert SqlFilter().where == "TRUE"
    assert visible_to("x", TOP).clauses == [
        "x.classification <= CAST(:clearance AS classification)"
    ]


def test_cursors_are_the_id_after_a_fixed_prefix() -> None:
    assert encode_cursor(12) == "YWZ0ZXI6MTI"
    assert decode_cursor("YWZ0ZXI6MTI") == 12
    assert decode_cursor("YWZ0ZXI6MTI=") == 12
    with pytest.raises(InvalidParameter):
        decode_cursor("YWZ0ZXI6")  # "after:" with no number
    with pytest.raises(InvalidParameter):
        decode_cursor("w6k")  # not ASCII


def test_an_instant_is_an_interval_of_one_moment() -> None:
    instant = parse_datetime("2026-11-01T10:00:00z")
    assert instant.start == instant.end == datetime(2026, 11, 1, 10, tzinfo=UTC)
    spaced = parse_datetime(" 2026-11-01 10:00:00+00:00 ")
    assert spaced.start == datetime(2026, 11, 1, 10, tzinfo=UTC)
    interval = parse_datetime("2026-11-01T00:00:00Z/2026-11-01T00:00:00Z")
    assert interval.start == interval.end


@pytest.mark.parametrize(
    "bbox", ["180,0,180,1", "0,90,1,90", "-180,-90,-180,-90", "0,-90,1,-90", "-180,0,180,0"]
)
def test_boxes_touching_every_edge_are_accepted(bbox: str) -> None:
    assert parse_list_query(INCIDENTS, {"bbox": bbox}, TOP).bbox == tuple(
        float(v) for v in bbox.split(",")
    )


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ("180.5,0,180,1", "'bbox' longitudes must lie within [-180, 180]."),
        ("-180,0,-180.5,1", "'bbox' longitudes must lie within [-180, 180]."),
        ("0,90.5,1,90", "'bbox' latitudes must lie within [-90, 90]."),
        ("0,-90,1,-90.5", "'bbox' latitudes must lie within [-90, 90]."),
    ],
)
def test_a_corner_just_past_an_edge_is_refused_for_its_range(bbox: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        parse_list_query(INCIDENTS, {"bbox": bbox}, TOP)
    assert refused.value.detail == message


def test_every_box_binds_its_four_corners() -> None:
    for bbox, expected_clauses in (("5,1,5,2", 2), ("179,-1,-179,1", 2)):
        query = parse_list_query(INCIDENTS, {"bbox": bbox}, TOP)
        sql_filter = list_filter(INCIDENTS, query)
        west, south, east, north = (float(v) for v in bbox.split(","))
        assert sql_filter.params == {
            "clearance": TOP.value, "bbox_w": west, "bbox_s": south, "bbox_e": east,
            "bbox_n": north,
        }  # fmt: skip
        assert len(sql_filter.clauses) == expected_clauses
    single = list_filter(INCIDENTS, parse_list_query(INCIDENTS, {"bbox": "5,1,5,2"}, TOP))
    assert single.clauses[1].startswith("ST_Intersects(t.geom, ST_MakeEnvelope(:bbox_w")


def test_route_windows_bind_the_interval() -> None:
    query = parse_list_query(ROUTES, {"datetime": "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z"}, TOP)
    assert list_filter(ROUTES, query).params == {
        "clearance": TOP.value,
        "time_start": datetime(2026, 11, 1, tzinfo=UTC),
        "time_end": datetime(2026, 11, 2, tzinfo=UTC),
    }


def test_a_lower_case_t_separates_date_and_time() -> None:
    assert parse_datetime("2026-11-01t10:00:00Z").start == datetime(2026, 11, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026-11-03/P2D", "2026-11-03T00:00:00+00:00", "2026-11-05T00:00:00+00:00"),
        ("2026-11-03T06:00:00Z/PT6H30M", "2026-11-03T06:00:00+00:00", "2026-11-03T12:30:00+00:00"),
        ("P1M/2026-03-31T00:00:00Z", "2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00"),
        ("2026-01-31T00:00:00Z/P1M", "2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00"),
        ("2026-11-03T00:00:00Z/P1Y2M3W4DT5H6M7.5S", "2026-11-03T00:00:00+00:00",
         "2028-01-28T05:06:07.500000+00:00"),
        ("2026-11-03T00:00:00Z/p1w", "2026-11-03T00:00:00+00:00", "2026-11-10T00:00:00+00:00"),
        ("2026-11-03", "2026-11-03T00:00:00+00:00", "2026-11-03T23:59:59.999999+00:00"),
        ("2026-11-01/2026-11-02", "2026-11-01T00:00:00+00:00", "2026-11-02T23:59:59.999999+00:00"),
    ],
)  # fmt: skip
def test_durations_and_dates_as_ogc_clients_send_them(raw: str, start: str, end: str) -> None:
    interval = parse_datetime(raw)
    assert interval.start is not None and interval.end is not None
    assert (interval.start.isoformat(), interval.end.isoformat()) == (start, end)
