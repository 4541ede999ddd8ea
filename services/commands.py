"""Commands: what a caller asks the platform to do, one dataclass per use case.

Two use cases that take the same fields in the same sense (a cohort's id, a membership or a
registration change) share a dataclass: each command subclasses it without fields of its own,
so it keeps its own name, ``repr`` and equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.values import EnglishLevel, LicenceStatus, OutcomeKind

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def fields_of(command: DataclassInstance, **changes: Any) -> dict[str, Any]:
    """A command's (or a row's) fields by name, with ``changes`` made: to pass them on whole."""
    return {f.name: getattr(command, f.name) for f in fields(command)} | changes


@dataclass(frozen=True)
class RegisterPin:
    slug: str
    name: str
    communities: list[str]
    professions: list[str]


@dataclass(frozen=True)
class EnrolMentor:
    name: str
    profession: str
    languages: list[str]
    cultural_background: str
    email: str | None = None
    licence_status: LicenceStatus = LicenceStatus.NOT_REGULATED
    capacity: int = 1


@dataclass(frozen=True)
class EnrolMentee:
    name: str
    profession: str
    origin: str
    languages: list[str]
    english_level: EnglishLevel
    enrolled_on: date
    email: str | None = None
    goals: str | None = None


@dataclass(frozen=True)
class PlanCohort:
    name: str
    starts_on: date
    ends_on: date
    planned_sessions: int = 5
    min_group_size: int = 5
    max_group_size: int = 6


@dataclass(frozen=True)
class CohortStep:
    """Take a cohort one step through its states; a subclass names the step."""

    cohort_id: UUID


class StartCohort(CohortStep):
    """From planning to running."""


class CloseCohort(CohortStep):
    """From running to closed."""


@dataclass(frozen=True)
class FormGroup:
    cohort_id: UUID
    mentor_id: UUID
    name: str


@dataclass(frozen=True)
class MembershipChange:
    """Put a mentee into a group or take them out; a subclass names which."""

    group_id: UUID
    mentee_id: UUID


class AddMenteeToGroup(MembershipChange):
    """Put the mentee into the group."""


class RemoveMenteeFromGroup(MembershipChange):
    """Take the mentee out of the group."""


@dataclass(frozen=True)
class ScheduleSession:
    group_id: UUID
    scheduled_on: date
    agenda: str


@dataclass(frozen=True)
class RecordSessionHeld:
    group_id: UUID
    number: int


@dataclass(frozen=True)
class RecordAttendance:
    group_id: UUID
    number: int
    present: list[UUID] = field(default_factory=list)
    absent: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class RecordTraining:
    person_id: UUID
    name: str
    completed_on: date


@dataclass(frozen=True)
class RecordOutcome:
    mentee_id: UUID
    kind: OutcomeKind
    occurred_on: date
    evidence: str


@dataclass(frozen=True)
class HostSharedActivity:
    title: str
    held_on: date
    description: str
    capacity: int = 60


@dataclass(frozen=True)
class RegistrationChange:
    """Register a person for a shared activity or cancel it; a subclass names which."""

    activity_id: UUID
    person_id: UUID


class RegisterForActivity(RegistrationChange):
    """Register the person for the activity."""


class CancelActivityRegistration(RegistrationChange):
    """Cancel the person's registration for the activity."""
