"""Mutations: one per use case, each returning the changed record and its store position."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import strawberry

from domain.values import OutcomeKind
from gateway.inputs import CommandInput
from gateway.resolvers import found, read_own, run_use_case, short_list
from gateway.types import Cohort, Ctx, Group, Mentee, Mentor, Pin, SharedActivity, parse_id
from projections import queries as q
from services import commands as c
from services import use_cases as uc

R = TypeVar("R")
UseCase = Callable[..., uc.Changed]
Resolver = Callable[..., Awaitable[Any]]


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


async def _changed(
    info: Ctx, use_case: UseCase, command: object, query: Callable[..., R | None], kind: str
) -> tuple[R, int]:
    """Run the use case: the record it changed (of the caller's PIN), and its position."""
    _, changed = await run_use_case(info, use_case, command)
    return await read_own(info, query, kind, changed.id), changed.position


async def _group_payload(info: Ctx, use_case: UseCase, command: object) -> GroupPayload:
    row, position = await _changed(info, use_case, command, q.group, "group")
    return GroupPayload(group=Group.of(row), position=position)


async def _cohort_payload(info: Ctx, use_case: UseCase, command: object) -> CohortPayload:
    row, position = await _changed(info, use_case, command, q.cohort, "cohort")
    return CohortPayload(cohort=Cohort.of(row), position=position)


async def _activity_payload(info: Ctx, use_case: UseCase, command: object) -> SharedActivityPayload:
    _, changed = await run_use_case(info, use_case, command)
    row = await info.context.read(q.shared_activity, str(changed.id))
    activity = SharedActivity.of(found(row, "shared activity", changed.id))
    return SharedActivityPayload(shared_activity=activity, position=changed.position)


def _membership(use_case: UseCase, command: Callable[[UUID, UUID], object]) -> Resolver:
    """A mutation adding a mentee to a group or taking them out."""

    async def change(info: Ctx, group_id: strawberry.ID, mentee_id: strawberry.ID) -> GroupPayload:
        ids = parse_id(group_id, "groupId"), parse_id(mentee_id, "menteeId")
        return await _group_payload(info, use_case, command(*ids))

    return change


def _registration(use_case: UseCase, command: Callable[[UUID, UUID], object]) -> Resolver:
    """A mutation registering a person for a shared activity or cancelling it."""

    async def change(
        info: Ctx, activity_id: strawberry.ID, person_id: strawberry.ID
    ) -> SharedActivityPayload:
        ids = parse_id(activity_id, "activityId"), parse_id(person_id, "personId")
        return await _activity_payload(info, use_case, command(*ids))

    return change


@strawberry.type
class TenantMutation:
    @strawberry.mutation(
        description="Platform admin: register a PIN (a tenant).",
        extensions=[CommandInput(c.RegisterPin)],
    )
    async def register_pin(self, info: Ctx, input: c.RegisterPin) -> PinPayload:
        command = replace(
            input,
            communities=short_list("communities", input.communities),
            professions=short_list("professions", input.professions),
        )
        _, changed = await run_use_case(info, uc.register_pin, command)
        row = found(await info.context.read(q.pin, str(changed.id)), "PIN", changed.id)
        return PinPayload(pin=Pin.of(row), position=changed.position)

    @strawberry.mutation(extensions=[CommandInput(c.EnrolMentor)])
    async def enrol_mentor(self, info: Ctx, input: c.EnrolMentor) -> MentorPayload:
        command = replace(input, languages=short_list("languages", input.languages))
        row, position = await _changed(info, uc.enrol_mentor, command, q.mentor, "mentor")
        return MentorPayload(mentor=Mentor.of(row), position=position)

    @strawberry.mutation(extensions=[CommandInput(c.EnrolMentee)])
    async def enrol_mentee(self, info: Ctx, input: c.EnrolMentee) -> MenteePayload:
        command = replace(input, languages=short_list("languages", input.languages))
        row, position = await _changed(info, uc.enrol_mentee, command, q.mentee, "mentee")
        return MenteePayload(mentee=Mentee.of(row), position=position)

    @strawberry.mutation(extensions=[CommandInput(c.PlanCohort)])
    async def plan_cohort(self, info: Ctx, input: c.PlanCohort) -> CohortPayload:
        return await _cohort_payload(info, uc.plan_cohort, input)

    @strawberry.mutation
    async def start_cohort(self, info: Ctx, cohort_id: strawberry.ID) -> CohortPayload:
        command = c.StartCohort(parse_id(cohort_id, "cohortId"))
        return await _cohort_payload(info, uc.start_cohort, command)

    @strawberry.mutation
    async def close_cohort(self, info: Ctx, cohort_id: strawberry.ID) -> CohortPayload:
        command = c.CloseCohort(parse_id(cohort_id, "cohortId"))
        return await _cohort_payload(info, uc.close_cohort, command)

    @strawberry.mutation
    async def form_group(self, info: Ctx, input: FormGroupInput) -> GroupPayload:
        command = c.FormGroup(
            cohort_id=parse_id(input.cohort_id, "cohortId"),
            mentor_id=parse_id(input.mentor_id, "mentorId"),
            name=input.name,
        )
        return await _group_payload(info, uc.form_group_in_cohort, command)

    add_mentee_to_group = strawberry.mutation(
        resolver=_membership(uc.add_mentee_to_group, c.AddMenteeToGroup)
    )
    remove_mentee_from_group = strawberry.mutation(
        resolver=_membership(uc.remove_mentee_from_group, c.RemoveMenteeFromGroup)
    )

    @strawberry.mutation
    async def schedule_session(self, info: Ctx, input: ScheduleSessionInput) -> GroupPayload:
        group = parse_id(input.group_id, "groupId")
        command = c.ScheduleSession(group, input.scheduled_on, input.agenda)
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
        mentee = parse_id(input.mentee_id, "menteeId")
        command = c.RecordOutcome(mentee, input.kind, input.occurred_on, input.evidence)
        row, position = await _changed(info, uc.record_outcome, command, q.mentee, "mentee")
        return MenteePayload(mentee=Mentee.of(row), position=position)

    @strawberry.mutation(extensions=[CommandInput(c.HostSharedActivity)])
    async def host_shared_activity(
        self, info: Ctx, input: c.HostSharedActivity
    ) -> SharedActivityPayload:
        return await _activity_payload(info, uc.host_shared_activity, input)

    register_for_activity = strawberry.mutation(
        resolver=_registration(uc.register_for_activity, c.RegisterForActivity)
    )
    cancel_activity_registration = strawberry.mutation(
        resolver=_registration(uc.cancel_activity_registration, c.CancelActivityRegistration)
    )
