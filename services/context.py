"""Who is asking: the tenant, role and actor behind every command and query."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    NETWORK = "network"
    FUNDER = "funder"
    ADMIN = "admin"


@dataclass(frozen=True)
class TenantContext:
    """The caller of a use case: a PIN (tenant), a role in it, and a pseudonymous actor id."""

    tenant_id: UUID
    role: Role
    actor: str
    correlation_id: str = ""
