"""Mutations: one per use case, each returning the changed record and its store position."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import strawberry

from domain.values import EnglishLevel, LicenceStatus, OutcomeKind
from gateway.resolvers import found, read_own, run_use_case, short_list
from gateway.types import (
    Cohort,
    Ctx,
    Group,
    Mentee,
    Mentor,
    Pin,
    SharedActivity,
    parse_id,
)
from projections import queries as q
from services import commands as c
from services import use_cases as uc


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


async def _group_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> GroupPayload:
    caller, changed = await run_use_case(info, use_case, command)
    return GroupPayload(
        group=Group.of(await read_own(info, q.group, caller, changed.id, "group")),
        position=changed.position,
    )


async def _cohort_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> CohortPayload:
    caller, changed = await run_use_case(info, use_case, command)
    return CohortPayload(
        cohort=Cohort.of(await read_own(info, q.cohort, caller, changed.id, "cohort")),
        position=changed.position,
    )


async def _activity_payload(
    info: Ctx, use_case: Callable[..., uc.Changed], command: object
) -> SharedActivityPayload:
    _, changed = await run_use_case(info, use_case, command)
    row = found(
        await info.context.read(q.shared_activity, str(changed.id)), "shared activity", changed.id
    )
    return SharedActivityPayload(shared_activity=SharedActivity.of(row), position=changed.position)


@strawberry.type
class TenantMutation:
    @strawberry.mutation(description="Platform admin: register a PIN (a tenant).")
    async def register_pin(self, info: Ctx, input: RegisterPinInput) -> PinPayload:
        command = c.RegisterPin(
            slug=input.slug,
            name=input.name,
            communities=short_list("communities", input.communities),
            professions=short_list("professions", input.professions),
        )
        _, changed = await run_use_case(info, uc.register_pin, command)
        row = found(await info.context.read(q.pin, str(changed.id)), "PIN", changed.id)
        return PinPayload(pin=Pin.of(row), position=changed.position)

    @strawberry.mutation
    async def enrol_mentor(self, info: Ctx, input: EnrolMentorInput) -> MentorPayload:
        command = c.EnrolMentor(
            name=input.name,
            profession=input.profession,
            languages=short_list("languages", input.languages),
            cultural_background=input.cultural_background,
            email=input.email,
            licence_status=input.licence_status,
            capacity=input.capacity,
        )
        caller, changed = await run_use_case(info, uc.enrol_mentor, command)
        return MentorPayload(
            mentor=Mentor.of(await read_own(info, q.mentor, caller, changed.id, "mentor")),
            position=changed.position,
        )

    @strawberry.mutation
    async def enrol_mentee(self, info: Ctx, input: EnrolMenteeInput) -> MenteePayload:
        command = c.EnrolMentee(
            name=input.name,
            profession=input.profession,
            origin=input.origin,
            languages=short_list("languages", input.languages),
            english_level=input.english_level,
            enrolled_on=input.enrolled_on,
            email=input.email,
            goals=input.goals,
        )
        caller, changed = await run_use_case(info, uc.enrol_mentee, command)
        return MenteePayload(
            mentee=Mentee.of(await read_own(info, q.mentee, caller, changed.id, "mentee")),
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
            present=[parse_id(m, "present") for m in short_list("present", input.present)],
            absent=[parse_id(m, "absent") for m in short_list("absent", input.absent)],
        )
        return await _group_payload(info, uc.record_attendance, command)

    @strawberry.mutation
    async def record_training(
        self, info: Ctx, person_id: strawberry.ID, name: str, completed_on: date
    ) -> TrainingPayload:
        command = c.RecordTraining(parse_id(person_id, "personId"), name, completed_on)
        _, changed = await run_use_case(info, uc.record_training, command)
        return TrainingPayload(person_id=strawberry.ID(str(changed.id)), position=changed.position)

    @strawberry.mutation
    async def record_outcome(self, info: Ctx, input: RecordOutcomeInput) -> MenteePayload:
        command = c.RecordOutcome(
            mentee_id=parse_id(input.mentee_id, "menteeId"),
            kind=input.kind,
            occurred_on=input.occurred_on,
            evidence=input.evidence,
        )
        caller, changed = await run_use_case(info, uc.record_outcome, command)
        return MenteePayload(
            mentee=Mentee.of(await read_own(info, q.mentee, caller, changed.id, "mentee")),
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
