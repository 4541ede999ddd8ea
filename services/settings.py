"""The one settings object: environment variables prefixed ``MENTORING_``; defaults run embedded."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated
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


AtLeastOne = Annotated[int, Field(ge=1)]
"""A count or a size (or whole seconds): 1 or more."""
NonNegative = Annotated[int, Field(ge=0)]
"""0 or more (of connections, entries or seconds)."""
Seconds = Annotated[float, Field(gt=0)]
"""A duration: more than 0 seconds."""
SecondsOrZero = Annotated[float, Field(ge=0)]
"""A duration or an interval in seconds, where 0 means none (as the setting says)."""


class Settings(BaseSettings):
    # One field a variable; the docstring under a field is its description.
    model_config = SettingsConfigDict(
        env_prefix="MENTORING_", frozen=True, use_attribute_docstrings=True
    )

    database_url: str = "sqlite:///.mentoring/events.db"
    """Event store: sqlite:///PATH (embedded default) or postgresql://USER:PASSWORD@HOST:PORT/DB"""
    read_database_url: str | None = None
    """Read models. Default: readmodels.db next to a SQLite event store, or the event store's
    PostgreSQL database"""
    read_schema: str = "readmodels"
    """PostgreSQL schema of the read models"""
    postgres_pool_size: AtLeastOne = 5
    """Connections kept open per pool"""
    postgres_max_overflow: NonNegative = 10
    """Extra connections under load"""
    postgres_connect_timeout: AtLeastOne = 3
    """Seconds to connect, or to wait for a pooled connection"""
    postgres_lock_timeout: NonNegative = 5
    """Seconds to wait for a lock"""
    kafka_bootstrap_servers: str | None = None
    """host:port,... of Kafka; unset = the in-process bus"""
    kafka_topic: str = "mentoring.events.v1"
    """Topic of domain events"""
    kafka_topic_partitions: AtLeastOne = 6
    """Partitions when creating the topic"""
    kafka_replication_factor: AtLeastOne = 1
    """Replicas when creating the topic"""
    kafka_consumer_group: str = "mentoring-projections"
    """Projector group id"""
    projection_batch_size: AtLeastOne = 500
    """Most messages a projector applies per transaction"""
    projection_stall_seconds: Seconds = 30.0
    """A Kafka partition with lag whose committed offset has not moved for this long is stalled:
    /readyz answers 503"""
    projection_on_poison: OnPoison = OnPoison.STOP
    """stop, or dead-letter: skip the event into a table"""
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    """/metrics of relay and projector. Unset: each role's own port (relay 9811, projector 9812), or
    any free one when another process on the host has it; 0: any free one"""
    max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    """Largest request body the gateway accepts"""
    request_timeout: Seconds = 15.0
    """Seconds before a request stops"""
    max_query_cost: AtLeastOne = 20_000
    """Most items (fields x list sizes) a query may ask for"""
    persisted_queries_file: str | None = None
    """Allow-list mode: a JSON list of the only documents (or their SHA-256) to run"""
    result_cache_size: NonNegative = 2048
    """Query results kept until the read models change (0: off)"""
    statistics_threshold: AtLeastOne = 10
    """Counts below this are suppressed in cross-PIN statistics"""
    statistics_release_interval: SecondsOrZero = 86_400.0
    """Seconds between releases of the public statistics (with the audit checkpoints); 0: on demand
    only"""
    environment: Environment = Environment.DEVELOPMENT
    """development, or production: every secret a process uses must be configured"""
    read_role_password: str | None = None
    """Password of the read role, if the server asks for one"""
    read_role: str = "mentoring_gateway"
    """PostgreSQL role the gateway reads as (owns nothing; row-level security)"""
    jwt_algorithm: str = Field(default="HS256", pattern="^(HS256|RS256)$")
    """HS256 (local) or RS256"""
    jwt_secret: str = DEVELOPMENT_SECRET
    """HS256 secret for tokens; production needs its own, of at least 32 bytes"""
    jwt_public_key: str | None = None
    """RS256: PEM public key that verifies tokens"""
    jwt_jwks_url: str | None = None
    """RS256: JWKS URL of the identity provider (instead of a key)"""
    jwt_audience: str = "mentoring"
    """Expected 'aud' claim"""
    jwt_issuer: str = "mentoring"
    """Expected 'iss' claim"""
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    oidc_issuer: str | None = None
    """Sign-in with OpenID Connect: the provider's issuer URL (its .well-known/openid-configuration
    is read from there). Unset: OIDC sign-in is off"""
    oidc_client_id: str = "mentoring-console"
    """The console's client id at the provider"""
    oidc_client_secret: str | None = None
    """The console's client secret (a confidential client; required in production). Unset in
    development: a public client, PKCE alone"""
    oidc_scopes: str = "openid profile email"
    """Scopes asked for at sign-in (space separated)"""
    oidc_redirect_url: str | None = None
    """The callback as the browser reaches it, e.g. https://console.example.org/auth/callback
    (registered at the provider). Unset: derived from each request (required in production)"""
    oidc_role_claim: str = "role"
    """The claim of a token that names the role (a dotted path for a nested claim, e.g.
    realm_access.roles; a list must hold exactly one known role)"""
    oidc_tenant_claim: str = "tenant"
    """The claim of a token that names the PIN (its slug)"""
    relay_poll_interval: Seconds = 0.05
    """Seconds between polls"""
    relay_batch_size: AtLeastOne = 2000
    """Events per relay batch (one flush and one position write each; 500 gave 0.56x a raw
    producer's rate, 2000 gave 0.71x: docs/benchmarks.md)"""
    consistency_timeout: SecondsOrZero = 2.0
    """Longest wait of a query for consistentWith"""
    audit_signing_key: str | None = None
    """Ed25519 private key that signs audit checkpoints: base64 of the 32-byte key, PEM, or a file
    holding either. Unset: a development key kept in audit-signing-key.pem next to a SQLite store
    (refused in production)"""
    audit_origin: str = "mentoring.local/audit"
    """Names the audit log in its checkpoints"""
    audit_checkpoint_interval: SecondsOrZero = 300.0
    """Seconds between scheduled checkpoints; 0: on demand only"""
    key_encryption_keys: str | None = None
    """Key-encryption keys of PINs' personal data: a JSON object mapping a PIN's slug or id to
    base64 of a 32-byte key, or the path of a file holding it"""
    key_encryption_master_key: str | None = None
    """base64 of 32 bytes; the key-encryption key of a PIN not listed in key_encryption_keys is
    derived from it (HKDF). Unset: a public development key (refused in production)"""

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
