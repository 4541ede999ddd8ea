"""The one settings object: environment variables prefixed ``MENTORING_``; defaults run embedded."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MENTORING_", frozen=True)

    database_url: str = Field(
        default="sqlite:///.mentoring/events.db",
        description="Event store. sqlite:///PATH (embedded default) or postgresql://...",
    )
    read_database_url: str | None = Field(
        default=None,
        description="Read models. Default: readmodels.db next to the SQLite event store.",
    )
    environment: str = Field(default="development", description="development or production")
    jwt_secret: str = Field(default=DEVELOPMENT_SECRET, description="HS256 secret for tokens")
    jwt_audience: str = Field(default="mentoring", description="Expected 'aud' claim")
    jwt_issuer: str = Field(default="mentoring", description="Expected 'iss' claim")
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    relay_poll_interval: float = Field(default=0.05, gt=0, description="Seconds between polls")
    relay_batch_size: int = Field(default=500, ge=1)
    consistency_timeout: float = Field(
        default=2.0, ge=0, description="Longest wait of a query for consistentWith"
    )

    @cached_property
    def event_store_path(self) -> Path:
        if not self.database_url.startswith("sqlite:///"):
            raise ValueError(
                f"Unsupported MENTORING_DATABASE_URL {self.database_url.split(':')[0]!r}: "
                "this build supports sqlite:///PATH."
            )
        return Path(self.database_url.removeprefix("sqlite:///"))

    @cached_property
    def read_model_path(self) -> Path:
        if self.read_database_url is None:
            return self.event_store_path.with_name("readmodels.db")
        if not self.read_database_url.startswith("sqlite:///"):
            raise ValueError("MENTORING_READ_DATABASE_URL must be sqlite:///PATH in this build.")
        return Path(self.read_database_url.removeprefix("sqlite:///"))
