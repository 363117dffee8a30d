"""Typed dependency aliases shared by the routers.

They are coroutines, though none awaits: FastAPI runs a plain function dependency in a
worker thread, a thread hop for each on every request (7.6 % of the API's CPU under
W7, py-spy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bluewatch.db.engine import Database
from bluewatch.geo import GeometryLimits
from bluewatch.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_limits(settings: Annotated[Settings, Depends(get_settings)]) -> GeometryLimits:
    return settings.geometry_limits()


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
LimitsDep = Annotated[GeometryLimits, Depends(get_limits)]
