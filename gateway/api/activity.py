"""Live updates: a PIN's activity, as the projections apply it (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from gateway.conversion import FromRow
from gateway.types import Ctx
from projections import queries as q
from services.context import Role

POLL_SECONDS = 0.2


@strawberry.type
class Activity(FromRow, renamed={"record_id": "aggregate_id"}):
    position: int = strawberry.field(description="Store position of the event.")
    event_type: str
    record_id: strawberry.ID = strawberry.field(description="The record the event changed.")
    occurred_at: datetime


@strawberry.type
class ActivitySubscription:
    @strawberry.subscription(
        description="Your PIN's activity as it reaches the read models (coordinators). "
        "Pass `after` (a position) to resume; without it, only what happens from now on."
    )
    async def activity(self, info: Ctx, after: int | None = None) -> AsyncGenerator[Activity, None]:
        caller = info.context.reader(Role.COORDINATOR)
        tenant = str(caller.tenant_id)
        last = after if after is not None else await info.context.read(q.last_activity, tenant)
        while True:
            rows = await info.context.read(q.activity_after, tenant, last)
            for row in rows:
                last = row.position
                yield Activity.of(row)
            if not rows:
                await asyncio.sleep(POLL_SECONDS)
