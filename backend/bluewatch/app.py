"""The application factory. Nothing is created at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response

from bluewatch import __version__
from bluewatch.api import (
    admin,
    alerts,
    casevac,
    exports,
    frontend,
    health,
    imports,
    mapview,
    ogc,
    problems,
    reports,
    rules,
    session,
    tasks,
    tiles,
    webhooks,
)
from bluewatch.api.authentication import SESSION_COOKIE
from bluewatch.api.body import BodyLimit
from bluewatch.api.layers import layer_router
from bluewatch.api.metrics import RequestMetrics, ServiceMetrics
from bluewatch.api.middleware import HeadAsGet, RequestHeaders
from bluewatch.api.paths import PathTable
from bluewatch.api.policy import PUBLIC, VIEWER, require_policies
from bluewatch.api.responses import PROBLEM_RESPONSES, JSONResponse
from bluewatch.db.engine import Database
from bluewatch.events.hub import EventHub
from bluewatch.io import spool
from bluewatch.layers import LAYERS
from bluewatch.layers.group_commit import GroupCommit
from bluewatch.security.throttle import RateLimiter
from bluewatch.settings import Settings
from bluewatch.tile_cache import TileCache
from bluewatch.webhooks.metrics import WebhookMetrics
from bluewatch.webhooks.worker import DeliveryWorker

API_PREFIX = "/api/v1"


NOT_COMPRESSED = (
    "text/event-stream",
    "application/zip",
    "image/png",
    "image/jpeg",
    "image/webp",
    "font/woff2",
    "application/vnd.pmtiles",
)


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
        spool.clear_leftovers(settings.resolved_spool_dir)
        database = Database(database_url, settings)
        app.state.database = database
        app.state.group_commit = GroupCommit(database)
        loops = Database.for_loops(database_url, settings, 1 + settings.webhook_workers_in_api)
        hub = EventHub(
            database_url,
            loops,
            poll_seconds=settings.event_poll_seconds,
            observe_lag=app.state.service_metrics.event_lag.observe,
        )
        app.state.event_hub = hub
        await hub.start()
        workers = [
            asyncio.create_task(
                DeliveryWorker(
                    loops, database_url, settings, app.state.webhook_metrics,
                    loops=settings.webhook_workers_in_api,
                ).run()
            )
        ] if settings.webhook_workers_in_api else []  # fmt: skip
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await hub.stop()
            await loops.dispose()
            await database.dispose()

    app = FastAPI(
        title="Bluewatch",
        version=__version__,
        summary="Geospatial early warning for UN peacekeeping missions",
        lifespan=lifespan,
        default_response_class=JSONResponse,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.state.webhook_metrics = WebhookMetrics()
    app.state.service_metrics = ServiceMetrics(app.state.webhook_metrics.registry)
    app.state.tile_cache = TileCache(settings.tile_cache_bytes)
    app.state.paths = PathTable(app)
    problems.install(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={f"{API_PREFIX}/import/": settings.max_import_bytes},
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "Last-Event-ID"],
        )
    # JSON, GeoJSON, CSV, KML, tiles and the page compress well; streams, archives and
    # images do not, or must not wait for a buffer. Level 5: most of the gain, far less CPU
    # than 9 on a 1M-incident export.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5,
                       exclude_content_types=NOT_COMPRESSED)  # fmt: skip
    app.add_middleware(HeadAsGet, endless=("/alerts/stream",))
    app.add_middleware(RequestHeaders, extra_csp_sources=settings.basemap_origin)
    app.add_middleware(RequestMetrics, metrics=app.state.service_metrics, paths=app.state.paths)

    api = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    for spec in LAYERS.values():
        api.include_router(layer_router(spec))
    api.include_router(casevac.router)
    api.include_router(alerts.router)
    api.include_router(tasks.router)
    api.include_router(reports.router)
    api.include_router(rules.router)
    api.include_router(webhooks.router)
    api.include_router(exports.router)
    api.include_router(imports.router)
    api.include_router(tiles.router)
    api.include_router(session.router)
    api.include_router(mapview.router)
    api.include_router(admin.router)
    app.include_router(api)
    app.include_router(ogc.router, responses=PROBLEM_RESPONSES)
    app.include_router(health.router)
    app.include_router(frontend.router)
    _add_docs(app, settings)
    require_policies(app)
    return app


SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key (bwk_...)"},
    "session": {
        "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
        "description": "A browser session; changes also need the X-CSRF-Token header",
    },
}  # fmt: skip


def openapi_definition(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the credentials every route but the public ones
    asks for (the policy decides)."""
    document = app.openapi()
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"apiKey": []}, {"session": []}]
    return document


def _add_docs(app: FastAPI, settings: Settings) -> None:
    docs_policy = PUBLIC if settings.public_docs else VIEWER

    @app.get("/openapi.json", include_in_schema=False, dependencies=[docs_policy.depends()])
    async def openapi() -> Response:
        return JSONResponse(openapi_definition(app))

    @app.get("/docs", include_in_schema=False, dependencies=[docs_policy.depends()])
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="Bluewatch API")
        # Swagger UI comes from a CDN: this page alone may load scripts from there.
        page.headers["content-security-policy"] = (
            "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com; frame-ancestors 'none'"
        )
        return page
