"""One function per use case: load, check the caller, call the domain, save.

Every function takes the event store, a command and the caller's ``TenantContext`` and
returns what changed with the store position of its last event (for read-your-writes).
Another PIN's aggregate is refused exactly like an unknown id. A concurrent change of
the same aggregate is retried a few times (the invariants are checked again on the
fresh state) before it surfaces as a retryable ``Conflict``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Concatenate, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from opentelemetry import trace

from domain.access import ApiKey
from domain.activity import SharedActivity
from domain.base import CommandMetadata, TenantAggregate, acting_as
from domain.cohort import Cohort
from domain.errors import InvalidValue
from domain.group import Group, form_group
from domain.people import Mentee, Mentor
from domain.pin import Pin, pin_id_for
from services import commands as c
from services import tracing
from services.context import Role, TenantContext
from services.errors import BadInput, Conflict, Forbidden, NotFound
from services.store import MentoringStore

CONFLICT_RETRIES = 5
_TRACER = trace.get_tracer(__name__)

A = TypeVar("A", bound=TenantAggregate)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Changed:
    """The id of the changed record and the store position of the last event written."""

    id: UUID
    position: int


_KIND = {
    ApiKey: "API key",
    Pin: "PIN",
    Mentor: "mentor",
    Mentee: "mentee",
    Cohort: "cohort",
    Group: "group",
    SharedActivity: "shared activity",
}


def load(store: MentoringStore, cls: type[A], ident: UUID, ctx: TenantContext) -> A:
    """The aggregate ``ident`` of type ``cls`` in the caller's PIN, else ``NotFound``."""
    aggregate = _load_any_tenant(store, cls, ident)
    if aggregate.tenant_id != ctx.tenant_id:
        raise NotFound(_KIND[cls], ident)
    return aggregate


def _load_any_tenant(store: MentoringStore, cls: type[A], ident: UUID) -> A:
    try:
        aggregate: Aggregate = store.repository.get(ident)
    except AggregateNotFoundError:
        raise NotFound(_KIND[cls], ident) from None
    if not isinstance(aggregate, cls):
        raise NotFound(_KIND[cls], ident)
    return aggregate


def save(store: MentoringStore, *aggregates: Aggregate) -> int:
    """Save atomically; return the store position of the last event."""
    recordings = store.save(*aggregates)
    return recordings[-1].notification.id


C = TypeVar("C", bound="Changed")


def use_case(
    func: Callable[Concatenate[MentoringStore, R, TenantContext, P], C],
) -> Callable[Concatenate[MentoringStore, R, TenantContext, P], C]:
    """Stamp events with the caller, and retry on a concurrent change of the same aggregate."""

    def run(
        store: MentoringStore, command: R, ctx: TenantContext, /, *args: P.args, **kwargs: P.kwargs
    ) -> C:
        with (
            _TRACER.start_as_current_span(
                f"use case {func.__name__}", context=tracing.parent(ctx.correlation_id)
            ),
            acting_as(CommandMetadata(actor=ctx.actor, correlation_id=ctx.correlation_id)),
        ):
            for attempt in range(1, CONFLICT_RETRIES + 1):
                try:
                    return func(store, command, ctx, *args, **kwargs)
                except IntegrityError:
                    # Back off a little, at random, so competing writers stop colliding.
                    time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311
        raise Conflict("The record was changed by someone else at the same time; please try again.")

    run.__name__, run.__doc__ = func.__name__, func.__doc__
    return run


def _require(ctx: TenantContext, *roles: Role) -> None:
    if ctx.role not in roles:
        raise Forbidden(f"The {ctx.role} role may not do this.")


def _group_to_write(
    store: MentoringStore, group_id: UUID, ctx: TenantContext
) -> tuple[Group, Cohort]:
    """The group and its cohort: coordinators change any group; a mentor only the groups
    they lead."""
    group = load(store, Group, group_id, ctx)
    mentor = ctx.role == Role.MENTOR and ctx.actor == str(group.mentor_id)
    if ctx.role != Role.COORDINATOR and not mentor:
        raise Forbidden("Only the PIN's coordinator or the group's mentor may do this.")
    return group, load(store, Cohort, group.cohort_id, ctx)


@use_case
def register_pin(store: MentoringStore, cmd: c.RegisterPin, ctx: TenantContext) -> Changed:
    """Register a PIN (platform admin). Registering an existing slug again changes nothing."""
    _require(ctx, Role.ADMIN)
    try:
        existing: Pin = store.repository.get(pin_id_for(cmd.slug))
    except AggregateNotFoundError:
        pin = Pin.register(cmd.slug, cmd.name, cmd.communities, cmd.professions)
        return Changed(pin.id, save(store, pin))
    max_position = store.recorder.max_notification_id() or 0
    return Changed(existing.id, max_position)


def _enrol(
    store: MentoringStore,
    person: type[Mentee | Mentor],
    cmd: c.EnrolMentee | c.EnrolMentor,
    ctx: TenantContext,
) -> Changed:
    """Enrol with the command's fields, the profession in the PIN's spelling."""
    _require(ctx, Role.COORDINATOR)
    pin = load(store, Pin, ctx.tenant_id, ctx)
    profession = pin.listed_profession(cmd.profession)
    enrolled = person.enrol(ctx.tenant_id, **c.fields_of(cmd, profession=profession))
    return Changed(enrolled.id, save(store, enrolled))


@use_case
def enrol_mentor(store: MentoringStore, cmd: c.EnrolMentor, ctx: TenantContext) -> Changed:
    return _enrol(store, Mentor, cmd, ctx)


@use_case
def enrol_mentee(store: MentoringStore, cmd: c.EnrolMentee, ctx: TenantContext) -> Changed:
    return _enrol(store, Mentee, cmd, ctx)


@use_case
def plan_cohort(store: MentoringStore, cmd: c.PlanCohort, ctx: TenantContext) -> Changed:
    _require(ctx, Role.COORDINATOR)
    load(store, Pin, ctx.tenant_id, ctx)
    cohort = Cohort.plan(ctx.tenant_id, **c.fields_of(cmd))
    return Changed(cohort.id, save(store, cohort))


def _move_cohort(
    store: MentoringStore, cohort_id: UUID, ctx: TenantContext, step: Callable[[Cohort], None]
) -> Changed:
    """Take the cohort one ``step`` through its states (the coordinator's)."""
    _require(ctx, Role.COORDINATOR)
    cohort = load(store, Cohort, cohort_id, ctx)
    step(cohort)
    return Changed(cohort.id, save(store, cohort))


@use_case
def start_cohort(store: MentoringStore, cmd: c.StartCohort, ctx: TenantContext) -> Changed:
    return _move_cohort(store, cmd.cohort_id, ctx, Cohort.start)


@use_case
def close_cohort(store: MentoringStore, cmd: c.CloseCohort, ctx: TenantContext) -> Changed:
    return _move_cohort(store, cmd.cohort_id, ctx, Cohort.close)


@use_case
def form_group_in_cohort(store: MentoringStore, cmd: c.FormGroup, ctx: TenantContext) -> Changed:
    _require(ctx, Role.COORDINATOR)
    cohort = load(store, Cohort, cmd.cohort_id, ctx)
    mentor = load(store, Mentor, cmd.mentor_id, ctx)
    group = form_group(cohort, mentor, cmd.name)
    return Changed(group.id, save(store, cohort, group))


def _membership(
    store: MentoringStore, cmd: c.MembershipChange, ctx: TenantContext
) -> tuple[Group, Mentee, Cohort]:
    """The group, the mentee and the group's cohort of a membership change (the coordinator's)."""
    _require(ctx, Role.COORDINATOR)
    group = load(store, Group, cmd.group_id, ctx)
    mentee = load(store, Mentee, cmd.mentee_id, ctx)
    return group, mentee, load(store, Cohort, group.cohort_id, ctx)


@use_case
def add_mentee_to_group(
    store: MentoringStore, cmd: c.AddMenteeToGroup, ctx: TenantContext
) -> Changed:
    group, mentee, cohort = _membership(store, cmd, ctx)
    group.add_mentee(cohort, mentee)
    return Changed(group.id, save(store, cohort, mentee, group))


@use_case
def remove_mentee_from_group(
    store: MentoringStore, cmd: c.RemoveMenteeFromGroup, ctx: TenantContext
) -> Changed:
    group, _, cohort = _membership(store, cmd, ctx)
    group.remove_mentee(cohort, cmd.mentee_id)
    return Changed(group.id, save(store, cohort, group))


@use_case
def schedule_session(store: MentoringStore, cmd: c.ScheduleSession, ctx: TenantContext) -> Changed:
    group, cohort = _group_to_write(store, cmd.group_id, ctx)
    group.schedule_session(cohort, cmd.scheduled_on, cmd.agenda)
    return Changed(group.id, save(store, group))


@use_case
def record_session_held(
    store: MentoringStore,
    cmd: c.RecordSessionHeld,
    ctx: TenantContext,
    today: Callable[[], date] = date.today,
) -> Changed:
    group, cohort = _group_to_write(store, cmd.group_id, ctx)
    group.record_session_held(cohort, cmd.number, today())
    return Changed(group.id, save(store, group))


@use_case
def record_attendance(
    store: MentoringStore, cmd: c.RecordAttendance, ctx: TenantContext
) -> Changed:
    group, cohort = _group_to_write(store, cmd.group_id, ctx)
    for mentee_id in cmd.present:
        group.record_attendance(cohort, cmd.number, mentee_id, True)
    for mentee_id in cmd.absent:
        group.record_attendance(cohort, cmd.number, mentee_id, False)
    if not group.pending_events:
        raise BadInput("Name at least one mentee who was present or absent.")
    return Changed(group.id, save(store, group))


def own_person(store: MentoringStore, ident: UUID, ctx: TenantContext) -> Mentee | Mentor:
    """The mentee or mentor ``ident`` of the caller's PIN, else ``NotFound``."""
    try:
        return load(store, Mentee, ident, ctx)
    except NotFound:
        try:
            return load(store, Mentor, ident, ctx)
        except NotFound:
            raise NotFound("mentee or mentor", ident) from None


@use_case
def record_training(store: MentoringStore, cmd: c.RecordTraining, ctx: TenantContext) -> Changed:
    _require(ctx, Role.COORDINATOR)
    person = own_person(store, cmd.person_id, ctx)
    person.record_training(cmd.name, cmd.completed_on)
    return Changed(person.id, save(store, person))


@use_case
def record_outcome(
    store: MentoringStore,
    cmd: c.RecordOutcome,
    ctx: TenantContext,
    today: Callable[[], date] = date.today,
) -> Changed:
    _require(ctx, Role.COORDINATOR)
    if cmd.occurred_on > today():
        raise InvalidValue(f"An outcome cannot be dated in the future ({cmd.occurred_on}).")
    mentee = load(store, Mentee, cmd.mentee_id, ctx)
    mentee.record_outcome(cmd.kind, cmd.occurred_on, cmd.evidence)
    return Changed(mentee.id, save(store, mentee))


@use_case
def host_shared_activity(
    store: MentoringStore, cmd: c.HostSharedActivity, ctx: TenantContext
) -> Changed:
    _require(ctx, Role.COORDINATOR)
    load(store, Pin, ctx.tenant_id, ctx)
    activity = SharedActivity.host(ctx.tenant_id, **c.fields_of(cmd))
    return Changed(activity.id, save(store, activity))


def _registration(
    store: MentoringStore, cmd: c.RegistrationChange, ctx: TenantContext
) -> SharedActivity:
    """The shared activity (of any PIN) whose registrations the coordinator changes."""
    _require(ctx, Role.COORDINATOR)
    return _load_any_tenant(store, SharedActivity, cmd.activity_id)


@use_case
def register_for_activity(
    store: MentoringStore, cmd: c.RegisterForActivity, ctx: TenantContext
) -> Changed:
    """A coordinator registers one of their PIN's members for any PIN's shared activity."""
    activity = _registration(store, cmd, ctx)
    activity.register(own_person(store, cmd.person_id, ctx))
    return Changed(activity.id, save(store, activity))


@use_case
def cancel_activity_registration(
    store: MentoringStore, cmd: c.CancelActivityRegistration, ctx: TenantContext
) -> Changed:
    activity = _registration(store, cmd, ctx)
    activity.cancel_registration(cmd.person_id, ctx.tenant_id)
    return Changed(activity.id, save(store, activity))
