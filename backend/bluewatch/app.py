"""The application factory. Nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from bluewatch import __version__
from bluewatch.api import health, problems
from bluewatch.api.body import BodyLimit
from bluewatch.api.layers import layer_router
from bluewatch.api.responses import JSONResponse
from bluewatch.db.engine import Database
from bluewatch.layers import LAYERS
from bluewatch.settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.database_url is None:
        raise ValueError(
            "No database configured: set BLUEWATCH_DATABASE_URL, or start with "
            "'bluewatch serve', which runs the local PostGIS cluster."
        )
    database_url = settings.database_url.get_secret_value()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(database_url, settings)
        app.state.database = database
        try:
            yield
        finally:
            await database.dispose()

    app = FastAPI(
        title="Bluewatch",
        version=__version__,
        summary="Geospatial early warning for UN peacekeeping missions",
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    api = APIRouter(prefix=API_PREFIX)
    for spec in LAYERS.values():
        api.include_router(layer_router(spec))
    app.include_router(api)
    app.include_router(health.router)
    return app
