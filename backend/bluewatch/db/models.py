"""The schema as SQLAlchemy models: the reference the migrations are checked against."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bluewatch.layers.camps import CampKind
from bluewatch.layers.incidents import IncidentCategory, IncidentStatus
from bluewatch.layers.routes import RouteStatus
from bluewatch.layers.spec import Classification

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
        Index("ix_incident_geom", "geom", postgresql_using="gist"),
        Index("ix_incident_geog", text("(geom::geography)"), postgresql_using="gist"),
        Index("ix_incident_occurred_at", "occurred_at"),
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
