"""API keys: how a PIN gives its machine clients access, and takes it back."""

from __future__ import annotations

from dataclasses import field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.errors import InvalidValue, InvariantViolation
from domain.values import require_text

KEY_ROLES = ("coordinator",)
MAX_KEY_LIFETIME = timedelta(days=366)
"""The longest a key may be issued for, when it expires at all: a year (a leap year's too)
catches a mistyped year, and a key meant to last longer is one without an expiry, said so."""


class ApiKey(TenantAggregate, created_event_name="Issued"):
    """A key a PIN's coordinator issued. Only a hash of its secret is ever recorded."""

    id: UUID  # the key's id is part of the key the client holds
    name: str
    role: str
    secret_hash: str
    expires_at: datetime | None
    revoked: bool = field(default=False, init=False)

    @classmethod
    def issue(
        cls,
        key_id: UUID,
        tenant_id: UUID,
        name: str,
        role: str,
        secret_hash: str,
        expires_at: datetime | None,
        now: datetime,
    ) -> ApiKey:
        """A new key; ``expires_at`` None: it works until revoked."""
        if role not in KEY_ROLES:
            raise InvalidValue(f"An API key's role must be one of {', '.join(KEY_ROLES)}.")
        if len(secret_hash) != 64:
            raise InvalidValue("secret_hash must be a hex SHA-256 digest.")
        return cls(
            id=key_id,
            tenant_id=tenant_id,
            name=require_text("name", name, max_length=80),
            role=role,
            secret_hash=secret_hash,
            expires_at=None if expires_at is None else _expiry(expires_at, now),
        )

    def revoke(self) -> None:
        if self.revoked:
            raise InvariantViolation(f"The API key '{self.name}' is already revoked.")
        self._revoked()

    @event("Revoked")
    def _revoked(self) -> None:
        self.revoked = True


def _expiry(expires_at: datetime, now: datetime) -> datetime:
    """``expires_at`` in UTC, when it names its timezone and lies ahead, within a year."""
    if expires_at.utcoffset() is None:
        raise InvalidValue(
            "expiresAt must name its timezone (e.g. 2025-06-30T17:00:00Z or "
            "2025-06-30T13:00:00-04:00): a time without one means different instants "
            "to different readers."
        )
    latest = now + MAX_KEY_LIFETIME
    if expires_at > latest:
        raise InvalidValue(
            f"expiresAt must be at most {MAX_KEY_LIFETIME.days} days ahead (by "
            f"{latest:%Y-%m-%d %H:%M} UTC); leave it out for a key that lasts until revoked."
        )
    if expires_at <= now:
        raise InvalidValue(
            f"expiresAt must lie in the future, and "
            f"{expires_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC does not."
        )
    return expires_at.astimezone(UTC)
