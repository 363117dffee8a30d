"""The analyst's map: the page built into frontend/dist, served at ``/``.

The page itself is public (it holds no data; every call it makes is authenticated).
Hashed assets are cached for good; the page is revalidated on every load.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from bluewatch.api.deps import SettingsDep
from bluewatch.api.policy import PUBLIC
from bluewatch.errors import NotFound, ServiceUnavailable

router = APIRouter(include_in_schema=False, dependencies=[PUBLIC.depends()])
ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".woff2": "font/woff2",
}


@router.get("/")
async def page(settings: SettingsDep) -> Response:
    index = settings.resolved_frontend_dir / "index.html"
    if not index.is_file():
        raise ServiceUnavailable(
            "The map is not built: run 'make run', or 'npm --prefix frontend ci && "
            "npm --prefix frontend run build'."
        )
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/assets/{name}")
async def asset(name: str, settings: SettingsDep) -> Response:
    directory = settings.resolved_frontend_dir / "assets"
    path = directory / name
    suffix = Path(name).suffix
    if not ASSET_NAME.match(name) or suffix not in MEDIA_TYPES or not path.is_file():
        raise NotFound("No such asset.")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[suffix],
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
