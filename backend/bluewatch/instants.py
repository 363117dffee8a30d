"""The range of times Bluewatch stores: 1900-01-01T00:00:00Z up to 2100-01-01T00:00:00Z.

Wider values are legal RFC 3339 but break readers: 9999-12-31T23:59:59-14:00 is year
10000 in UTC, which Python, GeoPackage, KML and most GIS tools cannot represent, and
one such record made every export and the OGC collection extents fail for everyone.
Nothing a mission records lies outside this range, so it is refused at input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def within_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("must lie from 1900-01-01T00:00:00Z up to 2100-01-01T00:00:00Z")
    return value


def from_iso(text: str) -> datetime:
    """``datetime.fromisoformat`` that also reads a trailing ``Z``/``z`` as UTC; raises
    ValueError when ``text`` is not an ISO 8601 date-time. The offset may be missing: the
    caller decides whether that is allowed."""
    return datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)


# A time with an offset, inside the stored range.
Instant = Annotated[AwareDatetime, AfterValidator(within_range)]
