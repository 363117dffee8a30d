"""Response shapes the map and other clients rely on, declared for OpenAPI.

The bodies themselves are built in SQL (``rules/alerts.py``) or by the routes; these
models only describe them. schemathesis checks every response against them, and the
frontend's TypeScript types are generated from the document that holds them, so the
three cannot drift apart unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bluewatch.classification import Classification
from bluewatch.rules.params import AlertLevel
from bluewatch.security.principal import Role

AlertStatus = Literal["open", "acknowledged", "resolved"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertTarget(_Closed):
    type: Literal["camp", "route"]
    id: int
    name: str


class AlertProperties(_Closed):
    level: AlertLevel
    status: AlertStatus
    headline: str
    headline_fr: str | None = Field(
        description="The headline in French; null for alerts raised before French headlines."
    )
    uncertain: bool = Field(
        description="Only the incident's stated position uncertainty brought it within the"
        " band (its level is one lower than the band's)."
    )
    rule_id: int
    rule_kind: Literal["proximity", "cluster", "baseline", "coverage"]
    incident_id: int | None
    member_count: int = Field(
        ge=0, description="How many incidents it rests on; read them at /alerts/{id}/members."
    )
    members_added: list[int] | None = Field(
        default=None,
        description="In events only: the incidents that joined the alert in this change.",
    )
    target: AlertTarget | None
    distance_m: float | None
    occurred_at: datetime | None = Field(
        description="When its incident happened (a surge: its latest member)."
    )
    classification: Classification
    version: int = Field(ge=1)
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledge_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolve_note: str | None


class PointGeometry(_Closed):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class Link(BaseModel):
    rel: str
    href: str
    type: str | None = None


class Alert(_Closed):
    """An alert as a GeoJSON Feature (a Point where it was raised)."""

    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: AlertProperties


class AlertPage(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Alert]
    numberReturned: int = Field(ge=0)  # the OGC member name
    links: list[Link]


class SessionInfo(_Closed):
    """Who is signed in; ``csrf_token`` is set for browser sessions (send it back as
    ``X-CSRF-Token`` on changes), null for API keys."""

    username: str
    role: Role
    clearance: Classification
    csrf_token: str | None


class NewSession(SessionInfo):
    expires_at: datetime


class CurrentSession(_Closed):
    session: SessionInfo | None


class LineGeometry(_Closed):
    type: Literal["LineString"]
    coordinates: list[list[float]] = Field(min_length=2)


class CasevacProperties(_Closed):
    facility_id: int
    facility_name: str
    level: int | None = Field(description="UN level of care, 1 to 3; null for a helipad.")
    kind: Literal["hospital", "aid_post", "helipad"]
    classification: Classification
    reachable: bool = Field(description="A path by road exists (within your clearance).")
    travel_time_s: float | None = Field(description="Road and carry; null when unreachable.")
    distance_m: float | None
    offroad_m: float | None = Field(description="The carry to and from the road, in metres.")


class CasevacRoute(_Closed):
    type: Literal["Feature"]
    id: int
    geometry: LineGeometry | None = Field(
        description="Incident → road → facility; null when unreachable."
    )
    properties: CasevacProperties


class TimelineStep(_Closed):
    step: Literal["first_aid", "damage_control", "surgery"]
    minutes: int
    min_level: int
    met: bool = Field(description="A facility of at least min_level within the minutes.")
    facility_id: int | None
    travel_time_s: float | None


class Casevac(_Closed):
    type: Literal["FeatureCollection"]
    incident_id: int
    offroad_kmh: float
    rainy_season: bool
    timeline: list[TimelineStep] = Field(description="The incident's 10-1-2 verdict.")
    features: list[CasevacRoute]


class CoverageProperties(_Closed):
    level: int = Field(ge=1, le=3, description="Facilities of at least this level of care.")
    minutes: int
    facilities: int = Field(ge=0, description="How many such facilities you may see.")
    offroad_kmh: float
    rainy_season: bool


class CoverageArea(_Closed):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]]


class CoverageFeature(_Closed):
    type: Literal["Feature"]
    id: str
    geometry: CoverageArea | None = Field(description="Null when no such facility is visible.")
    properties: CoverageProperties


class Coverage(_Closed):
    type: Literal["FeatureCollection"]
    features: list[CoverageFeature] = Field(min_length=1, max_length=1)


UnitKind = Literal["qrf", "patrol", "medical_team", "engineers", "other"]
TaskStatus = Literal["tasked", "en_route", "on_scene", "completed", "cancelled"]


class TaskUnit(_Closed):
    id: int | None = Field(description="Null once the unit has been deleted.")
    name: str = Field(description="The unit's name when it was tasked.")
    kind: UnitKind


class Task(_Closed):
    id: int
    alert_id: int
    unit: TaskUnit
    status: TaskStatus
    note: str | None
    classification: Classification = Field(
        description="The highest marking of the alert and the unit (and theirs at tasking)."
    )
    alert_level: AlertLevel
    alert_created_at: datetime
    tasked_at: datetime
    tasked_by: str | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime
    updated_by: str | None
    version: int


class TaskList(_Closed):
    tasks: list[Task]


class UnitOption(_Closed):
    unit_id: int
    name: str
    kind: UnitKind
    classification: Classification
    position: list[float] = Field(min_length=2, max_length=2, description="[lon, lat]")
    reachable: bool = Field(description="A road leads from the unit to the alert.")
    travel_time_s: float | None = Field(description="By road and carry; null when unreachable.")
    straight_m: float = Field(description="Straight-line distance to the alert.")


class UnitOptions(_Closed):
    alert_id: int
    units: list[UnitOption] = Field(description="Available units, fastest first.")


class ResponseGroup(_Closed):
    group: Literal["all", "level", "target"]
    level: AlertLevel | None
    target: AlertTarget | None = Field(
        description="The camp or route (null in a target group: alerts with neither)."
    )
    alerts: int
    tasked: int
    never_tasked: int
    on_scene: int
    to_tasking_median_s: float | None
    to_tasking_p90_s: float | None
    to_on_scene_median_s: float | None
    to_on_scene_p90_s: float | None


class ResponseTimes(_Closed):
    from_: datetime = Field(alias="from")
    to: datetime
    classification: Classification = Field(description="The highest marking counted.")
    groups: list[ResponseGroup]
    never_tasked_alert_ids: list[int] = Field(description="Newest first, up to 1000.")
