"""A PIN's isolated view: every query returns the caller's tenant data only."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.values import CohortState
from gateway.extensions import ConsistentWith
from gateway.permissions import PersonalData, SignedIn
from gateway.resolvers import found, read_own, read_page
from gateway.types import (
    Cohort,
    Connection,
    Ctx,
    Group,
    Mentee,
    Mentor,
    Pin,
    SharedActivity,
    check_name_contains,
    optional_id,
    parse_id,
)
from projections import queries as q

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


def _people(
    profession: str | None, language: str | None, name_contains: str | None
) -> dict[str, str | None]:
    """The filters of mentors and mentees."""
    text = check_name_contains(name_contains)
    return {"profession": profession, "language": language, "name_contains": text}


def _led(row: q.GroupRow | None, scope: str | None) -> q.GroupRow | None:
    """The group, if the caller may see it: a mentor sees the groups they lead."""
    return row if scope is None or (row and row.mentor_id == scope) else None


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

    @strawberry.field(description="Your PIN.", permission_classes=[PersonalData])
    async def pin(self, info: Ctx) -> Pin:
        tenant = info.context.tenant
        return Pin.of(found(await info.context.read(q.pin, tenant), "PIN", tenant))

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def cohorts(
        self, info: Ctx, first: int = 20, after: str | None = None, state: CohortState | None = None
    ) -> Connection[Cohort]:
        state_value = state.value if state else None
        return await read_page(info, q.cohorts, Cohort.of, first, after, state=state_value)

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def cohort(self, info: Ctx, id: strawberry.ID) -> Cohort:
        return Cohort.of(await read_own(info, q.cohort, "cohort", id))

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def groups(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        cohort_id: strawberry.ID | None = None,
    ) -> Connection[Group]:
        cohort = optional_id(cohort_id, "cohortId")
        scope = info.context.mentor_scope
        return await read_page(
            info, q.groups, Group.of, first, after, cohort_id=cohort, mentor_id=scope
        )

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def group(self, info: Ctx, id: strawberry.ID) -> Group:
        row = await info.context.read(q.group, info.context.tenant, str(parse_id(id, "id")))
        return Group.of(found(_led(row, info.context.mentor_scope), "group", id))

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def mentors(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        name_contains: NameContains = None,
    ) -> Connection[Mentor]:
        scope, filters = info.context.mentor_scope, _people(profession, language, name_contains)
        return await read_page(info, q.mentors, Mentor.of, first, after, only=scope, **filters)

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def mentor(self, info: Ctx, id: strawberry.ID) -> Mentor:
        ident, scope = str(parse_id(id, "id")), info.context.mentor_scope
        row = await info.context.read(q.mentor, info.context.tenant, ident)
        return Mentor.of(found(row if scope in (None, ident) else None, "mentor", id))

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def mentees(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        cohort_id: strawberry.ID | None = None,
        name_contains: NameContains = None,
    ) -> Connection[Mentee]:
        filters = _people(profession, language, name_contains)
        filters.update(cohort_id=optional_id(cohort_id, "cohortId"))
        scope = info.context.mentor_scope
        return await read_page(
            info, q.mentees, Mentee.of, first, after, mentored_by=scope, **filters
        )

    @strawberry.field(permission_classes=[PersonalData], extensions=[ConsistentWith()])
    async def mentee(self, info: Ctx, id: strawberry.ID) -> Mentee:
        scope = info.context.mentor_scope
        return Mentee.of(await read_own(info, q.mentee, "mentee", id, scope))

    @strawberry.field(
        description="Shared activities of every PIN; open to members of all PINs.",
        permission_classes=[SignedIn],
        extensions=[ConsistentWith()],
    )
    async def shared_activities(self, info: Ctx) -> list[SharedActivity]:
        return [SharedActivity.of(r) for r in await info.context.read(q.shared_activities)]

    @strawberry.field(permission_classes=[SignedIn], extensions=[ConsistentWith()])
    async def shared_activity(self, info: Ctx, id: strawberry.ID) -> SharedActivity:
        row = await info.context.read(q.shared_activity, str(parse_id(id, "id")))
        return SharedActivity.of(found(row, "shared activity", id))
