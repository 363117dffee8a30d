"""Rule parameters, validated per kind. Stored as JSON in ``rule.params``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bluewatch.layers.incidents import IncidentCategory
from bluewatch.network.speeds import Season
from bluewatch.text import PlainText


class AlertLevel(enum.StrEnum):
    """Lowest first, as the ``alert_level`` enum in PostgreSQL."""

    WATCH = "watch"
    WARNING = "warning"
    CRITICAL = "critical"


# What the recipient of a CAP message should do (<instruction>), unless the rule says.
PROXIMITY_INSTRUCTION = (
    "Keep personnel clear of the area, confirm where patrols and convoys near it are, "
    "and report to the Joint Operations Centre."
)
BASELINE_INSTRUCTION = (
    "Incidents near this place are well above its usual rate: review the threat "
    "assessment, patrol plans and movements for it, and report to the Joint Operations "
    "Centre."
)
SURGE_INSTRUCTION = (
    "Treat the area as a developing threat: review movements through it, raise patrol "
    "readiness and report to the Joint Operations Centre."
)

COVERAGE_INSTRUCTION = (
    "Medical care is beyond the casualty-care timeline from this place: attach a medical "
    "team or re-plan the movement, confirm casualty evacuation by air, and report to the "
    "Joint Operations Centre."
)

# The same in French: CAP messages carry an <info> block in each language the rule has an
# instruction in. A rule keeping the English default has the French default too; a rule
# whose English instruction was rewritten has French only once an admin writes it.
PROXIMITY_INSTRUCTION_FR = (
    "Tenez le personnel à l'écart de la zone, vérifiez où se trouvent les patrouilles et "
    "convois à proximité, et rendez compte au Centre d'opérations conjoint."
)
SURGE_INSTRUCTION_FR = (
    "Traitez la zone comme une menace en développement : revoyez les mouvements qui la "
    "traversent, relevez l'état de préparation des patrouilles et rendez compte au Centre "
    "d'opérations conjoint."
)
BASELINE_INSTRUCTION_FR = (
    "Les incidents près de ce lieu dépassent nettement leur rythme habituel : revoyez "
    "l'évaluation de la menace, les plans de patrouille et les mouvements qui le "
    "concernent, et rendez compte au Centre d'opérations conjoint."
)
COVERAGE_INSTRUCTION_FR = (
    "Les soins médicaux sont hors des délais de prise en charge depuis ce lieu : adjoignez "
    "une équipe médicale ou revoyez le mouvement, confirmez l'évacuation sanitaire par "
    "air, et rendez compte au Centre d'opérations conjoint."
)
FRENCH_DEFAULTS = {
    PROXIMITY_INSTRUCTION: PROXIMITY_INSTRUCTION_FR,
    SURGE_INSTRUCTION: SURGE_INSTRUCTION_FR,
    BASELINE_INSTRUCTION: BASELINE_INSTRUCTION_FR,
    COVERAGE_INSTRUCTION: COVERAGE_INSTRUCTION_FR,
}


def french_instruction(instruction: str, instruction_fr: str | None) -> str | None:
    """The rule's French instruction: its own, or the French default while the English is
    the default; None when the English was rewritten and no French of its own given (a
    French default carried over from the rule as read does not stay beside new English)."""
    default = FRENCH_DEFAULTS.get(instruction)
    if instruction_fr is None or (
        instruction_fr in FRENCH_DEFAULTS.values() and instruction_fr != default
    ):
        return default
    return instruction_fr


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: AlertLevel
    distance_m: float = Field(gt=0, le=500_000)


class RuleParams(BaseModel):
    """What every kind's params have: which incidents count, how long an alert stands
    (CAP <expires>), and what the recipient should do, in English and in French. Each
    kind's model (rules/kinds.py names them) adds its own."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    categories: list[IncidentCategory] = Field(default_factory=list)  # empty: all
    severity_min: int = Field(default=1, ge=1, le=5)
    max_age_hours: float = Field(default=72, gt=0, le=24 * 365)
    # CAP: how long a warning stands after its latest change (<expires>).
    expires_hours: float = Field(default=24, gt=0, le=24 * 30)
    instruction: str
    instruction_fr: str | None

    @model_validator(mode="after")
    def _french_default(self) -> RuleParams:
        self.instruction_fr = french_instruction(self.instruction, self.instruction_fr)
        return self


def incident_filters(alias: str) -> str:
    """SQL: the incident `alias` passes the filters every rule has (not dismissed, the
    minimum severity, the categories); binds ``:severity_min`` and ``:categories``."""
    return f"""
        {alias}.status <> 'dismissed'
        AND {alias}.severity >= :severity_min
        AND (cardinality(CAST(:categories AS text[])) = 0 OR {alias}.category = ANY(:categories))
    """


@dataclass(frozen=True)
class Given:
    """Whether an evaluation is given incident ids, target ids (each case a statement of
    its own: ``in_scope``)."""

    incidents: bool
    targets: bool


def in_scope(column: str, parameter: str, given: bool) -> str:
    """SQL: `column` is one of the ids bound as `parameter` when they are given, else
    any. Each case is a statement of its own (not ``:ids IS NULL OR …``), so that a plan
    made once for all values (a generic plan) can still look the ids up by index."""
    return f"{column} = ANY(:{parameter})" if given else "true"


def date_known_within(alias: str, window_seconds: str) -> str:
    """SQL: the incident `alias`'s date is known finely enough to count in a window of
    `window_seconds` (an SQL expression): known to the day always; only to the week
    (ACLED time_precision 2) in windows of 7 days or more; only to the month (3) in
    windows of 31 days or more."""
    return f"""
        ({alias}.time_precision = 1
         OR CASE {alias}.time_precision WHEN 2 THEN 7 ELSE 31 END * 86400 <= {window_seconds})
    """


def _degrees_east(metres: str) -> str:
    """SQL: degrees of longitude holding `metres` anywhere within the box of target ``t``
    widened by them (as ``space_time_box``: at the latitude farthest from the equator)."""
    farthest = f"greatest(abs(ST_YMin(t.geom)), abs(ST_YMax(t.geom))) + {metres} / 110574.0"
    return f"{metres} / (111320.0 * cos(radians(least(89.0, {farthest}))))"


def near_target_box(metres: str, since: str, until: str) -> str:
    """SQL: incident ``i`` lies in the box of target ``t`` widened by `metres` and in
    time between `since` and `until` (SQL expressions): one probe of the (lon, lat, days)
    GiST of migration 0006, instead of ANDing the geography index's candidates (all of
    history near the target) with the time index's (the whole area), or reading the
    first through old incidents. Callers test the distance exactly after it with
    ``_ST_DWithin`` and the age without an indexable comparison, so that the planner
    cannot take those indexes again. Like the surge rule's box, it does not wrap at the
    antimeridian."""
    east = _degrees_east(metres)
    north = f"{metres} / 110574.0"
    return f"""space_time(i.geom, i.occurred_at) &&& ST_3DMakeBox(
                    space_time(ST_MakePoint(ST_XMin(t.geom) - {east},
                                            ST_YMin(t.geom) - {north}), {since}),
                    space_time(ST_MakePoint(ST_XMax(t.geom) + {east},
                                            ST_YMax(t.geom) + {north}), {until})
                )::geometry"""


class ProximityParams(RuleParams):
    kind: Literal["proximity"] = "proximity"
    target: Literal["camp", "route"]
    bands: list[Band] = Field(min_length=1, max_length=10)
    lead_hours: float = Field(default=24, ge=0, le=24 * 30)
    # Grouping: 0 gives each incident its own alert per camp or route; above 0, the
    # incidents within one band of a target join the alert opened for that band in the
    # last `cooldown_minutes` (its count and members grow) instead of raising their own.
    cooldown_minutes: float = Field(default=0, ge=0, le=7 * 24 * 60)
    # Hysteresis: None keeps an alert at the highest level it reached until an analyst
    # resolves it. A number lets an incident's alert step down (or be resolved) once the
    # incident lies more than `margin_m` beyond its band, so a position jittering at a
    # band's edge does not raise and lower the alert in turn.
    margin_m: float | None = Field(default=None, ge=0, le=50_000)
    # Dwell: 0 lets the first report in a band raise. Above 0, a band of a target raises
    # only once its reports span `dwell_minutes`: an incident raises when another report
    # in the same or a closer band of that target (within the age window) lies at least
    # that long before or after it, so the activity has stayed or come back. One report
    # alone never dwells.
    dwell_minutes: float = Field(default=0, ge=0, le=7 * 24 * 60)
    # Uncertainty: how far an incident may really be from where it is drawn, by its
    # `geo_precision` (ACLED's 2: near a named place, 3: somewhere in the district). The
    # distance test is widened by it; a band reached only thanks to it counts one level
    # lower, and the alert says the position is approximate. 0 treats it as exact.
    near_uncertainty_m: float = Field(default=5_000, ge=0, le=200_000)
    district_uncertainty_m: float = Field(default=25_000, ge=0, le=200_000)
    instruction: PlainText = Field(default=PROXIMITY_INSTRUCTION, min_length=1, max_length=2000)
    instruction_fr: PlainText | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("bands")
    @classmethod
    def _distinct_distances(cls, bands: list[Band]) -> list[Band]:
        distances = [band.distance_m for band in bands]
        if len(set(distances)) != len(distances):
            raise ValueError("each band needs its own distance")
        return sorted(bands, key=lambda band: band.distance_m)

    @property
    def reach_m(self) -> float:
        return max(band.distance_m for band in self.bands)


class ClusterParams(RuleParams):
    kind: Literal["cluster"] = "cluster"
    min_count: int = Field(default=3, ge=2, le=1000)
    radius_m: float = Field(default=10_000, gt=0, le=200_000)
    window_hours: float = Field(default=24, gt=0, le=24 * 30)
    level: AlertLevel = AlertLevel.WARNING
    instruction: PlainText = Field(default=SURGE_INSTRUCTION, min_length=1, max_length=2000)
    instruction_fr: PlainText | None = Field(default=None, min_length=1, max_length=2000)


class BaselineParams(RuleParams):
    """A camp's or route's incidents in the last window against its own average over the
    windows before (ACLED's subnational surge tracker, per place)."""

    kind: Literal["baseline"] = "baseline"
    target: Literal["camp", "route"]
    radius_m: float = Field(default=10_000, gt=0, le=200_000)
    window_days: int = Field(default=7, ge=1, le=90)
    baseline_windows: int = Field(default=4, ge=1, le=52)
    min_count: int = Field(default=5, ge=1, le=10_000)
    min_ratio: float = Field(default=2.0, ge=1, le=1000)
    level: AlertLevel = AlertLevel.WARNING
    instruction: PlainText = Field(default=BASELINE_INSTRUCTION, min_length=1, max_length=2000)
    instruction_fr: PlainText | None = Field(default=None, min_length=1, max_length=2000)


class CoverageStep(BaseModel):
    """A step of the casualty-care timeline: a facility of at least ``min_level`` within
    ``minutes`` by road; a place beyond it raises ``level``."""

    model_config = ConfigDict(extra="forbid")

    level: AlertLevel
    min_level: int = Field(ge=1, le=3)
    minutes: float = Field(gt=0, le=24 * 60)


def _coverage_steps() -> list[CoverageStep]:
    # The UN's 10-1-2: damage control within 1 hour, surgery within 2 (both level 2).
    return [
        CoverageStep(level=AlertLevel.WARNING, min_level=2, minutes=60),
        CoverageStep(level=AlertLevel.CRITICAL, min_level=2, minutes=120),
    ]


class CoverageParams(RuleParams):
    """Camps, and convoy routes until their window ends, beyond the reach of medical care
    by road (issue 20). A route is judged at its worst point (every ``spacing_m`` along it
    and its vertices). The rule runs inside writes, which have no settings: its carry
    speed and rainy seasons are its own (as ``BLUEWATCH_OFFROAD_KMH`` and
    ``BLUEWATCH_RAINY_SEASONS`` for CASEVAC)."""

    kind: Literal["coverage"] = "coverage"
    target: Literal["camp", "route"]
    steps: list[CoverageStep] = Field(default_factory=_coverage_steps, min_length=1, max_length=5)
    spacing_m: float = Field(default=5_000, ge=500, le=100_000)
    offroad_kmh: float = Field(default=5, gt=0, le=100)
    rainy_seasons: list[str] = Field(default_factory=list, max_length=12)
    instruction: PlainText = Field(default=COVERAGE_INSTRUCTION, min_length=1, max_length=2000)
    instruction_fr: PlainText | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("rainy_seasons")
    @classmethod
    def _seasons(cls, seasons: list[str]) -> list[str]:
        for season in seasons:
            try:
                Season.parse(season)
            except ValueError:
                raise ValueError("a season is MM-DD/MM-DD, such as 09-15/12-15") from None
        return seasons
