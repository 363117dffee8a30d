"""Import readers: a file in one of the supported formats → numbered GeoJSON-like rows.

Readers know file formats, not layers: they yield each record as a Feature dict
(or the reason it could not be read), and the import validates it like a posted
feature. ACLED-style CSV is the exception that knows incidents: its columns are
mapped onto incident properties here.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely

from bluewatch.errors import InvalidParameter, MalformedBody, PayloadTooLarge
from bluewatch.geo import check_crs
from bluewatch.io import IMPORT_FORMATS, bounds
from bluewatch.io.bounds import ReadLimits
from bluewatch.io.files import SHAPEFILE_NAMES
from bluewatch.parsing import whole_number

GIS_BATCH = 200  # features read from a GIS file at a time
MEDIA_TYPES = {
    "application/geo+json": "geojson",
    "application/json": "geojson",
    "application/geo+json-seq": "geojsonseq",
    "application/json-seq": "geojsonseq",
    "application/x-ndjson": "geojsonseq",
    "text/csv": "csv",
    "application/geopackage+sqlite3": "gpkg",
    "application/vnd.google-earth.kml+xml": "kml",
    "application/zip": "shp.zip",
}

# ACLED event types (and the sub-event types that name a Bluewatch category).
ACLED_CATEGORIES = {
    "battles": "armed_clash",
    "armed clash": "armed_clash",
    "violence against civilians": "attack_on_civilians",
    "attack": "attack_on_civilians",
    "abduction/forced disappearance": "abduction",
    "explosions/remote violence": "indirect_fire",
    "shelling/artillery/missile attack": "indirect_fire",
    "remote explosive/landmine/ied": "ied",
    "air/drone strike": "drone_sighting",
    "protests": "protest",
    "riots": "protest",
    "strategic developments": "other",
}
CSV_PROPERTIES = (
    "title", "description", "source", "source_reliability", "source_credibility",
    "geo_precision", "time_precision", "status", "classification", "fatalities", "injured",
    "severity", "external_source", "external_id", "occurred_at", "reported_at",
)  # fmt: skip
CSV_MAPPED = frozenset({
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude",
    "notes", "location", "year", "timestamp", "category",
})  # fmt: skip

# Fields LIBKML adds to every placemark: display settings, not data.
KML_STYLE_FIELDS = frozenset({
    "extrude", "tessellate", "visibility", "altitudeMode", "drawOrder", "icon", "snippet",
    "begin", "end", "timestamp",
})  # fmt: skip


@dataclass
class Row:
    number: int  # 1-based, in file order (CSV: the data row, the header not counted)
    feature: dict[str, Any] | None
    reason: str | None = None  # why the row could not be read at all


@dataclass
class Reading:
    """Rows to import, and the columns the file had that no layer property takes."""

    rows: Iterator[Row]
    ignored_columns: set[str] = field(default_factory=set)


def detect_format(media_type: str, requested: str | None) -> str:
    if requested is not None:
        if requested not in IMPORT_FORMATS:
            raise InvalidParameter(f"'format' is one of: {', '.join(IMPORT_FORMATS)}.")
        return requested
    found = MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
    if found is None:
        raise InvalidParameter(
            "Give the file's Content-Type (GeoJSON, GeoJSONSeq, CSV, GeoPackage, KML, or a "
            "zipped Shapefile as application/zip) or a 'format' parameter."
        )
    return found


def read(path: Path, fmt: str, layer: str, limits: ReadLimits) -> Reading:
    if fmt in ("geojson", "kml") and path.stat().st_size > limits.max_parsed_bytes:
        raise PayloadTooLarge(
            f"{fmt} files are parsed whole and may be at most {limits.max_parsed_bytes} bytes; "
            "send larger sets as GeoJSONSeq (one feature a line) or GeoPackage."
        )
    if fmt == "geojson":
        return Reading(_geojson(path))
    if fmt == "geojsonseq":
        return Reading(_geojson_sequence(path))
    if fmt == "csv":
        if layer != "incidents":
            raise InvalidParameter("CSV imports are ACLED-style incidents.")
        return _acled_csv(path)
    return _gis_file(path, fmt, layer, limits)


def _geojson(path: Path) -> Iterator[Row]:
    try:
        body = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise MalformedBody("The file is not valid JSON.") from None
    if isinstance(body, dict) and body.get("type") == "Feature":
        yield Row(1, body)
        return
    if not isinstance(body, dict) or not isinstance(body.get("features"), list):
        raise MalformedBody("A GeoJSON import is a Feature or a FeatureCollection.")
    check_crs(body, "")
    for number, member in enumerate(body["features"], start=1):
        yield _member(number, member)


def _member(number: int, member: object) -> Row:
    if isinstance(member, dict):
        return Row(number, member)
    return Row(number, None, "is not a GeoJSON Feature object")


def _geojson_sequence(path: Path) -> Iterator[Row]:
    """RFC 8142 (RS-separated) or newline-delimited GeoJSON."""
    number = 0
    with path.open("rb") as handle:
        for line in handle:
            for record in line.split(b"\x1e"):
                if not record.strip():
                    continue
                number += 1
                try:
                    member = orjson.loads(record)
                except orjson.JSONDecodeError:
                    yield Row(number, None, "is not valid JSON")
                    continue
                yield _member(number, member)


# Bytes that are not UTF-8 become lone surrogates (U+DC80-U+DCFF) instead of failing
# the whole file: the row that holds them is refused with its number.
CSV_ENCODING = {"encoding": "utf-8-sig", "errors": "surrogateescape", "newline": ""}
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _acled_csv(path: Path) -> Reading:
    with path.open(**CSV_ENCODING) as handle:  # type: ignore[call-overload]
        header = next(csv.reader(handle), [])
    if any(_NOT_UTF8.search(name) for name in header):
        raise MalformedBody("The CSV header is not UTF-8 text.")
    if not {"latitude", "longitude"} <= set(header):
        raise MalformedBody("An ACLED-style CSV needs 'latitude' and 'longitude' columns.")
    ignored = set(header) - CSV_MAPPED - set(CSV_PROPERTIES)
    return Reading(_acled_rows(path), ignored_columns=ignored)


def _acled_rows(path: Path) -> Iterator[Row]:
    with path.open(**CSV_ENCODING) as handle:  # type: ignore[call-overload]
        for number, record in enumerate(csv.DictReader(handle), start=1):
            try:
                yield Row(number, _acled_feature(record))
            except ValueError as error:
                yield Row(number, None, str(error))


def _acled_feature(record: dict[str, str | None]) -> dict[str, Any]:
    values = {key: (value or "").strip() for key, value in record.items() if key is not None}
    if any(_NOT_UTF8.search(value) for value in values.values()):
        raise ValueError("is not UTF-8 text")
    if not values.get("latitude") or not values.get("longitude"):
        raise ValueError("missing coordinates (latitude and longitude)")
    try:
        position = [float(values["longitude"]), float(values["latitude"])]
    except ValueError:
        raise ValueError("latitude and longitude must be numbers") from None
    properties: dict[str, Any] = {name: values[name] for name in CSV_PROPERTIES if values.get(name)}
    if "occurred_at" not in properties:
        properties["occurred_at"] = _acled_date(values.get("event_date", ""))
    if values.get("category"):
        properties["category"] = values["category"]
    else:
        properties["category"] = _acled_category(values)
    if "external_id" not in properties and values.get("event_id_cnty"):
        properties["external_id"] = values["event_id_cnty"]
    notes = values.get("notes", "")
    if "title" not in properties:
        place = values.get("location") or "unknown location"
        properties["title"] = (notes or f"{values.get('event_type', 'Event')} at {place}")[:200]
    if "description" not in properties and notes and properties["title"] != notes[:200]:
        properties["description"] = notes
    if "severity" not in properties:
        fatalities = str(properties.get("fatalities", "0"))
        properties["severity"] = _severity(whole_number(fatalities) or 0)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": position},
            "properties": properties}  # fmt: skip


def _severity(fatalities: int) -> int:
    """ACLED has no severity: derive one from the fatalities (documented in decisions.md)."""
    return 2 if fatalities == 0 else 3 if fatalities < 5 else 4 if fatalities < 20 else 5


def _acled_date(raw: str) -> str:
    if not raw:
        raise ValueError("missing event_date")
    for pattern in ("%Y-%m-%d", "%d %B %Y", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return day.isoformat()
    raise ValueError("event_date is not a date (YYYY-MM-DD or '15 March 2024')")


def _acled_category(values: dict[str, str]) -> str:
    for column in ("sub_event_type", "event_type"):
        found = ACLED_CATEGORIES.get(values.get(column, "").lower())
        if found is not None:
            return found
    raw = values.get("event_type", "")
    if not raw:
        raise ValueError("missing event_type")
    return raw  # a Bluewatch category itself, or refused by validation as unknown


def _gis_file(path: Path, fmt: str, layer: str, limits: ReadLimits) -> Reading:
    dataset = f"/vsizip/{path}" if fmt == "shp.zip" else str(path)
    if fmt == "shp.zip":
        bounds.check_archive(path, limits.max_unzipped_bytes, limits.max_zip_ratio)
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(dataset)]
    except Exception:  # GDAL cannot open it: any reason is the file's
        raise MalformedBody(f"The file is not a readable {fmt} dataset.") from None
    if not names:
        raise MalformedBody("The file holds no layer.")
    if len(names) > 1 and layer not in names:
        raise MalformedBody(f"The file holds several layers and none is named '{layer}'.")
    chosen = layer if layer in names else names[0]
    # Geometries too large to read are found from the file's own structure, without
    # reading their coordinates, and never handed to GDAL (issue 14: a 280 KB zip with
    # one 6M-vertex polygon grew the API by 1.5 GB).
    if fmt == "shp.zip":
        oversized = bounds.oversized_shapefile_records(path, chosen, limits.max_vertices)
    elif fmt == "gpkg":
        oversized = bounds.oversized_geopackage_features(path, chosen, limits.max_vertices)
    else:
        oversized = set()
    try:
        _, fids, _, _ = pyogrio.raw.read(
            dataset, layer=chosen, read_geometry=False, columns=[], return_fids=True
        )
    except Exception:
        raise MalformedBody(f"The {fmt} file could not be read.") from None
    return Reading(_gis_rows(dataset, chosen, fmt, [int(fid) for fid in fids], oversized, limits))


def _gis_rows(
    dataset: str,
    layer: str,
    fmt: str,
    fids: list[int],
    oversized: set[int],
    limits: ReadLimits,
) -> Iterator[Row]:
    """The features a few at a time, in file order; the oversized ones only as rejections."""
    too_many = f"has more than {limits.max_vertices} vertices"
    for start in range(0, len(fids), GIS_BATCH):
        batch = fids[start : start + GIS_BATCH]
        wanted = [fid for fid in batch if fid not in oversized]
        frame = None
        if wanted:
            try:
                frame = pyogrio.read_dataframe(dataset, layer=layer, fids=wanted)
            except Exception:
                raise MalformedBody(f"The {fmt} file could not be read.") from None
            frame = _renamed(frame, fmt)
        read = _frame_rows(frame) if frame is not None else iter(())
        for number, fid in enumerate(batch, start=start + 1):
            if fid in oversized:
                yield Row(number, None, too_many)
            else:
                feature, reason = next(read)
                yield Row(number, feature, reason)


def _renamed(frame: Any, fmt: str) -> Any:
    if fmt == "shp.zip":
        return frame.rename(columns={short: full for full, short in SHAPEFILE_NAMES.items()})
    if fmt == "kml":
        frame = frame.rename(columns={"Name": "name", "Description": "description"})
        return frame.drop(columns=[c for c in frame.columns if c in KML_STYLE_FIELDS])
    return frame


def _frame_rows(frame: Any) -> Iterator[tuple[dict[str, Any] | None, str | None]]:
    """Each row of one batch as a Feature, or None and why not."""
    columns = [name for name in frame.columns if name != frame.geometry.name]
    geometries = frame.geometry.to_numpy()
    for values, geometry in zip(
        frame[columns].itertuples(index=False, name=None), geometries, strict=True
    ):
        properties = {name: _plain(value) for name, value in zip(columns, values, strict=True)}
        properties = {name: value for name, value in properties.items() if value is not None}
        if geometry is None:
            yield None, "has no geometry"
            continue
        shape = orjson.loads(shapely.to_geojson(shapely.force_2d(geometry)))
        yield {"type": "Feature", "geometry": shape, "properties": properties}, None


def _plain(value: Any) -> Any:
    """A pandas/numpy cell as plain JSON-ready Python; missing values as None."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return (value if value.tzinfo else value.tz_localize(UTC)).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() else number
    if isinstance(value, str) and not value:
        return None
    return value
