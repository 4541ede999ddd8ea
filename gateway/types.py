"""GraphQL object types of a PIN's view. Resolvers are thin: they call read-model queries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import Generic, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind, ParticipantKind
from gateway.context import RequestContext
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
class Training:
    name: str
    completed_on: date


@strawberry.type
class Outcome:
    id: strawberry.ID
    kind: OutcomeKind
    occurred_on: date
    evidence: str
    cohort_id: strawberry.ID | None

    @classmethod
    def of(cls, row: q.OutcomeRow) -> Outcome:
        return cls(
            id=strawberry.ID(row.id),
            kind=OutcomeKind(row.kind),
            occurred_on=date.fromisoformat(row.occurred_on),
            evidence=row.evidence,
            cohort_id=strawberry.ID(row.cohort_id) if row.cohort_id else None,
        )


@strawberry.type
class Mentee:
    id: strawberry.ID
    name: str
    email: str | None
    profession: str
    origin: str
    languages: list[str]
    english_level: EnglishLevel
    goals: str | None
    enrolled_on: date

    @classmethod
    def of(cls, row: q.MenteeRow) -> Mentee:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            email=row.email,
            profession=row.profession,
            origin=row.origin,
            languages=row.languages,
            english_level=EnglishLevel(row.english_level),
            goals=row.goals,
            enrolled_on=date.fromisoformat(row.enrolled_on),
        )

    @strawberry.field
    async def trainings(self, info: Ctx) -> list[Training]:
        rows = await info.context.loaders.trainings.load(str(self.id))
        return [
            Training(name=r.name, completed_on=date.fromisoformat(r.completed_on)) for r in rows
        ]

    @strawberry.field
    async def outcomes(self, info: Ctx) -> list[Outcome]:
        rows = await info.context.loaders.outcomes.load(str(self.id))
        return [Outcome.of(r) for r in rows]

    @strawberry.field
    async def groups(self, info: Ctx) -> list[Group]:
        rows = await info.context.loaders.groups_of_mentee.load(str(self.id))
        return [Group.of(r) for r in rows]


@strawberry.type
class Mentor:
    id: strawberry.ID
    name: str
    email: str | None
    profession: str
    languages: list[str]
    cultural_background: str
    licence_status: LicenceStatus
    capacity: int

    @classmethod
    def of(cls, row: q.MentorRow) -> Mentor:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            email=row.email,
            profession=row.profession,
            languages=row.languages,
            cultural_background=row.cultural_background,
            licence_status=LicenceStatus(row.licence_status),
            capacity=row.capacity,
        )

    @strawberry.field
    async def trainings(self, info: Ctx) -> list[Training]:
        rows = await info.context.loaders.trainings.load(str(self.id))
        return [
            Training(name=r.name, completed_on=date.fromisoformat(r.completed_on)) for r in rows
        ]


@strawberry.type
class Attendance:
    mentee_id: strawberry.ID
    present: bool


@strawberry.type
class Session:
    number: int
    scheduled_on: date
    agenda: str
    held: bool
    group_id: strawberry.Private[str]

    @strawberry.field
    async def attendance(self, info: Ctx) -> list[Attendance]:
        rows = await info.context.loaders.attendance.load((self.group_id, self.number))
        return [Attendance(mentee_id=strawberry.ID(r.mentee_id), present=r.present) for r in rows]


@strawberry.type
class Group:
    id: strawberry.ID
    name: str
    mentee_count: int
    sessions_held: int
    planned_sessions: int
    min_size: int
    max_size: int
    cohort_id: strawberry.ID
    mentor_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: q.GroupRow) -> Group:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            mentee_count=row.mentee_count,
            sessions_held=row.sessions_held,
            planned_sessions=row.planned_sessions,
            min_size=row.min_size,
            max_size=row.max_size,
            cohort_id=strawberry.ID(row.cohort_id),
            mentor_id=row.mentor_id,
        )

    @strawberry.field(description="Allowed, but flagged: fewer mentees than the cohort's minimum.")
    def under_minimum_size(self) -> bool:
        return self.mentee_count < self.min_size

    @strawberry.field
    async def mentor(self, info: Ctx) -> Mentor | None:
        row = await info.context.loaders.mentor.load(self.mentor_id)
        return Mentor.of(row) if row else None

    @strawberry.field
    async def cohort(self, info: Ctx) -> Cohort | None:
        row = await info.context.loaders.cohort.load(str(self.cohort_id))
        return Cohort.of(row) if row else None

    @strawberry.field
    async def mentees(self, info: Ctx) -> list[Mentee]:
        rows = await info.context.loaders.members.load(str(self.id))
        return [Mentee.of(r) for r in rows]

    @strawberry.field
    async def sessions(self, info: Ctx) -> list[Session]:
        rows = await info.context.loaders.sessions.load(str(self.id))
        return [
            Session(
                number=r.number,
                scheduled_on=date.fromisoformat(r.scheduled_on),
                agenda=r.agenda,
                held=r.held,
                group_id=r.group_id,
            )
            for r in rows
        ]


@strawberry.type
class Cohort:
    id: strawberry.ID
    name: str
    starts_on: date
    ends_on: date
    planned_sessions: int
    min_group_size: int
    max_group_size: int
    state: CohortState
    group_count: int
    mentee_count: int

    @classmethod
    def of(cls, row: q.CohortRow) -> Cohort:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            starts_on=date.fromisoformat(row.starts_on),
            ends_on=date.fromisoformat(row.ends_on),
            planned_sessions=row.planned_sessions,
            min_group_size=row.min_group_size,
            max_group_size=row.max_group_size,
            state=CohortState(row.state),
            group_count=row.group_count,
            mentee_count=row.mentee_count,
        )


@strawberry.type
class Pin:
    slug: str
    name: str
    communities: list[str]
    professions: list[str]

    @classmethod
    def of(cls, row: q.PinRow) -> Pin:
        return cls(
            slug=row.slug, name=row.name, communities=row.communities, professions=row.professions
        )


@strawberry.type
class Registration:
    kind: ParticipantKind
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
class SharedActivity:
    id: strawberry.ID
    title: str
    held_on: date
    description: str
    capacity: int
    registration_count: int = strawberry.field(resolver=_visible_registrations)
    host_name: str

    @classmethod
    def of(cls, row: q.ActivityRow) -> SharedActivity:
        return cls(
            id=strawberry.ID(row.id),
            title=row.title,
            held_on=date.fromisoformat(row.held_on),
            description=row.description,
            capacity=row.capacity,
            host_name=row.host_name,
        )

    @strawberry.field
    async def registrations(self, info: Ctx) -> list[Registration]:
        rows = await info.context.loaders.registrations.load(str(self.id))
        tenant = info.context.tenant
        # Names are for the PIN's coordinators; a mentor sees who is registered, not their names.
        named = info.context.principal().role == Role.COORDINATOR
        return [
            Registration(
                kind=ParticipantKind(r.kind),
                own_member=r.person_tenant_id == tenant,
                person_id=strawberry.ID(r.person_id) if named and r.person_id else None,
                name=r.name if named else None,
            )
            for r in rows
        ]
