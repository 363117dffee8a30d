"""The schema as SQLAlchemy models: the reference the migrations are checked against."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bluewatch.classification import Classification
from bluewatch.layers.camps import CampKind
from bluewatch.layers.facilities import FacilityKind
from bluewatch.layers.incidents import IncidentCategory, IncidentStatus
from bluewatch.layers.roads import RoadClass
from bluewatch.layers.routes import RouteStatus
from bluewatch.layers.units import UnitKind
from bluewatch.tasking.steps import ACTIVE, TaskStatus

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

classification_type = Enum(
    Classification,
    name="classification",
    values_callable=lambda members: [member.value for member in members],
    create_type=False,
)


def _choices(name: str, column: str, values: list[str]) -> CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class _Record:
    """Columns every layer table shares: classification, external key, audit."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    classification: Mapped[Classification] = mapped_column(
        classification_type, server_default=Classification.CONFIDENTIAL.value
    )
    external_source: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(Text)


class Incident(_Record, Base):
    __tablename__ = "incident"

    geom: Mapped[str] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    category: Mapped[str] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(SmallInteger)
    fatalities: Mapped[int] = mapped_column(Integer, server_default="0")
    injured: Mapped[int] = mapped_column(Integer, server_default="0")
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    source: Mapped[str | None] = mapped_column(Text)
    source_reliability: Mapped[str | None] = mapped_column(Text)
    source_credibility: Mapped[int | None] = mapped_column(SmallInteger)
    geo_precision: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    time_precision: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    status: Mapped[str] = mapped_column(Text, server_default=IncidentStatus.REPORTED.value)

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("category", "category", [c.value for c in IncidentCategory]),
        _choices("status", "status", [s.value for s in IncidentStatus]),
        CheckConstraint("severity BETWEEN 1 AND 5", name="severity"),
        CheckConstraint("fatalities >= 0 AND injured >= 0", name="casualties"),
        CheckConstraint("source_reliability IN ('A','B','C','D','E','F')", name="reliability"),
        CheckConstraint("source_credibility BETWEEN 1 AND 6", name="credibility"),
        CheckConstraint("geo_precision BETWEEN 1 AND 3", name="geo_precision"),
        CheckConstraint("time_precision BETWEEN 1 AND 3", name="time_precision"),
        Index("ix_incident_geom", "geom", postgresql_using="gist"),
        Index("ix_incident_geog", text("(geom::geography)"), postgresql_using="gist"),
        Index("ix_incident_occurred_at", "occurred_at"),
        Index(
            "ix_incident_space_time",
            text("space_time(geom, occurred_at)"),
            postgresql_using="gist",
            postgresql_ops={"space_time(geom, occurred_at)": "gist_geometry_ops_nd"},  # as 0006
        ),
    )


class Route(_Record, Base):
    __tablename__ = "route"

    geom: Mapped[str] = mapped_column(
        Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False
    )
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(Text, server_default=RouteStatus.PLANNED.value)
    active_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("status", "status", [s.value for s in RouteStatus]),
        CheckConstraint("active_until >= active_from", name="window"),
        Index("ix_route_geom", "geom", postgresql_using="gist"),
        Index("ix_route_geog", text("(geom::geography)"), postgresql_using="gist"),
    )


class Camp(_Record, Base):
    __tablename__ = "camp"

    geom: Mapped[str] = mapped_column(
        Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False
    )
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default=CampKind.OTHER.value)
    unit: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("kind", "kind", [k.value for k in CampKind]),
        CheckConstraint("ST_IsValid(geom)", name="valid_perimeter"),
        Index("ix_camp_geom", "geom", postgresql_using="gist"),
        Index("ix_camp_geog", text("(geom::geography)"), postgresql_using="gist"),
    )


class Road(_Record, Base):
    __tablename__ = "road"

    geom: Mapped[str] = mapped_column(
        Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False
    )
    name: Mapped[str] = mapped_column(Text, server_default="")
    road_class: Mapped[str] = mapped_column(
        "class", Text, server_default=RoadClass.UNCLASSIFIED.value
    )
    speed_kmh: Mapped[float | None] = mapped_column(REAL)
    oneway: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("class", '"class"', [c.value for c in RoadClass]),
        CheckConstraint("speed_kmh > 0 AND speed_kmh <= 200", name="speed"),
        Index("ix_road_geom", "geom", postgresql_using="gist"),
        Index("ix_road_geog", text("(geom::geography)"), postgresql_using="gist"),
    )


class RoadVertex(Base):
    """A node of the road network: a road vertex, its position rounded to 1e-7°."""

    __tablename__ = "road_vertex"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    x: Mapped[float] = mapped_column(Double)
    y: Mapped[float] = mapped_column(Double)
    geom: Mapped[str] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )

    __table_args__ = (UniqueConstraint("x", "y"),)


class RoadEdge(Base):
    """A segment of a road between two nodes, kept by triggers on ``road`` (0018)."""

    __tablename__ = "road_edge"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    road_id: Mapped[int] = mapped_column(BigInteger, index=True)
    source: Mapped[int] = mapped_column(BigInteger, index=True)
    target: Mapped[int] = mapped_column(BigInteger, index=True)
    geom: Mapped[str] = mapped_column(
        Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False
    )
    length_m: Mapped[float] = mapped_column(Double)
    edge_class: Mapped[str] = mapped_column("class", Text)
    speed_kmh: Mapped[float | None] = mapped_column(REAL)
    oneway: Mapped[bool] = mapped_column(Boolean)
    classification: Mapped[Classification] = mapped_column(classification_type)

    __table_args__ = (Index("ix_road_edge_geom", "geom", postgresql_using="gist"),)


class Facility(_Record, Base):
    __tablename__ = "facility"

    geom: Mapped[str] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(Text, server_default=FacilityKind.HOSPITAL.value)
    capacity: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("kind", "kind", [k.value for k in FacilityKind]),
        CheckConstraint("level BETWEEN 1 AND 3", name="level"),
        CheckConstraint("capacity >= 0", name="capacity"),
        Index("ix_facility_geom", "geom", postgresql_using="gist"),
        Index("ix_facility_geog", text("(geom::geography)"), postgresql_using="gist"),
    )


class Unit(_Record, Base):
    __tablename__ = "unit"

    geom: Mapped[str] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default=UnitKind.QRF.value)
    available: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        _choices("kind", "kind", [k.value for k in UnitKind]),
        Index("ix_unit_geom", "geom", postgresql_using="gist"),
    )


ROLE_CHECK = "role IN ('viewer', 'analyst', 'admin')"


class ApiKey(Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    prefix: Mapped[str] = mapped_column(Text, unique=True)
    token_sha256: Mapped[bytes] = mapped_column(LargeBinary)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    clearance: Mapped[Classification] = mapped_column(classification_type)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    clearance: Mapped[Classification] = mapped_column(classification_type)
    disabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)


class UserSession(Base):
    __tablename__ = "user_session"

    token_sha256: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="CASCADE", name="fk_user_session_user"),
        index=True,
    )  # fmt: skip
    csrf_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    username: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_sign_in_attempt_username_at", "username", "at"),
        Index("ix_sign_in_attempt_address_at", "address", "at"),
    )


class AuditLog(Base):
    """Append-only: triggers refuse UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), index=True
    )
    actor: Mapped[str] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str | None] = mapped_column(Text)
    object_id: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification | None] = mapped_column(classification_type)
    result: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'"))

    __table_args__ = (CheckConstraint("result IN ('success', 'denied', 'failed')", name="result"),)


alert_level_type = Enum("watch", "warning", "critical", name="alert_level", create_type=False)


class Rule(Base):
    __tablename__ = "rule"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    params: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("kind IN ('proximity', 'cluster', 'baseline', 'coverage')", name="kind"),
    )


class Alert(Base):
    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    # The rule and the incident are checked once per statement by triggers (migration
    # 0017), not by foreign keys row by row.
    rule_id: Mapped[int] = mapped_column(BigInteger)
    rule_kind: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(alert_level_type)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    incident_id: Mapped[int | None] = mapped_column(BigInteger)
    member_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # Its latest member's time: set by the rule statements as they write members, set
    # again by triggers when a member's time is edited or it is deleted (migration 0022).
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    target_type: Mapped[str | None] = mapped_column(Text)
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    target_name: Mapped[str | None] = mapped_column(Text)
    distance_m: Mapped[float | None] = mapped_column(Double)
    classification: Mapped[Classification] = mapped_column(classification_type)
    headline: Mapped[str] = mapped_column(Text)
    headline_fr: Mapped[str | None] = mapped_column(Text)
    uncertain: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    geom: Mapped[str] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolve_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("target_type IN ('camp', 'route')", name="target_type"),
        # One alert per (rule, incident, target); incident first (migration 0023).
        Index(
            "uq_alert_proximity",
            "incident_id",
            "rule_id",
            "target_type",
            "target_id",
            unique=True,
            postgresql_where=text("rule_kind = 'proximity'"),
        ),
        Index("ix_alert_geom", "geom", postgresql_using="gist"),
        Index(
            "ix_alert_cluster_geog",
            text("(geom::geography)"),
            postgresql_using="gist",
            postgresql_where=text("rule_kind = 'cluster'"),
        ),
        Index("ix_alert_status_level", "status", "level"),
        # The marking triggers (migration 0007) find the alerts resting on a record.
        Index("ix_alert_incident_id", "incident_id"),
        # The alerts at a target; a rule's open alert of a band there, newest first: the
        # only index that leads with the target (migration 0023).
        Index(
            "ix_alert_target",
            "target_type",
            "target_id",
            "rule_id",
            "level",
            text("created_at DESC"),
            text("id DESC"),
        ),
    )


class Task(Base):
    """An alert handed to a unit (migration 0019); each step's time in its own column."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("alert.id", ondelete="CASCADE", name="fk_task_alert_id_alert"),
        index=True,
    )
    unit_id: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("unit.id", ondelete="SET NULL", name="fk_task_unit_id_unit"),
        index=True,
    )
    unit_name: Mapped[str] = mapped_column(Text)
    unit_kind: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=TaskStatus.TASKED.value)
    note: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification] = mapped_column(classification_type)
    tasked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    tasked_by: Mapped[str | None] = mapped_column(Text)
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_scene_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __table_args__ = (
        _choices("status", "status", [s.value for s in TaskStatus]),
        # A unit is on one task at a time.
        Index(
            "uq_task_active_unit",
            "unit_id",
            unique=True,
            postgresql_where=text("status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE) + ")"),
        ),
    )


class AlertMember(Base):
    """An incident an alert rests on (migration 0015), and the alert version it joined at."""

    __tablename__ = "alert_member"

    alert_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    added_version: Mapped[int] = mapped_column(Integer, server_default="1")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event(Base):
    """The append-only log that the SSE stream and webhooks read."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    alert_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # A layer record's change (migration 0009): which layer and record; thin, no content.
    layer: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    classification: Mapped[Classification] = mapped_column(classification_type)
    # Only readers cleared below this level receive the event (a record now above them).
    hidden_from: Mapped[Classification | None] = mapped_column(classification_type)

    __table_args__ = (
        CheckConstraint(
            "(alert_id IS NOT NULL AND layer IS NULL AND record_id IS NULL) OR "
            "(alert_id IS NULL AND layer IN ('incident', 'camp', 'route', 'road', 'facility', "
            "'unit'))",
            name="subject",
        ),
    )
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), index=True
    )
    data: Mapped[dict[str, object]] = mapped_column(JSON)


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    min_level: Mapped[str] = mapped_column(alert_level_type, server_default="watch")
    camp_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    route_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    clearance: Mapped[Classification] = mapped_column(classification_type)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    digest_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("digest_minutes BETWEEN 0 AND 1440", name="digest_minutes"),)


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("webhook.id", ondelete="CASCADE", name="fk_webhook_delivery_webhook"),
    )
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The digest delivery this one was folded into (status 'digested').
    digest_id: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("webhook_delivery.id", ondelete="SET NULL", name="fk_webhook_delivery_digest"),
    )

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        CheckConstraint(
            "status IN ('pending', 'delivering', 'delivered', 'failed', 'withheld', 'held',"
            " 'digested')",
            name="status",
        ),
        Index(
            "ix_webhook_delivery_held",
            "webhook_id",
            "created_at",
            postgresql_where=text("status = 'held'"),
        ),
        Index(
            "ix_webhook_delivery_digest_id",
            "digest_id",
            postgresql_where=text("digest_id IS NOT NULL"),
        ),
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'delivering')"),
        ),
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("webhook_delivery.id", ondelete="CASCADE", name="fk_webhook_attempt_delivery"),
        index=True,
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Double)


class LayerVersion(Base):
    """One counter per layer table, raised at commit by every changing transaction
    (triggers in migration 0008); the tile cache files tiles under it."""

    __tablename__ = "layer_version"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
