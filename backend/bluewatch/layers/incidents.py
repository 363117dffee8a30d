"""Incidents: point events reported in the mission area."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field, model_validator

from bluewatch.instants import Instant
from bluewatch.layers.spec import COMMON_COLUMNS, Column, LayerProperties, LayerSpec


class IncidentCategory(enum.StrEnum):
    ARMED_CLASH = "armed_clash"
    IED = "ied"
    AMBUSH = "ambush"
    INDIRECT_FIRE = "indirect_fire"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    ABDUCTION = "abduction"
    PROTEST = "protest"
    CRIME = "crime"
    CHECKPOINT = "checkpoint"
    DRONE_SIGHTING = "drone_sighting"
    UXO = "uxo"
    NATURAL_HAZARD = "natural_hazard"
    OTHER = "other"


# How each category is written for people: headlines, CAP <event>, the map.
CATEGORY_LABELS: dict[str, str] = {
    "armed_clash": "Armed clash",
    "ied": "IED",
    "ambush": "Ambush",
    "indirect_fire": "Indirect fire",
    "attack_on_civilians": "Attack on civilians",
    "abduction": "Abduction",
    "protest": "Protest",
    "crime": "Crime",
    "checkpoint": "Checkpoint",
    "drone_sighting": "Drone sighting",
    "uxo": "UXO",
    "natural_hazard": "Natural hazard",
    "other": "Other incident",
}


# The same in French, as the map's French catalogue writes them (frontend/src/messages/fr.ts).
CATEGORY_LABELS_FR: dict[str, str] = {
    "armed_clash": "Affrontement armé",
    "ied": "EEI",
    "ambush": "Embuscade",
    "indirect_fire": "Tir indirect",
    "attack_on_civilians": "Attaque contre des civils",
    "abduction": "Enlèvement",
    "protest": "Manifestation",
    "crime": "Criminalité",
    "checkpoint": "Barrage",
    "drone_sighting": "Drone observé",
    "uxo": "UXO (munition non explosée)",
    "natural_hazard": "Aléa naturel",
    "other": "Autre incident",
}


def category_labels(language: str = "en") -> dict[str, str]:
    return CATEGORY_LABELS_FR if language == "fr" else CATEGORY_LABELS


def category_label_sql(column: str, language: str = "en") -> str:
    """SQL giving the label of the category in ``column`` (labels are constants here)."""
    cases = " ".join(
        f"WHEN '{key}' THEN '{label}'" for key, label in category_labels(language).items()
    )
    return f"(CASE {column} {cases} ELSE {column} END)"


# How far a reporter's clock may run ahead of the server's before a time is "future".
CLOCK_SKEW = timedelta(minutes=10)
SKEW_TEXT = f"{CLOCK_SKEW // timedelta(minutes=1)} minutes"


class IncidentStatus(enum.StrEnum):
    REPORTED = "reported"
    VERIFIED = "verified"
    DISMISSED = "dismissed"


class IncidentProperties(LayerProperties):
    occurred_at: Instant
    reported_at: Instant | None = None
    category: IncidentCategory
    severity: int = Field(ge=1, le=5)
    fatalities: int = Field(default=0, ge=0, le=100_000)
    injured: int = Field(default=0, ge=0, le=100_000)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    source: str | None = Field(default=None, max_length=200)
    # Admiralty code: reliability of the source A (reliable) … F (cannot be judged),
    # credibility of the information 1 (confirmed) … 6 (cannot be judged).
    source_reliability: Literal["A", "B", "C", "D", "E", "F"] | None = None
    source_credibility: int | None = Field(default=None, ge=1, le=6)
    geo_precision: int = Field(default=1, ge=1, le=3)
    # ACLED's coding of how well the date is known: 1 the day, 2 the week, 3 the month.
    time_precision: int = Field(default=1, ge=1, le=3)
    status: IncidentStatus = IncidentStatus.REPORTED

    @model_validator(mode="after")
    def _plausible_times(self) -> IncidentProperties:
        """An incident is not in the future, and is reported after it happens: a date in
        2030 once raised a live surge today (issue 18, defect 4)."""
        latest = datetime.now(UTC) + CLOCK_SKEW
        if self.occurred_at > latest:
            raise ValueError(f"occurred_at lies in the future (more than {SKEW_TEXT} ahead)")
        if self.reported_at is not None:
            if self.reported_at > latest:
                raise ValueError(f"reported_at lies in the future (more than {SKEW_TEXT} ahead)")
            if self.reported_at < self.occurred_at:
                raise ValueError("reported_at is before occurred_at")
        return self


INCIDENTS = LayerSpec(
    name="incidents",
    table="incident",
    title="Incidents",
    geometry_type="Point",
    properties_model=IncidentProperties,
    columns=(
        Column("occurred_at", "timestamptz"),
        Column("reported_at", "timestamptz", default_sql="now()"),
        Column("category", "text"),
        Column("severity", "smallint"),
        Column("fatalities", "integer"),
        Column("injured", "integer"),
        Column("title", "text"),
        Column("description", "text"),
        Column("source", "text"),
        Column("source_reliability", "text"),
        Column("source_credibility", "smallint"),
        Column("geo_precision", "smallint"),
        Column("time_precision", "smallint"),
        Column("status", "text"),
        *COMMON_COLUMNS,
    ),
    time_filter="instant",
    choice_filters={"category": IncidentCategory, "status": IncidentStatus},
    has_severity=True,
    aggregated_tiles=True,
    rule_subject=True,
    tile_fields={
        "category": "String",
        "severity": "Number",
        "status": "String",
        "occurred_at": "String",
        "title": "String",
        "classification": "String",
    },
    bundle_filters=frozenset({"bbox", "datetime", "category", "severity_min", "status"}),
)
