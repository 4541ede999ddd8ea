"""The one settings object: environment variables prefixed ``MENTORING_``; defaults run embedded."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"  # noqa: S105


class OnPoison(StrEnum):
    """What a projection does with an event it cannot apply."""

    STOP = "stop"
    DEAD_LETTER = "dead-letter"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MENTORING_", frozen=True)

    database_url: str = Field(
        default="sqlite:///.mentoring/events.db",
        description="Event store: sqlite:///PATH (embedded default) or postgresql://USER:PASSWORD@HOST:PORT/DB",
    )
    read_database_url: str | None = Field(
        default=None,
        description="Read models. Default: readmodels.db next to a SQLite event store, "
        "or the event store's PostgreSQL database",
    )
    read_schema: str = Field(
        default="readmodels", description="PostgreSQL schema of the read models"
    )
    postgres_pool_size: int = Field(default=5, ge=1, description="Connections kept open per pool")
    postgres_max_overflow: int = Field(default=10, ge=0, description="Extra connections under load")
    postgres_connect_timeout: int = Field(default=10, ge=1, description="Seconds to connect")
    postgres_lock_timeout: int = Field(default=5, ge=0, description="Seconds to wait for a lock")
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="host:port,... of Kafka; unset = the in-process bus"
    )
    kafka_topic: str = Field(default="mentoring.events.v1", description="Topic of domain events")
    kafka_topic_partitions: int = Field(
        default=6, ge=1, description="Partitions when creating the topic"
    )
    kafka_replication_factor: int = Field(
        default=1, ge=1, description="Replicas when creating the topic"
    )
    kafka_consumer_group: str = Field(
        default="mentoring-projections", description="Projector group id"
    )
    projection_batch_size: int = Field(
        default=500, ge=1, description="Most messages a projector applies per transaction"
    )
    projection_on_poison: OnPoison = Field(
        default=OnPoison.STOP, description="stop, or dead-letter: skip the event into a table"
    )
    metrics_port: int = Field(
        default=9100, ge=1, le=65535, description="/metrics of relay and projector"
    )
    max_request_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request body the gateway accepts"
    )
    request_timeout: float = Field(default=15.0, gt=0, description="Seconds before a request stops")
    max_query_cost: int = Field(
        default=20_000, ge=1, description="Most items (fields x list sizes) a query may ask for"
    )
    persisted_queries_file: str | None = Field(
        default=None,
        description="Allow-list mode: a JSON list of the only documents (or their SHA-256) to run",
    )
    result_cache_size: int = Field(
        default=2048, ge=0, description="Query results kept until the read models change (0: off)"
    )
    statistics_threshold: int = Field(
        default=10, ge=1, description="Counts below this are suppressed in cross-PIN statistics"
    )
    environment: str = Field(default="development", description="development or production")
    read_role_password: str | None = Field(
        default=None, description="Password of the read role, if the server asks for one"
    )
    read_role: str = Field(
        default="mentoring_gateway",
        description="PostgreSQL role the gateway reads as (owns nothing; row-level security)",
    )
    jwt_algorithm: str = Field(
        default="HS256", pattern="^(HS256|RS256)$", description="HS256 (local) or RS256"
    )
    jwt_secret: str = Field(default=DEVELOPMENT_SECRET, description="HS256 secret for tokens")
    jwt_public_key: str | None = Field(
        default=None, description="RS256: PEM public key that verifies tokens"
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="RS256: JWKS URL of the identity provider (instead of a key)"
    )
    jwt_audience: str = Field(default="mentoring", description="Expected 'aud' claim")
    jwt_issuer: str = Field(default="mentoring", description="Expected 'iss' claim")
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    relay_poll_interval: float = Field(default=0.05, gt=0, description="Seconds between polls")
    relay_batch_size: int = Field(default=500, ge=1)
    consistency_timeout: float = Field(
        default=2.0, ge=0, description="Longest wait of a query for consistentWith"
    )
    audit_signing_key: str | None = Field(
        default=None,
        description="Ed25519 private key that signs audit checkpoints: base64 of the 32-byte "
        "key, PEM, or a file holding either. Unset: a development key kept in "
        "audit-signing-key.pem next to a SQLite store (refused in production)",
    )
    audit_origin: str = Field(
        default="mentoring.local/audit", description="Names the audit log in its checkpoints"
    )
    audit_checkpoint_interval: float = Field(
        default=300.0, ge=0, description="Seconds between scheduled checkpoints; 0: on demand only"
    )
    key_encryption_keys: str | None = Field(
        default=None,
        description="Key-encryption keys of PINs' personal data: a JSON object mapping a PIN's "
        "slug or id to base64 of a 32-byte key, or the path of a file holding it",
    )
    key_encryption_master_key: str | None = Field(
        default=None,
        description="base64 of 32 bytes; the key-encryption key of a PIN not listed in "
        "key_encryption_keys is derived from it (HKDF). Unset: a public development key",
    )

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @cached_property
    def event_store_path(self) -> Path:
        if not self.database_url.startswith("sqlite:///"):
            raise ValueError(
                "MENTORING_DATABASE_URL must be sqlite:///PATH or postgresql://...; got "
                f"{self.database_url.split(':')[0]!r}."
            )
        return Path(self.database_url.removeprefix("sqlite:///"))

    @cached_property
    def read_models_url(self) -> str:
        """Where the read models live (resolved default)."""
        if self.read_database_url:
            return self.read_database_url
        if self.uses_postgres:
            return self.database_url
        return f"sqlite:///{self.event_store_path.with_name('readmodels.db')}"


def postgres_env(url: str) -> dict[str, str]:
    """eventsourcing's POSTGRES_* settings for a postgresql:// URL."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError("A PostgreSQL URL needs a host and a database: postgresql://HOST/DB.")
    return {
        "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
    }
