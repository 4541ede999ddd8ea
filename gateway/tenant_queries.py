"""A PIN's isolated view: every query returns the caller's tenant data only."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.values import CohortState
from gateway.resolvers import consistent, found
from gateway.types import (
    Cohort,
    Connection,
    Ctx,
    Group,
    Mentee,
    Mentor,
    Pin,
    SharedActivity,
    check_first,
    check_name_contains,
    decode_cursor,
    parse_id,
    to_connection,
)
from projections import queries as q
from services.context import Role

NameContains = Annotated[
    str | None,
    strawberry.argument(
        description="Only people whose name contains this text, ignoring case "
        "(at most 100 characters)."
    ),
]


@strawberry.type
class Viewer:
    role: str
    actor: str
    tenant_id: strawberry.ID


@strawberry.type
class TenantQuery:
    @strawberry.field(description="Who the token says you are.")
    def me(self, info: Ctx) -> Viewer:
        caller = info.context.principal()
        return Viewer(
            role=str(caller.role),
            actor=caller.actor,
            tenant_id=strawberry.ID(str(caller.tenant_id)),
        )

    @strawberry.field(description="Your PIN.")
    async def pin(self, info: Ctx) -> Pin:
        caller = info.context.reader(Role.COORDINATOR, Role.MENTOR)
        row = found(await info.context.read(q.pin, str(caller.tenant_id)), "PIN", caller.tenant_id)
        return Pin.of(row)

    @strawberry.field
    async def cohorts(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        state: CohortState | None = None,
        consistent_with: int | None = None,
    ) -> Connection[Cohort]:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        page = await info.context.read(
            q.cohorts,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            state=state.value if state else None,
        )
        return to_connection(page, Cohort.of)

    @strawberry.field
    async def cohort(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Cohort:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        return Cohort.of(
            found(
                await info.context.read(q.cohort, str(caller.tenant_id), str(ident)), "cohort", id
            )
        )

    @strawberry.field
    async def groups(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        cohort_id: strawberry.ID | None = None,
        consistent_with: int | None = None,
    ) -> Connection[Group]:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        page = await info.context.read(
            q.groups,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            cohort_id=str(parse_id(cohort_id, "cohortId")) if cohort_id is not None else None,
            mentor_id=info.context.mentor_scope,
        )
        return to_connection(page, Group.of)

    @strawberry.field
    async def group(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Group:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        row = await info.context.read(q.group, str(caller.tenant_id), str(ident))
        scope = info.context.mentor_scope
        return Group.of(
            found(row if scope is None or (row and row.mentor_id == scope) else None, "group", id)
        )

    @strawberry.field
    async def mentors(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        name_contains: NameContains = None,
        consistent_with: int | None = None,
    ) -> Connection[Mentor]:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        page = await info.context.read(
            q.mentors,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            profession=profession,
            language=language,
            only=info.context.mentor_scope,
            name_contains=check_name_contains(name_contains),
        )
        return to_connection(page, Mentor.of)

    @strawberry.field
    async def mentor(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Mentor:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        scope = info.context.mentor_scope
        row = await info.context.read(q.mentor, str(caller.tenant_id), str(ident))
        return Mentor.of(found(row if scope is None or str(ident) == scope else None, "mentor", id))

    @strawberry.field
    async def mentees(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        cohort_id: strawberry.ID | None = None,
        name_contains: NameContains = None,
        consistent_with: int | None = None,
    ) -> Connection[Mentee]:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        page = await info.context.read(
            q.mentees,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            profession=profession,
            language=language,
            cohort_id=str(parse_id(cohort_id, "cohortId")) if cohort_id is not None else None,
            mentored_by=info.context.mentor_scope,
            name_contains=check_name_contains(name_contains),
        )
        return to_connection(page, Mentee.of)

    @strawberry.field
    async def mentee(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Mentee:
        await consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        row = await info.context.read(
            q.mentee, str(caller.tenant_id), str(ident), info.context.mentor_scope
        )
        return Mentee.of(found(row, "mentee", id))

    @strawberry.field(description="Shared activities of every PIN; open to members of all PINs.")
    async def shared_activities(
        self, info: Ctx, consistent_with: int | None = None
    ) -> list[SharedActivity]:
        await consistent(info, consistent_with)
        info.context.reader(*Role)
        return [SharedActivity.of(r) for r in await info.context.read(q.shared_activities)]

    @strawberry.field
    async def shared_activity(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> SharedActivity:
        await consistent(info, consistent_with)
        info.context.reader(*Role)
        ident = parse_id(id, "id")
        return SharedActivity.of(
            found(await info.context.read(q.shared_activity, str(ident)), "shared activity", id)
        )
