"""OGC CQL2 filters (Features Part 3) over a layer's queryables, as SQL with bound values.

The ``cql2`` package parses ``cql2-text`` and ``cql2-json`` into one JSON tree; this
module checks that tree against the layer's queryables and writes SQL from it. Column
names come from the layer's spec, operators from a fixed table; every literal is a bound
parameter. The reader's clearance is added by ``list_filter`` as for any other filter.

The parser is native code that recurses on nesting: a 4 kB filter of nested brackets
overflows a thread's default 8 MB stack and kills the process. Filters are therefore
length-capped and parsed on one thread with a stack far larger than the cap can use.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

import cql2
import orjson
import shapely
from shapely.geometry import shape

from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.instants import from_iso, within_range
from bluewatch.layers.spec import LayerSpec

MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 40  # of and/or/not; a person writes a handful
MAX_LIST_ITEMS = 200
MAX_LITERAL_VERTICES = 10_000
PARSER_STACK_BYTES = 256 * 1024 * 1024  # reserved address space; pages are used on demand
CRS84_NAMES = frozenset(
    {
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
    }
)
LANGUAGES = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"

Kind = Literal["number", "text", "classification", "time", "geometry", "boolean"]
_KINDS: dict[str, Kind] = {
    "smallint": "number",
    "integer": "number",
    "bigint": "number",
    "real": "number",
    "double precision": "number",
    "boolean": "boolean",
    "text": "text",
    "classification": "classification",
    "timestamptz": "time",
}
_CASTS: dict[Kind, str] = {
    "number": "double precision",
    "text": "text",
    "classification": "classification",
    "time": "timestamptz",
    "boolean": "boolean",
}
_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_MIRRORED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SPATIAL = {
    "s_intersects": "ST_Intersects",
    "s_disjoint": "ST_Disjoint",
    "s_equals": "ST_Equals",
    "s_touches": "ST_Touches",
    "s_crosses": "ST_Crosses",
    "s_overlaps": "ST_Overlaps",
    "s_within": "ST_Within",
    "s_contains": "ST_Contains",
}
_SPATIAL_MIRRORED = {"s_within": "s_contains", "s_contains": "s_within"}
SUPPORTED = (
    "AND, OR, NOT, =, <>, <, <=, >, >=, LIKE (CASEI() on both sides for any case), "
    "BETWEEN, IN, IS NULL, "
    "S_INTERSECTS, S_DISJOINT, S_EQUALS, S_TOUCHES, S_CROSSES, S_OVERLAPS, S_WITHIN, "
    "S_CONTAINS; a property on one side, a literal on the other"
)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]


# The query parameters of a filter, as (name, description, JSON Schema) for OpenAPI.
PARAMETERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "filter",
        "a CQL2 filter over the collection's queryables, e.g. "
        "severity >= 4 AND category IN ('ied','ambush')",
        {"type": "string", "minLength": 1, "maxLength": MAX_FILTER_LENGTH},
    ),
    (
        "filter-lang",
        "the filter's encoding (with a filter)",
        {"type": "string", "enum": list(LANGUAGES), "default": LANGUAGES[0]},
    ),
    (
        "filter-crs",
        "the CRS of the filter's geometries (with a filter): CRS84 only",
        {"type": "string", "enum": sorted(CRS84_NAMES)},
    ),
)


@dataclass(frozen=True)
class Queryable:
    name: str
    kind: Kind
    schema: dict[str, Any]  # its JSON Schema, as the queryables document shows it


@dataclass(frozen=True)
class Condition:
    """A parsed filter: the CQL2 JSON tree, checked against the layer's queryables."""

    tree: Any


@cache
def queryables(spec: LayerSpec) -> dict[str, Queryable]:
    """What a filter on ``spec`` may name: the geometry, the id and every stored property."""
    model = spec.properties_model.model_json_schema()
    found = {
        GEOMETRY: Queryable(
            GEOMETRY,
            "geometry",
            {"format": f"geometry-{spec.geometry_type.lower()}", "x-ogc-role": "primary-geometry"},
        ),
        "id": Queryable("id", "number", {"type": "integer", "minimum": 1, "x-ogc-role": "id"}),
    }
    for column in spec.columns:
        schema = _plain_schema(model["properties"][column.name], model.get("$defs", {}))
        found[column.name] = Queryable(column.name, _KINDS[column.sql_type], schema)
    return found


def _plain_schema(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without ``$ref`` or the ``null`` branch pydantic adds."""
    if "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            schema = branch
    kept = ("title", "type", "enum", "format", "minimum", "maximum", "maxLength")
    return {key: schema[key] for key in kept if key in schema}


def queryables_document(spec: LayerSpec, here: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": here,
        "type": "object",
        "title": spec.title,
        "properties": {name: q.schema for name, q in queryables(spec).items()},
        "additionalProperties": False,
    }


def parse_filter(spec: LayerSpec, raw: str, language: str | None, crs: str | None) -> Condition:
    """Parse ``raw`` (``filter``) in ``language`` (``filter-lang``) and check it."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise InvalidParameter("'filter-lang' is cql2-text or cql2-json.")
    if crs is not None and crs not in CRS84_NAMES:
        raise InvalidParameter("'filter-crs' must be CRS84; other CRSs are not served.")
    if len(raw) > MAX_FILTER_LENGTH:
        raise InvalidParameter(f"'filter' is longer than {MAX_FILTER_LENGTH} characters.")
    tree = _parser().submit(_parse, raw, language).result()
    condition = Condition(tree)
    to_sql(spec, condition)  # every check happens here, before any query runs
    return condition


@cache
def _parser() -> ThreadPoolExecutor:
    """One parser thread with a large stack (see the module's note)."""
    with _STACK_SIZE_LOCK:
        previous = threading.stack_size(PARSER_STACK_BYTES)
        try:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cql2-parser")
            executor.submit(int).result()  # the thread starts now, with this stack size
        finally:
            threading.stack_size(previous)
    return executor


_STACK_SIZE_LOCK = threading.Lock()


def _parse(raw: str, language: str) -> Any:
    """The CQL2 JSON tree of ``raw``; the native objects die on this thread."""
    try:
        expression = cql2.parse_text(raw) if language == "cql2-text" else cql2.parse_json(raw)
        return expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as error:
        where = re.search(r"(?:--> ?|line )(\d+)[:, column]+(\d+)", str(error))
        at = f" (line {where[1]}, column {where[2]})" if where else ""
        raise InvalidParameter(f"'filter' is not valid {language}{at}.") from None


def to_sql(spec: LayerSpec, condition: Condition, alias: str = "t") -> tuple[str, dict[str, Any]]:
    """The WHERE fragment of ``condition`` over ``alias`` and the values it binds."""
    writer = _SqlWriter(queryables(spec), alias)
    return writer.predicate(condition.tree, 0), writer.params


class _SqlWriter:
    def __init__(self, fields: dict[str, Queryable], alias: str) -> None:
        self.fields = fields
        self.alias = alias
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def predicate(self, node: Any, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise InvalidParameter(f"'filter' nests deeper than {MAX_DEPTH} levels.")
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if not isinstance(node, dict) or not isinstance(node.get("args"), list):
            raise InvalidParameter(f"'filter' uses an expression not supported here: {SUPPORTED}.")
        op, args = node.get("op"), node["args"]
        if op in ("and", "or") and len(args) >= 2:
            joined = f" {op.upper()} ".join(self.predicate(arg, depth + 1) for arg in args)
            return f"({joined})"
        if op == "not" and len(args) == 1:
            return f"(NOT {self.predicate(args[0], depth + 1)})"
        if op in _COMPARISONS and len(args) == 2:
            return self.comparison(op, args)
        if op == "like" and len(args) == 2:
            return self.like(args)
        if op == "between" and len(args) == 3:
            field = self.field(args[0], ("number", "time"))
            low, high = (self.literal(field, arg) for arg in args[1:])
            return f"({self.column(field)} BETWEEN {low} AND {high})"
        if op == "in" and len(args) == 2:
            return self.in_list(args)
        if op == "isNull" and len(args) == 1:
            field = self.field(args[0], ("number", "text", "classification", "time", "boolean"))
            return f"({self.column(field)} IS NULL)"
        if op in _SPATIAL and len(args) == 2:
            return self.spatial(op, args)
        raise InvalidParameter(f"'filter' uses an expression not supported here: {SUPPORTED}.")

    def like(self, args: list[Any]) -> str:
        """``text LIKE 'pattern'``, or case-insensitive with both sides in CASEI()."""
        folded = [isinstance(a, dict) and a.get("op") == "casei" for a in args]
        if any(folded) and not all(folded):
            raise InvalidParameter("'filter': CASEI() goes on both sides of LIKE.")
        if all(folded):
            if any(len(a.get("args", ())) != 1 for a in args):
                raise InvalidParameter("'filter': CASEI() takes one argument.")
            field = self.field(args[0]["args"][0], ("text",))
            pattern = self.bind(_text(args[1]["args"][0], field))
            return f"(lower({self.column(field)}) LIKE lower({pattern}))"
        field = self.field(args[0], ("text",))
        return f"({self.column(field)} LIKE {self.bind(_text(args[1], field))})"

    def field(self, node: Any, kinds: tuple[Kind, ...]) -> Queryable:
        if not (isinstance(node, dict) and set(node) == {"property"}):
            raise InvalidParameter(f"'filter': {SUPPORTED}.")
        field = self.fields.get(node["property"]) if isinstance(node["property"], str) else None
        if field is None:
            raise InvalidParameter(
                f"'filter' names a property that is not queryable; see queryables: "
                f"{', '.join(self.fields)}."
            )
        if field.kind not in kinds:
            raise InvalidParameter(f"'filter': '{field.name}' cannot be used that way.")
        return field

    def column(self, field: Queryable) -> str:
        return f"{self.alias}.{'geom' if field.kind == 'geometry' else field.name}"

    def comparison(self, op: str, args: list[Any]) -> str:
        left, right = args
        if not _is_property(left):
            if not _is_property(right):
                raise InvalidParameter(f"'filter': {SUPPORTED}.")
            op, left, right = _MIRRORED[op], right, left
        field = self.field(left, ("number", "text", "classification", "time", "boolean"))
        if field.kind == "boolean" and op not in ("=", "<>"):
            raise InvalidParameter(f"'filter': '{field.name}' is compared with = or <>.")
        if field.kind == "time" and isinstance(right, dict) and set(right) == {"date"}:
            day = self.bind(_date(right["date"]))
            return f"(({self.column(field)} AT TIME ZONE 'UTC')::date {op} {day})"
        return f"({self.column(field)} {_COMPARISONS[op]} {self.literal(field, right)})"

    def in_list(self, args: list[Any]) -> str:
        field = self.field(args[0], ("number", "text", "classification"))
        items = args[1]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_LIST_ITEMS:
            raise InvalidParameter(f"'filter': IN takes 1 to {MAX_LIST_ITEMS} values.")
        values = [_value(field, item) for item in items]
        return f"({self.column(field)} = ANY(CAST({self.bind(values)} AS {_CASTS[field.kind]}[])))"

    def literal(self, field: Queryable, node: Any) -> str:
        return f"CAST({self.bind(_value(field, node))} AS {_CASTS[field.kind]})"

    def spatial(self, op: str, args: list[Any]) -> str:
        left, right = args
        if not _is_property(left) and _is_property(right):
            op, left, right = _SPATIAL_MIRRORED.get(op, op), right, left
        field = self.field(left, ("geometry",))
        function = _SPATIAL[op]
        if isinstance(right, dict) and set(right) == {"bbox"}:
            west, south, east, north = _bbox(right["bbox"])
            envelope = (
                f"ST_MakeEnvelope({self.bind(west)}, {self.bind(south)}, "
                f"{self.bind(east)}, {self.bind(north)}, 4326)"
            )
            return f"{function}({self.column(field)}, {envelope})"
        geometry = self.bind(_geometry(right))
        return f"{function}({self.column(field)}, ST_GeomFromGeoJSON({geometry}))"


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and "property" in node


def _value(field: Queryable, node: Any) -> Any:
    """The Python value to bind for ``node`` compared with ``field``, checked."""
    if _is_property(node) or (isinstance(node, dict) and "op" in node):
        raise InvalidParameter(f"'filter': {SUPPORTED}.")  # property-property, functions
    if field.kind == "boolean":
        if not isinstance(node, bool):
            raise InvalidParameter(f"'filter': '{field.name}' is compared with TRUE or FALSE.")
        return node
    if field.kind == "number":
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise InvalidParameter(f"'filter': '{field.name}' is compared with numbers.")
        return float(node)
    if field.kind == "time":
        if not (isinstance(node, dict) and set(node) == {"timestamp"}):
            raise InvalidParameter(
                f"'filter': '{field.name}' is compared with TIMESTAMP('…Z') or DATE('…')."
            )
        return _timestamp(node["timestamp"])
    value = _text(node, field)
    allowed = field.schema.get("enum")
    if allowed is not None and value not in allowed:
        raise InvalidParameter(f"'filter': '{field.name}' is one of {', '.join(allowed)}.")
    if field.kind == "classification":
        return Classification(value).value
    return value


def _text(node: Any, field: Queryable) -> str:
    if not isinstance(node, str):
        raise InvalidParameter(f"'filter': '{field.name}' is compared with text.")
    if "\x00" in node:
        raise InvalidParameter("'filter' text must not contain NUL characters.")
    return node


def _timestamp(raw: Any) -> datetime:
    try:
        value = from_iso(str(raw))
        if value.tzinfo is None:
            raise ValueError
        return within_range(value)
    except ValueError:
        raise InvalidParameter(
            "'filter' timestamps are RFC 3339 with an offset, from 1900 up to 2100."
        ) from None


def _date(raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidParameter("'filter' dates are YYYY-MM-DD.") from None


def _bbox(raw: Any) -> tuple[float, float, float, float]:
    numbers = raw if isinstance(raw, list) else []
    if len(numbers) not in (4, 6) or not all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in numbers
    ):
        raise InvalidParameter("'filter': BBOX takes 4 or 6 numbers.")
    west, south, east, north = (
        numbers if len(numbers) == 4 else [numbers[0], numbers[1], numbers[3], numbers[4]]
    )
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidParameter(
            "'filter': BBOX is west,south,east,north in degrees, west <= east "
            "(split a box across the antimeridian in two with OR)."
        )
    return float(west), float(south), float(east), float(north)


def _geometry(node: Any) -> str:
    """A GeoJSON geometry literal, checked, as the text PostGIS reads."""
    try:
        geometry = shape(node)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        raise InvalidParameter("'filter' holds a geometry that is not valid WKT.") from None
    if geometry.is_empty:
        raise InvalidParameter("'filter' holds an empty geometry.")
    if shapely.get_num_coordinates(geometry) > MAX_LITERAL_VERTICES:
        raise InvalidParameter(f"'filter' geometries have at most {MAX_LITERAL_VERTICES} vertices.")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidParameter("'filter' geometries are longitude, latitude in degrees (CRS84).")
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry).split("[")[0]  # no coordinates echoed
        raise InvalidParameter(f"'filter' holds an invalid geometry ({reason}).")
    return orjson.dumps(shapely.geometry.mapping(geometry)).decode()
