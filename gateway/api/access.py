"""GraphQL for access: a PIN's coordinator issues and revokes API keys; anyone lists PINs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.conversion import FromRow
from gateway.permissions import Coordinators, SignedIn
from gateway.resolvers import found, run_use_case
from gateway.types import Ctx, Pin, parse_id
from projections import queries as q
from services import access


@strawberry.type
class ApiKey(FromRow):
    id: strawberry.ID
    name: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


@strawberry.type
class IssuedApiKey:
    api_key: ApiKey
    secret: str = strawberry.field(
        description="The key to send as 'Authorization: Bearer <secret>'. Shown only now."
    )
    position: int


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey
    position: int


@strawberry.type
class AccessQuery:
    @strawberry.field(
        description="Your PIN's API keys (coordinator).", permission_classes=[Coordinators]
    )
    async def api_keys(self, info: Ctx) -> list[ApiKey]:
        return [ApiKey.of(r) for r in await info.context.read(q.api_keys, info.context.tenant)]

    @strawberry.field(
        description="Every PIN on the platform (names are public).", permission_classes=[SignedIn]
    )
    async def pins(self, info: Ctx) -> list[Pin]:
        return [Pin.of(r) for r in await info.context.read(q.pins)]


async def _own_key(info: Ctx, key_id: object) -> ApiKey:
    row = await info.context.read(q.api_key, str(key_id))
    if row is None or row.tenant_id != info.context.tenant:
        row = None
    return ApiKey.of(found(row, "API key", key_id))


@strawberry.type
class AccessMutation:
    @strawberry.mutation(description="Issue an API key for a machine client of your PIN.")
    async def create_api_key(
        self, info: Ctx, name: str, expires_at: datetime | None = None
    ) -> IssuedApiKey:
        _, issued = await run_use_case(
            info, access.issue_api_key, access.IssueApiKey(name=name, expires_at=expires_at)
        )
        assert isinstance(issued, access.IssuedKey)
        return IssuedApiKey(
            api_key=await _own_key(info, issued.id), secret=issued.secret, position=issued.position
        )

    @strawberry.mutation(description="Revoke one of your PIN's API keys; it stops working at once.")
    async def revoke_api_key(self, info: Ctx, id: strawberry.ID) -> ApiKeyPayload:
        command = access.RevokeApiKey(parse_id(id, "id"))
        _, changed = await run_use_case(info, access.revoke_api_key, command)
        return ApiKeyPayload(api_key=await _own_key(info, changed.id), position=changed.position)
