"""Runtime configuration, read from ``BLUEWATCH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bluewatch.geo import GeometryLimits

PROJECT_HOME = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="BLUEWATCH_", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db; unset starts the local cluster",
    )
    home: Path = Field(default=PROJECT_HOME, description="checkout holding migrations/")
    data_dir: Path | None = Field(default=None, description="local cluster home; default .data/")
    local_db_port: int = Field(default=55432, ge=1024, le=65535)
    local_db_install_postgis: bool = True

    pool_size: int = Field(default=8, ge=1, le=200)
    pool_max_overflow: int = Field(default=8, ge=0, le=200)

    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_features_per_request: int = Field(default=10_000, ge=1)
    max_vertices_per_geometry: int = Field(default=20_000, ge=4)
    max_vertices_per_request: int = Field(default=200_000, ge=4)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="proxies trusted for X-Forwarded-* headers"
    )

    def geometry_limits(self) -> GeometryLimits:
        return GeometryLimits(
            max_vertices_per_geometry=self.max_vertices_per_geometry,
            max_vertices_per_request=self.max_vertices_per_request,
            max_features_per_request=self.max_features_per_request,
        )

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else self.home / ".data"

    @property
    def migrations_dir(self) -> Path:
        return self.home / "migrations"

    @property
    def sample_data_dir(self) -> Path:
        return self.home / "sample_data"
