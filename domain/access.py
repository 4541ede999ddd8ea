"""API keys: how a PIN gives its machine clients access, and takes it back."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.errors import InvalidValue, InvariantViolation
from domain.values import require_text

KEY_ROLES = ("coordinator",)


class ApiKey(TenantAggregate):
    """A key a PIN's coordinator issued. Only a hash of its secret is ever recorded."""

    @classmethod
    def issue(
        cls,
        key_id: UUID,
        tenant_id: UUID,
        name: str,
        role: str,
        secret_hash: str,
        expires_at: datetime | None,
    ) -> ApiKey:
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
            expires_at=expires_at,
        )

    @event("Issued")
    def __init__(
        self,
        id: UUID,
        tenant_id: UUID,
        name: str,
        role: str,
        secret_hash: str,
        expires_at: datetime | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.role = role
        self.secret_hash = secret_hash
        self.expires_at = expires_at
        self.revoked = False

    def revoke(self) -> None:
        if self.revoked:
            raise InvariantViolation(f"The API key '{self.name}' is already revoked.")
        self._revoked()

    @event("Revoked")
    def _revoked(self) -> None:
        self.revoked = True
