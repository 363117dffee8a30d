"""Typed dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bluewatch.db.engine import Database
from bluewatch.geo import GeometryLimits
from bluewatch.layers.spec import Classification
from bluewatch.security.principal import Principal, Role
from bluewatch.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_limits(settings: Annotated[Settings, Depends(get_settings)]) -> GeometryLimits:
    return settings.geometry_limits()


def get_principal() -> Principal:
    # Authentication arrives with issue #3; until then the API acts as one operator.
    return Principal(
        name="operator", role=Role.ADMIN, clearance=Classification.STRICTLY_CONFIDENTIAL
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
LimitsDep = Annotated[GeometryLimits, Depends(get_limits)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
