"""List-filter parsing: what is accepted, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.layers import CAMPS, INCIDENTS
from bluewatch.layers.query import (
    decode_cursor,
    encode_cursor,
    list_filter,
    parse_datetime,
    parse_list_query,
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
