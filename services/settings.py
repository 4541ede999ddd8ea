"""The one settings object: environment variables prefixed ``MENTORING_``; defaults run embedded."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"  # noqa: S105
MIN_JWT_SECRET_BYTES = 32
"""The shortest HS256 secret production accepts: as long as the hash (RFC 7518, 3.2)."""


class Environment(StrEnum):
    """Development runs on public defaults; production refuses them (``production_problems``)."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Secret(StrEnum):
    """A secret a process uses; in production it must come from configuration."""

    TOKENS = "tokens"
    """What checks bearer tokens: the HS256 secret, or (RS256) a public key or JWKS URL; and
    with OpenID Connect sign-in, the console's client secret."""
    PERSONAL_DATA = "personal data"
    """The key-encryption keys: every process that opens the event store uses them."""
    AUDIT_SIGNING = "audit signing"
    """The Ed25519 key of audit checkpoints."""


class ConfigurationError(Exception):
    """The configuration cannot run this process; the message is one line naming the variables."""


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
    postgres_connect_timeout: int = Field(
        default=3, ge=1, description="Seconds to connect, or to wait for a pooled connection"
    )
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
    projection_stall_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A Kafka partition with lag whose committed offset has not moved for this "
        "long is stalled: /readyz answers 503",
    )
    projection_on_poison: OnPoison = Field(
        default=OnPoison.STOP, description="stop, or dead-letter: skip the event into a table"
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="/metrics of relay and projector. Unset: each role's own port (relay 9811, "
        "projector 9812), or any free one when another process on the host has it; 0: any free one",
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
    statistics_release_interval: float = Field(
        default=86_400.0,
        ge=0,
        description="Seconds between releases of the public statistics (with the audit "
        "checkpoints); 0: on demand only",
    )
    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="development, or production: every secret a process uses must be configured",
    )
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
    jwt_secret: str = Field(
        default=DEVELOPMENT_SECRET,
        description="HS256 secret for tokens; production needs its own, of at least 32 bytes",
    )
    jwt_public_key: str | None = Field(
        default=None, description="RS256: PEM public key that verifies tokens"
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="RS256: JWKS URL of the identity provider (instead of a key)"
    )
    jwt_audience: str = Field(default="mentoring", description="Expected 'aud' claim")
    jwt_issuer: str = Field(default="mentoring", description="Expected 'iss' claim")
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    oidc_issuer: str | None = Field(
        default=None,
        description="Sign-in with OpenID Connect: the provider's issuer URL (its "
        ".well-known/openid-configuration is read from there). Unset: OIDC sign-in is off",
    )
    oidc_client_id: str = Field(
        default="mentoring-console", description="The console's client id at the provider"
    )
    oidc_client_secret: str | None = Field(
        default=None,
        description="The console's client secret (a confidential client; required in "
        "production). Unset in development: a public client, PKCE alone",
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="Scopes asked for at sign-in (space separated)"
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback as the browser reaches it, e.g. https://console.example.org"
        "/auth/callback (registered at the provider). Unset: derived from each request "
        "(required in production)",
    )
    oidc_role_claim: str = Field(
        default="role",
        description="The claim of a token that names the role (a dotted path for a nested "
        "claim, e.g. realm_access.roles; a list must hold exactly one known role)",
    )
    oidc_tenant_claim: str = Field(
        default="tenant", description="The claim of a token that names the PIN (its slug)"
    )
    relay_poll_interval: float = Field(default=0.05, gt=0, description="Seconds between polls")
    relay_batch_size: int = Field(
        default=2000,
        ge=1,
        description="Events per relay batch (one flush and one position write each; 500 gave "
        "0.56x a raw producer's rate, 2000 gave 0.71x: docs/benchmarks.md)",
    )
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
        "key_encryption_keys is derived from it (HKDF). Unset: a public development key "
        "(refused in production)",
    )

    def production_problems(self, *uses: Secret) -> list[str]:
        """Why a production process using ``uses`` may not start: one clause per variable.

        Empty outside production. In production no secret may come from a default, since the
        defaults are public (this file, ``services.privacy.key_encryption_keys``).
        """
        if self.environment != Environment.PRODUCTION:
            return []
        problems = []
        if Secret.TOKENS in uses:
            problems.extend(self._token_problems())
            problems.extend(self._oidc_problems())
        if Secret.PERSONAL_DATA in uses and not (
            _given(self.key_encryption_master_key) or _given(self.key_encryption_keys)
        ):
            problems.append(
                "MENTORING_KEY_ENCRYPTION_MASTER_KEY (or MENTORING_KEY_ENCRYPTION_KEYS) is not set"
            )
        if Secret.AUDIT_SIGNING in uses and not _given(self.audit_signing_key):
            problems.append("MENTORING_AUDIT_SIGNING_KEY is not set")
        return problems

    def _oidc_problems(self) -> list[str]:
        if not _given(self.oidc_issuer):
            return []
        problems = []
        if self.jwt_algorithm != "RS256":
            problems.append("MENTORING_OIDC_ISSUER needs MENTORING_JWT_ALGORITHM=RS256")
        if not _given(self.oidc_client_secret):
            problems.append("MENTORING_OIDC_CLIENT_SECRET is not set")
        if not _given(self.oidc_redirect_url):
            problems.append("MENTORING_OIDC_REDIRECT_URL is not set")
        for variable, url in (
            ("MENTORING_OIDC_ISSUER", self.oidc_issuer),
            ("MENTORING_OIDC_REDIRECT_URL", self.oidc_redirect_url),
        ):
            if _given(url) and not str(url).startswith("https://"):
                problems.append(f"{variable} is not an https:// URL")
        return problems

    def _token_problems(self) -> list[str]:
        if self.jwt_algorithm == "RS256":
            if _given(self.jwt_public_key) or _given(self.jwt_jwks_url):
                return []
            return ["MENTORING_JWT_PUBLIC_KEY or MENTORING_JWT_JWKS_URL is not set (RS256)"]
        if "jwt_secret" not in self.model_fields_set or not self.jwt_secret.strip():
            return ["MENTORING_JWT_SECRET is not set"]
        if self.jwt_secret == DEVELOPMENT_SECRET:
            return ["MENTORING_JWT_SECRET is the public development secret"]
        size = len(self.jwt_secret.encode())
        if size < MIN_JWT_SECRET_BYTES:
            least = MIN_JWT_SECRET_BYTES
            return [f"MENTORING_JWT_SECRET is too short ({size} bytes; at least {least})"]
        return []

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


def load_settings(*uses: Secret) -> Settings:
    """The settings from the environment, for a process that uses the secrets ``uses``.

    Every entry point starts here, before it does any work: a value the settings refuse, or in
    production a secret of ``uses`` that is missing or public, raises ``ConfigurationError``.
    """
    try:
        settings = Settings()
    except ValidationError as error:
        # Never the input: it may be a secret.
        reasons = "; ".join(f"{_variable(e['loc'])}: {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"Invalid configuration: {reasons}.") from None
    problems = settings.production_problems(*uses)
    if problems:
        raise ConfigurationError(f"Refusing to start in production: {'; '.join(problems)}.")
    return settings


def _variable(location: tuple[int | str, ...]) -> str:
    return "MENTORING_" + "_".join(map(str, location)).upper()


def _given(value: str | None) -> bool:
    return bool(value and value.strip())


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
