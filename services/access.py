"""Issuing and revoking API keys: a PIN's coordinator manages their own machine access."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from domain.access import ApiKey
from services.context import Role, TenantContext
from services.errors import Forbidden
from services.store import MentoringStore
from services.use_cases import Changed, load, save, use_case

KEY_PREFIX = "mk_"


@dataclass(frozen=True)
class IssueApiKey:
    name: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RevokeApiKey:
    key_id: UUID


@dataclass(frozen=True)
class IssuedKey(Changed):
    """The issued key; ``secret`` is shown once and never stored."""

    secret: str


def secret_hash(secret: str) -> str:
    """The stored form of a key's secret (the secret is 256 random bits, so SHA-256 suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(presented: str) -> tuple[UUID, str] | None:
    """(key id, secret) of a presented ``mk_<id>_<secret>`` key, or None if malformed."""
    if not presented.startswith(KEY_PREFIX):
        return None
    ident, _, secret = presented.removeprefix(KEY_PREFIX).partition("_")
    try:
        return UUID(hex=ident), secret
    except ValueError:
        return None


def _require_coordinator(ctx: TenantContext) -> None:
    if ctx.role != Role.COORDINATOR or ctx.actor.startswith("apikey:"):
        raise Forbidden("Only a PIN's coordinator (signed in, not with a key) manages API keys.")


def _now() -> datetime:
    return datetime.now(UTC)


@use_case
def issue_api_key(
    store: MentoringStore,
    cmd: IssueApiKey,
    ctx: TenantContext,
    now: Callable[[], datetime] = _now,
) -> IssuedKey:
    _require_coordinator(ctx)
    key_id = uuid4()
    secret = secrets.token_urlsafe(32)
    key = ApiKey.issue(
        key_id,
        ctx.tenant_id,
        cmd.name,
        Role.COORDINATOR,
        secret_hash(secret),
        cmd.expires_at,
        now(),
    )
    position = save(store, key)
    return IssuedKey(key_id, position, secret=f"{KEY_PREFIX}{key_id.hex}_{secret}")


@use_case
def revoke_api_key(store: MentoringStore, cmd: RevokeApiKey, ctx: TenantContext) -> Changed:
    _require_coordinator(ctx)
    key = load(store, ApiKey, cmd.key_id, ctx)
    key.revoke()
    return Changed(key.id, save(store, key))
