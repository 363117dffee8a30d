"""Runtime configuration, read from ``BLUEWATCH_*`` environment variables."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bluewatch.geo import GeometryLimits
from bluewatch.io.bounds import ReadLimits
from bluewatch.io.spool import default_root as default_spool_root
from bluewatch.network.speeds import Season

PROJECT_HOME = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="BLUEWATCH_", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db; unset starts the local cluster",
    )
    read_database_url: SecretStr | None = Field(
        default=None,
        description="a streaming standby for reads that may be a moment behind (lists, "
        "records, OGC API, tiles, exports)",
    )
    read_your_writes_seconds: float = Field(
        default=5.0, ge=0, le=3600, description="after a change, its author reads the primary"
    )
    home: Path = Field(default=PROJECT_HOME, description="checkout holding migrations/")
    data_dir: Path | None = Field(default=None, description="local cluster home; default .data/")
    local_db_port: int = Field(default=55432, ge=1024, le=65535)
    local_db_install_postgis: bool = True

    # Enough kept-open connections for a busy process: a connection opened beyond the
    # pool is closed on return, and opening one (fork, SCRAM, PostGIS loaded) cost more
    # than the request that wanted it (bench W1: 71 -> 105 single POSTs/s at 1M).
    pool_size: int = Field(default=16, ge=1, le=200)
    pool_max_overflow: int = Field(default=4, ge=0, le=200)

    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="file size limit of POST /import"
    )
    max_parsed_import_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="GeoJSON and KML imports are parsed whole"
    )
    max_features_per_request: int = Field(default=10_000, ge=1)
    max_vertices_per_geometry: int = Field(default=20_000, ge=4)
    max_vertices_per_request: int = Field(default=200_000, ge=4)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="proxies trusted for X-Forwarded-* headers"
    )
    # Where and how `bluewatch serve` listens (its flags override these).
    host: str = Field(default="127.0.0.1", description="address `serve` binds")
    port: int = Field(default=8000, ge=1, le=65535, description="port `serve` binds")
    workers: int = Field(default=1, ge=1, le=64, description="API processes `serve` runs")
    tile_cache_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="rendered tiles kept per API process"
    )

    session_hours: float = Field(default=8.0, gt=0, le=24 * 7, description="one shift")
    sign_in_failures_per_account: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    rate_limit_burst: int = Field(default=300, ge=1)
    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS")
    public_docs: bool = Field(default=False, description="serve /docs and /openapi.json openly")

    sse_heartbeat_seconds: float = Field(default=15.0, gt=0)
    shutdown_grace_seconds: int = Field(default=5, ge=0, description="then open streams close")
    event_poll_seconds: float = Field(default=1.0, gt=0, description="hub poll without NOTIFY")
    event_retention_days: float = Field(default=7.0, gt=0)
    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        description="seconds before each attempt, comma-separated",
    )
    webhook_jitter: float = Field(default=0.1, ge=0, le=1, description="± share of each delay")
    webhook_allow_cidrs: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="networks webhooks may reach despite the SSRF guard"
    )
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    webhook_max_response_bytes: int = Field(default=65_536, ge=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_disable_after_hours: float = Field(default=120.0, gt=0)
    webhook_rotation_overlap_hours: float = Field(default=24.0, ge=0)
    webhook_workers_in_api: int = Field(default=1, ge=0, le=16)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)

    # Travel by road (issue 20, network/speeds.py).
    rainy_seasons: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="MM-DD/MM-DD spans of the year in which unpaved roads slow down, "
        "comma-separated (eastern DRC: 09-15/12-15,02-15/05-31)",
    )
    offroad_kmh: float = Field(
        default=5.0, gt=0, le=100, description="the carry from an incident or facility to the road"
    )

    @field_validator(
        "webhook_retry_schedule", "webhook_allow_cidrs", "rainy_seasons", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, schedule: list[float]) -> list[float]:
        if not schedule or any(delay < 0 for delay in schedule):
            raise ValueError("the retry schedule needs at least one delay, none negative")
        return schedule

    @field_validator("rainy_seasons")
    @classmethod
    def _seasons(cls, seasons: list[str]) -> list[str]:
        for season in seasons:
            Season.parse(season)
        return seasons

    def seasons(self) -> list[Season]:
        return [Season.parse(season) for season in self.rainy_seasons]

    @field_validator("webhook_allow_cidrs")
    @classmethod
    def _networks(cls, cidrs: list[str]) -> list[str]:
        for cidr in cidrs:
            ipaddress.ip_network(cidr, strict=False)
        return cidrs

    cap_sender: str = Field(default="bluewatch@mission.un.example", pattern=r"^[^\s,<&]+$")
    cap_contact: str = Field(
        default="Joint Operations Centre duty officer",
        min_length=1,
        max_length=200,
        description="CAP <contact>: who answers for the mission's warnings",
    )

    # The analyst's map. Offline by default: Natural Earth is bundled with the page.
    basemap_url: str | None = Field(
        default=None,
        pattern=r"^https://[^\s\"'<>]+$",
        description="optional online tile URL template, https://…/{z}/{x}/{y}.png (or .pbf)",
    )
    basemap_kind: Literal["raster", "vector"] = "raster"
    basemap_mode: Literal["overlay", "replace"] = Field(
        default="overlay", description="draw the online tiles over Natural Earth, or instead"
    )
    basemap_attribution: str = Field(default="", max_length=300)
    mission_area: Annotated[tuple[float, float, float, float] | None, NoDecode] = Field(
        default=None,
        description="west,south,east,north in degrees: imports warn about features outside "
        "(default: the extent of the camps and routes, widened by 1 degree)",
    )
    basemap_pmtiles: Path | None = Field(
        default=None,
        description="a local PMTiles archive (e.g. the mission's OpenStreetMap extract) the "
        "API serves with range requests and the map draws over Natural Earth",
    )
    places_file: Path | None = Field(
        default=None, description="GeoJSON points with 'name' (and 'rank') labelled on the map"
    )
    frontend_dir: Path | None = Field(default=None, description="built page; frontend/dist")
    spool_dir: Path | None = Field(
        default=None, description="uploads and file exports in progress; <temp>/bluewatch-spool"
    )

    @field_validator("mission_area", mode="before")
    @classmethod
    def _box_text(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",")] if value.strip() else None
        return value

    @field_validator("mission_area")
    @classmethod
    def _box(
        cls, box: tuple[float, float, float, float] | None
    ) -> tuple[float, float, float, float] | None:
        if box is None:
            return None
        west, south, east, north = box
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(
                "the mission area is west,south,east,north with west < east and south < north"
            )
        return box

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, origins: list[str]) -> list[str]:
        if "*" in origins:
            raise ValueError("CORS origins must be listed; '*' is refused (cookies are sent)")
        return origins

    def read_limits(self) -> ReadLimits:
        return ReadLimits(
            max_vertices=self.max_vertices_per_geometry,
            max_parsed_bytes=self.max_parsed_import_bytes,
            max_unzipped_bytes=self.max_import_bytes,
        )

    def geometry_limits(self) -> GeometryLimits:
        return GeometryLimits(
            max_vertices_per_geometry=self.max_vertices_per_geometry,
            max_vertices_per_request=self.max_vertices_per_request,
            max_features_per_request=self.max_features_per_request,
        )

    @property
    def resolved_spool_dir(self) -> Path:
        return self.spool_dir if self.spool_dir is not None else default_spool_root()

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else self.home / ".data"

    @property
    def migrations_dir(self) -> Path:
        return self.home / "migrations"

    @property
    def sample_data_dir(self) -> Path:
        return self.home / "sample_data"

    @property
    def resolved_places_file(self) -> Path:
        return self.places_file or self.sample_data_dir / "towns.geojson"

    @property
    def resolved_frontend_dir(self) -> Path:
        return self.frontend_dir or self.home / "frontend" / "dist"

    @property
    def basemap_origin(self) -> str:
        """The scheme and host of the online basemap, for the Content-Security-Policy."""
        if self.basemap_url is None:
            return ""
        scheme, _, rest = self.basemap_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"
