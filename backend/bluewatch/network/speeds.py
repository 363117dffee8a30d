"""How fast each class of road is driven, in the dry and in the rainy season, and the
edges pgRouting reads: cost in seconds, within the reader's clearance.

Speeds are for a loaded military ambulance or convoy vehicle on roads of eastern DRC,
not a car on a European road; a road's own ``speed_kmh`` overrides its class. In the
rainy season unpaved roads slow down (the factors below); the seasons are a setting
(``BLUEWATCH_RAINY_SEASONS``), month-day ranges that recur every year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bluewatch.classification import Classification
from bluewatch.layers.roads import RoadClass

SPEED_KMH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 80,
    RoadClass.TRUNK: 60,
    RoadClass.PRIMARY: 50,
    RoadClass.SECONDARY: 40,
    RoadClass.TERTIARY: 30,
    RoadClass.UNCLASSIFIED: 25,
    RoadClass.RESIDENTIAL: 20,
    RoadClass.TRACK: 15,
    RoadClass.PATH: 5,
}
# Share of the dry-season speed kept in the rainy season (others keep all of it).
RAINY_FACTOR: dict[RoadClass, float] = {
    RoadClass.UNCLASSIFIED: 0.8,
    RoadClass.TRACK: 0.5,
    RoadClass.PATH: 0.6,
}


@dataclass(frozen=True)
class Season:
    """A recurring span of the year, ``MM-DD/MM-DD`` (it may run over the new year)."""

    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> Season:
        try:
            first, last = text.strip().split("/")
            start = _month_day(first)
            end = _month_day(last)
        except ValueError:
            raise ValueError(f"a season is MM-DD/MM-DD, such as 03-15/05-31: {text!r}") from None
        return cls(start, end)

    def holds(self, day: date) -> bool:
        today = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= today <= self.end
        return today >= self.start or today <= self.end


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(part) for part in text.split("-"))
    date(2024, month, day)  # a leap year: 02-29 is a day
    return month, day


def rainy(seasons: list[Season], day: date) -> bool:
    return any(season.holds(day) for season in seasons)


def _by_class(column: str, values: dict[RoadClass, float], otherwise: str) -> str:
    cases = " ".join(
        f"WHEN '{road_class.value}' THEN {value}" for road_class, value in values.items()
    )
    return f"CASE {column} {cases} ELSE {otherwise} END"


def speed_sql(in_rain: bool) -> str:
    """SQL over ``road_edge`` ``e``: the speed in metres per second."""
    speed = f"coalesce(e.speed_kmh, {_by_class('e.class', SPEED_KMH, '25')})"
    factor = _by_class("e.class", RAINY_FACTOR, "1") if in_rain else "1"
    return f"({speed} * {factor} / 3.6)"


def edges_sql(
    clearance: Classification,
    in_rain: bool,
    box: tuple[float, ...] | None,
    towards: bool = False,
) -> str:
    """The edges pgRouting reads (id, source, target, cost, reverse_cost; seconds; -1
    against a one-way road), only those within ``clearance`` and, given ``box`` (west,
    south, east, north as floats), those that cross it; ``towards``: each edge turned
    round, so that a search from a place finds the ways *to* it. A text pgRouting runs
    itself, so it holds no bound values: the clearance is a member of a closed enum and
    the box four floats."""
    cost = f"e.length_m / {speed_sql(in_rain)}"
    forward, backward = cost, f"CASE WHEN e.oneway THEN -1 ELSE {cost} END"
    if towards:
        forward, backward = backward, forward
    return (
        f"SELECT e.id, e.source, e.target, {forward} AS cost, {backward} AS reverse_cost"
        f" FROM road_edge e WHERE {_where(clearance, box)}"
    )


def _where(clearance: Classification, box: tuple[float, ...] | None) -> str:
    where = f"e.classification <= '{Classification(clearance).value}'"
    if box is not None:
        west, south, east, north = (float(value) for value in box)
        where += f" AND e.geom && ST_MakeEnvelope({west!r}, {south!r}, {east!r}, {north!r}, 4326)"
    return where
