"""Live updates: a PIN's activity, as the projections apply it (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from gateway.types import Ctx
from projections import queries as q
from services.context import Role

POLL_SECONDS = 0.2


@strawberry.type
class Activity:
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
                yield Activity(
                    position=row.position,
                    event_type=row.event_type,
                    record_id=strawberry.ID(row.aggregate_id),
                    occurred_at=datetime.fromisoformat(row.occurred_at),
                )
            if not rows:
                await asyncio.sleep(POLL_SECONDS)
