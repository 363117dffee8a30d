"""List filters shared by the API, exports and OGC items: parsing and their SQL.

Filters become SQL fragments with bound parameters; no value is ever written into
the SQL text. Unknown parameters are refused, so a typo never silently widens a
query an analyst relies on.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.instants import from_iso
from bluewatch.layers import cql
from bluewatch.layers.cql import Condition, parse_filter, to_sql
from bluewatch.layers.spec import LayerSpec
from bluewatch.parsing import whole_number

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
COMMON_PARAMETERS = frozenset({"bbox", "datetime", "limit", "cursor"}) | {
    name for name, _, _ in cql.PARAMETERS
}

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class TimeInterval:
    """A closed interval; ``None`` is an open end. An instant has start == end."""

    start: datetime | None
    end: datetime | None


@dataclass
class ListQuery:
    clearance: Classification  # records above it do not exist for the reader
    bbox: BBox | None = None
    interval: TimeInterval | None = None
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity_min: int | None = None
    limit: int = DEFAULT_LIMIT
    after_id: int | None = None
    condition: Condition | None = None  # a CQL2 ``filter``


def parse_list_query(
    spec: LayerSpec, params: Mapping[str, str], clearance: Classification
) -> ListQuery:
    """The list filters of ``params``, for a reader with ``clearance``."""
    allowed = COMMON_PARAMETERS | spec.list_filters
    unknown = sorted(name for name in params if name not in allowed)
    if unknown:
        names = ", ".join(_safe_name(name) for name in unknown[:5])
        raise InvalidParameter(
            f"Unknown query parameter(s) for {spec.name}: {names}. "
            f"Accepted: {', '.join(sorted(allowed))}."
        )
    query = ListQuery(clearance=clearance)
    if "bbox" in params:
        query.bbox = parse_bbox(params["bbox"])
    if "datetime" in params:
        if spec.time_filter == "none":
            raise InvalidParameter(f"{spec.name} have no time dimension to filter by datetime.")
        query.interval = parse_datetime(params["datetime"])
    if "limit" in params:
        query.limit = _parse_int(params["limit"], "limit", 1, MAX_LIMIT)
    if "cursor" in params:
        query.after_id = decode_cursor(params["cursor"])
    for name, choices in spec.choice_filters.items():
        if name in params:
            query.choices[name] = _parse_choices(params[name], name, choices)
    if "severity_min" in params:
        query.severity_min = _parse_int(params["severity_min"], "severity_min", 1, 5)
    if "filter" in params:
        query.condition = parse_filter(
            spec, params["filter"], params.get("filter-lang"), params.get("filter-crs")
        )
    elif "filter-lang" in params or "filter-crs" in params:
        raise InvalidParameter("'filter-lang' and 'filter-crs' go with a 'filter'.")
    return query


def _safe_name(name: str) -> str:
    """A parameter name fit to repeat back: short, and only harmless characters."""
    if len(name) <= 40 and all(c.isalnum() or c in "_-." for c in name):
        return f"'{name}'"
    return "(an unprintable name)"


def _parse_int(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"'{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise InvalidParameter(f"'{name}' must lie between {low} and {high}.")
    return value


def _parse_choices(raw: str, name: str, choices: type[enum.StrEnum]) -> tuple[str, ...]:
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    allowed = {member.value for member in choices}
    if not values or any(value not in allowed for value in values):
        raise InvalidParameter(
            f"'{name}' takes a comma-separated list of: {', '.join(sorted(allowed))}."
        )
    return values


BBOX_FORM = "'bbox' takes four numbers: minLon,minLat,maxLon,maxLat (or six, with heights)."


def parse_bbox(raw: str) -> BBox:
    """``minLon,minLat,maxLon,maxLat``, or OGC's six numbers with heights (ignored: every
    layer is 2-D); minLon > maxLon crosses the antimeridian."""
    parts = raw.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    elif len(parts) != 4:
        raise InvalidParameter(BBOX_FORM)
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        raise InvalidParameter(BBOX_FORM) from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise InvalidParameter("'bbox' coordinates must be finite.")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise InvalidParameter("'bbox' longitudes must lie within [-180, 180].")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidParameter("'bbox' latitudes must lie within [-90, 90].")
    if min_lat > max_lat:
        raise InvalidParameter("'bbox' minLat must not exceed maxLat.")
    return (min_lon, min_lat, max_lon, max_lat)


def parse_datetime(raw: str) -> TimeInterval:
    """An RFC 3339 instant, or ``start/end`` where either end may be ``..`` or empty, or
    an ISO 8601 duration from the other end (``2026-11-03T00:00:00Z/P2D``)."""
    if "/" not in raw:
        if _is_date(raw.strip()):  # a whole UTC day
            return TimeInterval(_parse_instant(raw), _parse_instant(raw, end_of_day=True))
        instant = _parse_instant(raw)
        return TimeInterval(instant, instant)
    parts = raw.split("/")
    if len(parts) != 2:
        raise InvalidParameter("'datetime' takes an instant or one interval 'start/end'.")
    first, second = (part.strip() for part in parts)
    first_lasts, second_lasts = _is_duration(first), _is_duration(second)
    if first_lasts and second_lasts:
        raise InvalidParameter("'datetime' interval needs at least one closed end.")
    start = None if first in ("", "..") or first_lasts else _parse_instant(first)
    end = None if second in ("", "..") or second_lasts else _parse_instant(second, end_of_day=True)
    if (second_lasts and start is None) or (first_lasts and end is None):
        raise InvalidParameter("'datetime' needs a date-time beside a duration.")
    if second_lasts and start is not None:
        end = _shifted(start, second, +1)
    elif first_lasts and end is not None:
        start = _shifted(end, first, -1)
    if start is None and end is None:
        raise InvalidParameter("'datetime' interval needs at least one closed end.")
    if start is not None and end is not None and end < start:
        raise InvalidParameter("'datetime' interval ends before it starts.")
    return TimeInterval(start, end)


_DURATION = re.compile(
    r"P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?"
    r"(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6}(?:\.\d{1,6})?)S)?)?"
)


def _is_duration(text: str) -> bool:
    return text[:1] in ("P", "p")


def _shifted(moment: datetime, raw: str, sign: int) -> datetime:
    """``moment`` moved by the ISO 8601 duration ``raw`` (years and months by the
    calendar, keeping the day within the month), forward or back."""
    found = _DURATION.fullmatch(raw.upper())
    if found is None or not any(found.groups()) or raw.upper().endswith("T"):
        raise InvalidParameter("'datetime' durations are ISO 8601, e.g. P2D or PT6H.")
    years, months, weeks, days, hours, minutes = (int(v or 0) for v in found.groups()[:6])
    seconds = float(found.group(7) or 0)
    try:
        month_index = moment.year * 12 + moment.month - 1 + sign * (years * 12 + months)
        year, month = divmod(month_index, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        shifted = moment.replace(year=year, month=month + 1, day=day)
        return shifted + sign * timedelta(
            weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
        )
    except (ValueError, OverflowError):
        raise InvalidParameter("'datetime' reaches past the dates this server handles.") from None


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _parse_instant(raw: str, *, end_of_day: bool = False) -> datetime:
    """An RFC 3339 date-time; a bare date is that UTC day's first (or, as the end of an
    interval, last) moment."""
    text = raw.strip()
    if _is_date(text):
        try:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            raise InvalidParameter("'datetime' dates are YYYY-MM-DD.") from None
        return day + timedelta(days=1, microseconds=-1) if end_of_day else day
    if len(text) < 20 or text[10] not in "Tt ":
        raise InvalidParameter(
            "'datetime' takes RFC 3339 date-times with an offset, e.g. 2026-11-01T00:00:00Z."
        )
    try:
        value = from_iso(text)
    except ValueError:
        raise InvalidParameter(
            "'datetime' takes RFC 3339 date-times with an offset, e.g. 2026-11-01T00:00:00Z."
        ) from None
    if value.tzinfo is None:
        raise InvalidParameter("'datetime' needs a UTC offset (Z or ±hh:mm).")
    return value


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        prefix, _, number = text.partition(":")
        last_id = whole_number(number)
        if prefix != "after" or last_id is None:
            raise ValueError
        return last_id
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidParameter(
            "'cursor' is not one this server issued; follow the 'next' link."
        ) from None


@dataclass
class SqlFilter:
    """WHERE fragments joined by AND, and the parameters they bind."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    @property
    def where(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def visible_to(alias: str, clearance: Classification) -> SqlFilter:
    """The one clearance filter: records above ``clearance`` do not exist for the reader."""
    sql_filter = SqlFilter()
    sql_filter.add(
        f"{alias}.classification <= CAST(:clearance AS classification)",
        clearance=clearance.value,
    )
    return sql_filter


def list_filter(spec: LayerSpec, query: ListQuery, alias: str = "t") -> SqlFilter:
    sql_filter = visible_to(alias, query.clearance)
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        envelope = "ST_MakeEnvelope(:bbox_w, :bbox_s, :bbox_e, :bbox_n, 4326)"
        if min_lon <= max_lon:
            sql_filter.add(
                f"ST_Intersects({alias}.geom, {envelope})",
                bbox_w=min_lon,
                bbox_s=min_lat,
                bbox_e=max_lon,
                bbox_n=max_lat,
            )
        else:  # crosses the antimeridian: two boxes
            sql_filter.add(
                f"(ST_Intersects({alias}.geom,"
                f" ST_MakeEnvelope(:bbox_w, :bbox_s, 180, :bbox_n, 4326))"
                f" OR ST_Intersects({alias}.geom,"
                f" ST_MakeEnvelope(-180, :bbox_s, :bbox_e, :bbox_n, 4326)))",
                bbox_w=min_lon,
                bbox_s=min_lat,
                bbox_e=max_lon,
                bbox_n=max_lat,
            )
    if query.interval is not None:
        _add_time_filter(spec, query.interval, alias, sql_filter)
    for name, values in query.choices.items():
        # ``name`` is a key of spec.choice_filters (a column name), never client text.
        sql_filter.add(f"{alias}.{name} = ANY(:choice_{name})", **{f"choice_{name}": list(values)})
    if query.severity_min is not None:
        sql_filter.add(f"{alias}.severity >= :severity_min", severity_min=query.severity_min)
    if query.condition is not None:
        clause, bound = to_sql(spec, query.condition, alias)
        sql_filter.add(clause, **bound)
    if query.after_id is not None:
        sql_filter.add(f"{alias}.id > :after_id", after_id=query.after_id)
    return sql_filter


def _add_time_filter(
    spec: LayerSpec, interval: TimeInterval, alias: str, sql_filter: SqlFilter
) -> None:
    if spec.time_filter == "instant":
        if interval.start is not None:
            sql_filter.add(f"{alias}.occurred_at >= :time_start", time_start=interval.start)
        if interval.end is not None:
            sql_filter.add(f"{alias}.occurred_at <= :time_end", time_end=interval.end)
    elif spec.time_filter == "window":
        # A route matches when its movement window (open ends unbounded) meets the interval.
        if interval.start is not None:
            sql_filter.add(
                f"({alias}.active_until IS NULL OR {alias}.active_until >= :time_start)",
                time_start=interval.start,
            )
        if interval.end is not None:
            sql_filter.add(
                f"({alias}.active_from IS NULL OR {alias}.active_from <= :time_end)",
                time_end=interval.end,
            )
