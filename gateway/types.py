"""GraphQL object types of a PIN's view. Resolvers are thin: they call read-model queries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Generic, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind, ParticipantKind
from gateway.context import RequestContext
from gateway.conversion import FromRow
from gateway.errors import BadInputError
from projections import queries as q
from services.context import Role

# The domain's vocabularies are the schema's enums.
for _vocabulary in (CohortState, OutcomeKind, EnglishLevel, LicenceStatus, ParticipantKind):
    strawberry.enum(_vocabulary)

Ctx = Info[RequestContext, None]
N = TypeVar("N")


def parse_id(value: strawberry.ID | str, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise BadInputError(f"{what} is not a valid id.") from None


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "seq":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInputError("after is not a cursor returned by this API.") from None


def optional_id(value: strawberry.ID | None, what: str) -> str | None:
    """An optional id argument, checked: its text, or None."""
    return str(parse_id(value, what)) if value is not None else None


def check_first(first: int) -> int:
    if not 0 <= first <= q.MAX_PAGE:
        raise BadInputError(f"first must be between 0 and {q.MAX_PAGE}.")
    return first


MAX_NAME_SEARCH = 100


def check_name_contains(text: str | None) -> str | None:
    """A name search (``nameContains``): stripped, None when empty, BAD_INPUT when too long."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_NAME_SEARCH:
        raise BadInputError(f"nameContains may hold at most {MAX_NAME_SEARCH} characters.")
    return text.strip()


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    total_count: int
    edges: list[Edge[N]]
    page_info: PageInfo


def to_connection(page: q.Page[q.T], convert: Callable[[q.T], N]) -> Connection[N]:
    edges = [Edge(cursor=encode_cursor(seq), node=convert(row)) for seq, row in page.items]
    return Connection(
        total_count=page.total,
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


@strawberry.type
class Training(FromRow, row=q.TrainingRow):
    name: strawberry.auto
    completed_on: strawberry.auto


@strawberry.type
class Outcome(FromRow, row=q.OutcomeRow):
    id: strawberry.ID
    kind: strawberry.auto
    occurred_on: strawberry.auto
    evidence: strawberry.auto
    cohort_id: strawberry.ID | None


async def _trainings(root: Mentee | Mentor, info: Ctx) -> list[Training]:
    return await Training.load_all(info.context.loaders.trainings, str(root.id))


@strawberry.type
class Mentee(FromRow, row=q.MenteeRow):
    id: strawberry.ID
    name: strawberry.auto
    email: strawberry.auto
    profession: strawberry.auto
    origin: strawberry.auto
    languages: strawberry.auto
    english_level: strawberry.auto
    goals: strawberry.auto
    enrolled_on: strawberry.auto
    trainings: list[Training] = strawberry.field(resolver=_trainings)

    @strawberry.field
    async def outcomes(self, info: Ctx) -> list[Outcome]:
        return await Outcome.load_all(info.context.loaders.outcomes, str(self.id))

    @strawberry.field
    async def groups(self, info: Ctx) -> list[Group]:
        return await Group.load_all(info.context.loaders.groups_of_mentee, str(self.id))


@strawberry.type
class Mentor(FromRow, row=q.MentorRow):
    id: strawberry.ID
    name: strawberry.auto
    email: strawberry.auto
    profession: strawberry.auto
    languages: strawberry.auto
    cultural_background: strawberry.auto
    licence_status: strawberry.auto
    capacity: strawberry.auto
    trainings: list[Training] = strawberry.field(resolver=_trainings)


@strawberry.type
class Attendance(FromRow, row=q.AttendanceRow):
    mentee_id: strawberry.ID
    present: strawberry.auto


@strawberry.type
class Session(FromRow, row=q.SessionRow):
    number: strawberry.auto
    scheduled_on: strawberry.auto
    agenda: strawberry.auto
    held: strawberry.auto
    group_id: strawberry.Private[str]

    @strawberry.field
    async def attendance(self, info: Ctx) -> list[Attendance]:
        key = (self.group_id, self.number)
        return await Attendance.load_all(info.context.loaders.attendance, key)


@strawberry.type
class Group(FromRow, row=q.GroupRow):
    id: strawberry.ID
    name: strawberry.auto
    mentee_count: int  # written out, as min_size: under_minimum_size reads them
    sessions_held: strawberry.auto
    planned_sessions: strawberry.auto
    min_size: int
    max_size: strawberry.auto
    cohort_id: strawberry.ID
    mentor_id: strawberry.Private[str]

    @strawberry.field(description="Allowed, but flagged: fewer mentees than the cohort's minimum.")
    def under_minimum_size(self) -> bool:
        return self.mentee_count < self.min_size

    @strawberry.field
    async def mentor(self, info: Ctx) -> Mentor | None:
        return await Mentor.load_one(info.context.loaders.mentor, self.mentor_id)

    @strawberry.field
    async def cohort(self, info: Ctx) -> Cohort | None:
        return await Cohort.load_one(info.context.loaders.cohort, str(self.cohort_id))

    @strawberry.field
    async def mentees(self, info: Ctx) -> list[Mentee]:
        return await Mentee.load_all(info.context.loaders.members, str(self.id))

    @strawberry.field
    async def sessions(self, info: Ctx) -> list[Session]:
        return await Session.load_all(info.context.loaders.sessions, str(self.id))


@strawberry.type
class Cohort(FromRow, row=q.CohortRow):
    id: strawberry.ID
    name: strawberry.auto
    starts_on: strawberry.auto
    ends_on: strawberry.auto
    planned_sessions: strawberry.auto
    min_group_size: strawberry.auto
    max_group_size: strawberry.auto
    state: strawberry.auto
    group_count: strawberry.auto
    mentee_count: strawberry.auto


@strawberry.type
class Pin(FromRow, row=q.PinRow):
    slug: strawberry.auto
    name: strawberry.auto
    communities: strawberry.auto
    professions: strawberry.auto


@strawberry.type
class Registration(FromRow, row=q.RegistrationRow):
    kind: strawberry.auto
    own_member: bool = strawberry.field(description="True for members of the caller's PIN.")
    person_id: strawberry.ID | None = strawberry.field(
        description="Only for members of the caller's own PIN."
    )
    name: str | None = strawberry.field(description="Only for members of the caller's own PIN.")


async def _visible_registrations(root: SharedActivity, info: Ctx) -> int:
    # Counted from the list the caller may see: a count that included people hidden from
    # other PINs (sharing consent withdrawn) would reveal that they are there.
    return len(await info.context.loaders.registrations.load(str(root.id)))


@strawberry.type
class SharedActivity(FromRow, row=q.ActivityRow):
    id: strawberry.ID
    title: strawberry.auto
    held_on: strawberry.auto
    description: strawberry.auto
    capacity: strawberry.auto
    registration_count: int = strawberry.field(resolver=_visible_registrations)
    host_name: strawberry.auto

    @strawberry.field
    async def registrations(self, info: Ctx) -> list[Registration]:
        rows = await info.context.loaders.registrations.load(str(self.id))
        tenant = info.context.tenant
        # Names are for the PIN's coordinators; a mentor sees who is registered, not their names.
        named = info.context.principal().role == Role.COORDINATOR
        return [
            Registration.of(
                r,
                own_member=r.person_tenant_id == tenant,
                person_id=strawberry.ID(r.person_id) if named and r.person_id else None,
                name=r.name if named else None,
            )
            for r in rows
        ]
