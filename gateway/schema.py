"""The GraphQL schema: a PIN's isolated view (queries) and every use case (mutations)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import anyio.to_thread
import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.types import ExecutionContext

from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind
from gateway.errors import BadInputError, code_errors
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
    decode_cursor,
    parse_id,
    to_connection,
)
from projections import queries as q
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.errors import NotFound, ServiceError
from services.store import MentoringStore

R = TypeVar("R")


class Stale(ServiceError):
    code = "STALE"


async def _consistent(info: Ctx, position: int | None) -> None:
    """Read-your-writes: wait (bounded) until the read models include ``position``."""
    if position is None:
        return
    reached = await anyio.to_thread.run_sync(
        info.context.platform.views.wait_for,
        position,
        info.context.platform.settings.consistency_timeout,
    )
    if not reached:
        raise Stale(f"The read models have not reached position {position} yet; retry shortly.")


def _found(row: R | None, kind: str, ident: object) -> R:
    if row is None:
        raise NotFound(kind, ident)
    return row


@strawberry.type
class Viewer:
    role: str
    actor: str
    tenant_id: strawberry.ID


@strawberry.type
class Query:
    @strawberry.field(description="Who the token says you are.")
    def me(self, info: Ctx) -> Viewer:
        caller = info.context.principal()
        return Viewer(
            role=str(caller.role),
            actor=caller.actor,
            tenant_id=strawberry.ID(str(caller.tenant_id)),
        )

    @strawberry.field(description="Your PIN.")
    def pin(self, info: Ctx) -> Pin:
        caller = info.context.reader(Role.COORDINATOR, Role.MENTOR)
        row = _found(info.context.read(q.pin, str(caller.tenant_id)), "PIN", caller.tenant_id)
        return Pin(
            slug=row.slug, name=row.name, communities=row.communities, professions=row.professions
        )

    @strawberry.field
    async def cohorts(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        state: CohortState | None = None,
        consistent_with: int | None = None,
    ) -> Connection[Cohort]:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        page = info.context.read(
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
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        return Cohort.of(
            _found(info.context.read(q.cohort, str(caller.tenant_id), str(ident)), "cohort", id)
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
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        page = info.context.read(
            q.groups,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            cohort_id=str(parse_id(cohort_id, "cohortId")) if cohort_id else None,
        )
        return to_connection(page, Group.of)

    @strawberry.field
    async def group(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Group:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        return Group.of(
            _found(info.context.read(q.group, str(caller.tenant_id), str(ident)), "group", id)
        )

    @strawberry.field
    async def mentors(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        consistent_with: int | None = None,
    ) -> Connection[Mentor]:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        page = info.context.read(
            q.mentors,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            profession=profession,
            language=language,
        )
        return to_connection(page, Mentor.of)

    @strawberry.field
    async def mentor(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Mentor:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        return Mentor.of(
            _found(info.context.read(q.mentor, str(caller.tenant_id), str(ident)), "mentor", id)
        )

    @strawberry.field
    async def mentees(
        self,
        info: Ctx,
        first: int = 20,
        after: str | None = None,
        profession: str | None = None,
        language: str | None = None,
        cohort_id: strawberry.ID | None = None,
        consistent_with: int | None = None,
    ) -> Connection[Mentee]:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        page = info.context.read(
            q.mentees,
            str(caller.tenant_id),
            first=check_first(first),
            after=decode_cursor(after),
            profession=profession,
            language=language,
            cohort_id=str(parse_id(cohort_id, "cohortId")) if cohort_id else None,
        )
        return to_connection(page, Mentee.of)

    @strawberry.field
    async def mentee(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> Mentee:
        await _consistent(info, consistent_with)
        caller = info.context.reader()
        ident = parse_id(id, "id")
        return Mentee.of(
            _found(info.context.read(q.mentee, str(caller.tenant_id), str(ident)), "mentee", id)
        )

    @strawberry.field(description="Shared activities of every PIN; open to members of all PINs.")
    async def shared_activities(
        self, info: Ctx, consistent_with: int | None = None
    ) -> list[SharedActivity]:
        await _consistent(info, consistent_with)
        info.context.reader(*Role)
        return [SharedActivity.of(r) for r in info.context.read(q.shared_activities)]

    @strawberry.field
    async def shared_activity(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> SharedActivity:
        await _consistent(info, consistent_with)
        info.context.reader(*Role)
        ident = parse_id(id, "id")
        return SharedActivity.of(
            _found(info.context.read(q.shared_activity, str(ident)), "shared activity", id)
        )


# ---- mutations -------------------------------------------------------------------------


@strawberry.input
class RegisterPinInput:
    slug: str
    name: str
    communities: list[str]
    professions: list[str]


@strawberry.input
class EnrolMentorInput:
    name: str
    profession: str
    languages: list[str]
    cultural_background: str
    email: str | None = None
    licence_status: LicenceStatus = LicenceStatus.NOT_REGULATED
    capacity: int = 1


@strawberry.input
class EnrolMenteeInput:
    name: str
    profession: str
    origin: str
    languages: list[str]
    english_level: EnglishLevel
    enrolled_on: date
    email: str | None = None
    goals: str | None = None


@strawberry.input
class PlanCohortInput:
    name: str
    starts_on: date
    ends_on: date
    planned_sessions: int = 5
    min_group_size: int = 5
    max_group_size: int = 6


@strawberry.input
class FormGroupInput:
    cohort_id: strawberry.ID
    mentor_id: strawberry.ID
    name: str


@strawberry.input
class ScheduleSessionInput:
    group_id: strawberry.ID
    scheduled_on: date
    agenda: str


@strawberry.input
class RecordAttendanceInput:
    group_id: strawberry.ID
    number: int
    present: list[strawberry.ID] = strawberry.field(default_factory=list)
    absent: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class RecordOutcomeInput:
    mentee_id: strawberry.ID
    kind: OutcomeKind
    occurred_on: date
    evidence: str


@strawberry.input
class HostSharedActivityInput:
    title: str
    held_on: date
    description: str
    capacity: int = 60


@strawberry.type
class PinPayload:
    pin: Pin
    position: int


@strawberry.type
class MentorPayload:
    mentor: Mentor
    position: int


@strawberry.type
class MenteePayload:
    mentee: Mentee
    position: int


@strawberry.type
class CohortPayload:
    cohort: Cohort
    position: int


@strawberry.type
class GroupPayload:
    group: Group
    position: int


@strawberry.type
class SharedActivityPayload:
    shared_activity: SharedActivity
    position: int


@strawberry.type
class TrainingPayload:
    person_id: strawberry.ID
    position: int


MAX_LIST = 20
MAX_DEPTH = 8
MAX_ALIASES = 30
MAX_TOKENS = 2000


def _short_list(field: str, values: list[Any]) -> list[Any]:
    if len(values) > MAX_LIST:
        raise BadInputError(f"{field} may hold at most {MAX_LIST} entries.")
    return values


async def _run(
    info: Ctx,
    use_case: Callable[[MentoringStore, Any, TenantContext], uc.Changed],
    command: object,
) -> tuple[TenantContext, uc.Changed]:
    """Run a use case off the event loop, then wait until its events are readable."""
    caller = info.context.principal()
    changed = await anyio.to_thread.run_sync(use_case, info.context.platform.store, command, caller)
    await info.context.catch_up(changed.position)
    return caller, changed


def _read(
    info: Ctx, query: Callable[..., R | None], caller: TenantContext, ident: object, kind: str
) -> R:
    return _found(info.context.read(query, str(caller.tenant_id), str(ident)), kind, ident)


async def _group_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> GroupPayload:
    caller, changed = await _run(info, use_case, command)
    return GroupPayload(
        group=Group.of(_read(info, q.group, caller, changed.id, "group")), position=changed.position
    )


async def _cohort_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> CohortPayload:
    caller, changed = await _run(info, use_case, command)
    return CohortPayload(
        cohort=Cohort.of(_read(info, q.cohort, caller, changed.id, "cohort")),
        position=changed.position,
    )


async def _activity_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> SharedActivityPayload:
    _, changed = await _run(info, use_case, command)
    row = _found(
        info.context.read(q.shared_activity, str(changed.id)), "shared activity", changed.id
    )
    return SharedActivityPayload(shared_activity=SharedActivity.of(row), position=changed.position)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Platform admin: register a PIN (a tenant).")
    async def register_pin(self, info: Ctx, input: RegisterPinInput) -> PinPayload:
        command = c.RegisterPin(
            slug=input.slug,
            name=input.name,
            communities=_short_list("communities", input.communities),
            professions=_short_list("professions", input.professions),
        )
        _, changed = await _run(info, uc.register_pin, command)
        row = _found(info.context.read(q.pin, str(changed.id)), "PIN", changed.id)
        pin = Pin(
            slug=row.slug, name=row.name, communities=row.communities, professions=row.professions
        )
        return PinPayload(pin=pin, position=changed.position)

    @strawberry.mutation
    async def enrol_mentor(self, info: Ctx, input: EnrolMentorInput) -> MentorPayload:
        command = c.EnrolMentor(
            name=input.name,
            profession=input.profession,
            languages=_short_list("languages", input.languages),
            cultural_background=input.cultural_background,
            email=input.email,
            licence_status=input.licence_status,
            capacity=input.capacity,
        )
        caller, changed = await _run(info, uc.enrol_mentor, command)
        return MentorPayload(
            mentor=Mentor.of(_read(info, q.mentor, caller, changed.id, "mentor")),
            position=changed.position,
        )

    @strawberry.mutation
    async def enrol_mentee(self, info: Ctx, input: EnrolMenteeInput) -> MenteePayload:
        command = c.EnrolMentee(
            name=input.name,
            profession=input.profession,
            origin=input.origin,
            languages=_short_list("languages", input.languages),
            english_level=input.english_level,
            enrolled_on=input.enrolled_on,
            email=input.email,
            goals=input.goals,
        )
        caller, changed = await _run(info, uc.enrol_mentee, command)
        return MenteePayload(
            mentee=Mentee.of(_read(info, q.mentee, caller, changed.id, "mentee")),
            position=changed.position,
        )

    @strawberry.mutation
    async def plan_cohort(self, info: Ctx, input: PlanCohortInput) -> CohortPayload:
        command = c.PlanCohort(
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            planned_sessions=input.planned_sessions,
            min_group_size=input.min_group_size,
            max_group_size=input.max_group_size,
        )
        return await _cohort_payload(info, uc.plan_cohort, command)

    @strawberry.mutation
    async def start_cohort(self, info: Ctx, cohort_id: strawberry.ID) -> CohortPayload:
        return await _cohort_payload(
            info, uc.start_cohort, c.StartCohort(parse_id(cohort_id, "cohortId"))
        )

    @strawberry.mutation
    async def close_cohort(self, info: Ctx, cohort_id: strawberry.ID) -> CohortPayload:
        return await _cohort_payload(
            info, uc.close_cohort, c.CloseCohort(parse_id(cohort_id, "cohortId"))
        )

    @strawberry.mutation
    async def form_group(self, info: Ctx, input: FormGroupInput) -> GroupPayload:
        command = c.FormGroup(
            cohort_id=parse_id(input.cohort_id, "cohortId"),
            mentor_id=parse_id(input.mentor_id, "mentorId"),
            name=input.name,
        )
        return await _group_payload(info, uc.form_group_in_cohort, command)

    @strawberry.mutation
    async def add_mentee_to_group(
        self, info: Ctx, group_id: strawberry.ID, mentee_id: strawberry.ID
    ) -> GroupPayload:
        command = c.AddMenteeToGroup(parse_id(group_id, "groupId"), parse_id(mentee_id, "menteeId"))
        return await _group_payload(info, uc.add_mentee_to_group, command)

    @strawberry.mutation
    async def remove_mentee_from_group(
        self, info: Ctx, group_id: strawberry.ID, mentee_id: strawberry.ID
    ) -> GroupPayload:
        command = c.RemoveMenteeFromGroup(
            parse_id(group_id, "groupId"), parse_id(mentee_id, "menteeId")
        )
        return await _group_payload(info, uc.remove_mentee_from_group, command)

    @strawberry.mutation
    async def schedule_session(self, info: Ctx, input: ScheduleSessionInput) -> GroupPayload:
        command = c.ScheduleSession(
            parse_id(input.group_id, "groupId"), input.scheduled_on, input.agenda
        )
        return await _group_payload(info, uc.schedule_session, command)

    @strawberry.mutation
    async def record_session_held(
        self, info: Ctx, group_id: strawberry.ID, number: int
    ) -> GroupPayload:
        command = c.RecordSessionHeld(parse_id(group_id, "groupId"), number)
        return await _group_payload(info, uc.record_session_held, command)

    @strawberry.mutation
    async def record_attendance(self, info: Ctx, input: RecordAttendanceInput) -> GroupPayload:
        command = c.RecordAttendance(
            group_id=parse_id(input.group_id, "groupId"),
            number=input.number,
            present=[parse_id(m, "present") for m in _short_list("present", input.present)],
            absent=[parse_id(m, "absent") for m in _short_list("absent", input.absent)],
        )
        return await _group_payload(info, uc.record_attendance, command)

    @strawberry.mutation
    async def record_training(
        self, info: Ctx, person_id: strawberry.ID, name: str, completed_on: date
    ) -> TrainingPayload:
        command = c.RecordTraining(parse_id(person_id, "personId"), name, completed_on)
        _, changed = await _run(info, uc.record_training, command)
        return TrainingPayload(person_id=strawberry.ID(str(changed.id)), position=changed.position)

    @strawberry.mutation
    async def record_outcome(self, info: Ctx, input: RecordOutcomeInput) -> MenteePayload:
        command = c.RecordOutcome(
            mentee_id=parse_id(input.mentee_id, "menteeId"),
            kind=input.kind,
            occurred_on=input.occurred_on,
            evidence=input.evidence,
        )
        caller, changed = await _run(info, uc.record_outcome, command)
        return MenteePayload(
            mentee=Mentee.of(_read(info, q.mentee, caller, changed.id, "mentee")),
            position=changed.position,
        )

    @strawberry.mutation
    async def host_shared_activity(
        self, info: Ctx, input: HostSharedActivityInput
    ) -> SharedActivityPayload:
        command = c.HostSharedActivity(
            input.title, input.held_on, input.description, input.capacity
        )
        return await _activity_payload(info, uc.host_shared_activity, command)

    @strawberry.mutation
    async def register_for_activity(
        self, info: Ctx, activity_id: strawberry.ID, person_id: strawberry.ID
    ) -> SharedActivityPayload:
        command = c.RegisterForActivity(
            parse_id(activity_id, "activityId"), parse_id(person_id, "personId")
        )
        return await _activity_payload(info, uc.register_for_activity, command)

    @strawberry.mutation
    async def cancel_activity_registration(
        self, info: Ctx, activity_id: strawberry.ID, person_id: strawberry.ID
    ) -> SharedActivityPayload:
        command = c.CancelActivityRegistration(
            parse_id(activity_id, "activityId"), parse_id(person_id, "personId")
        )
        return await _activity_payload(info, uc.cancel_activity_registration, command)


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    """The schema with its protections: caches, depth, alias and token limits, coded errors."""
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return MentoringSchema(query=Query, mutation=Mutation, extensions=extensions)


class MentoringSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        code_errors(errors)
