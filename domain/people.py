"""Mentors and mentees: the people of a PIN's programme.

A person's profession is one their PIN lists, in the PIN's spelling (``Pin.listed_profession``,
applied by the enrolment use cases, which hold both); it is kept if the PIN's list changes.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import CanMutateAggregate, event

from domain.base import TenantAggregate
from domain.errors import InvalidValue, InvariantViolation
from domain.follow_ups import Checkpoint, FollowUp, add_months, require_due
from domain.privacy import ERASED, ConsentWithdrawn, PersonErased, Purpose
from domain.values import (
    DateRange,
    EnglishLevel,
    LicenceStatus,
    OutcomeKind,
    PersonalData,
    require_names,
    require_text,
)

FOLLOW_UP_MONTHS = Checkpoint.TWELVE_MONTHS.value  # an outcome this late still links to its round
MAX_CAPACITY = 3


@dataclass(frozen=True)
class Training:
    name: str
    completed_on: date


@dataclass(frozen=True)
class Outcome:
    """A step forward in a mentee's career, with the evidence a coordinator saw."""

    outcome_id: UUID
    kind: OutcomeKind
    occurred_on: date
    evidence: PersonalData
    cohort_id: UUID | None


class Person(TenantAggregate):
    """What mentors and mentees share: a name, a contact, completed trainings, consents.

    The annotated fields without ``init=False`` are those of the subclass's ``Enrolled`` event,
    in their stored order (eventsourcing makes the aggregate a dataclass and derives the event
    from its ``__init__``); the others are set by later events.
    """

    name: PersonalData
    email: PersonalData | None
    profession: str
    trainings: list[Training] = field(default_factory=list, init=False)

    # Not annotated: annotations of an aggregate class would become fields of its events.
    erased = False  # until the Erased event
    withdrawn = frozenset[Purpose]()  # purposes whose consent is withdrawn

    @classmethod
    def _given(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The ``Enrolled`` fields (``tenant_id`` first), given by position or name."""
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        bound.apply_defaults()
        return {name: value for name, value in bound.arguments.items() if name != "self"}

    @staticmethod
    def _checked(person_id: UUID, given: dict[str, Any]) -> dict[str, Any]:
        """``given`` with what every person's enrolment checks the same way."""
        return given | {
            "id": person_id,
            "name": PersonalData(person_id, require_text("name", given["name"])),
            "email": _personal_data(person_id, "email", given["email"]),
            "profession": require_text("profession", given["profession"]),
            "languages": list(require_names("languages", given["languages"])),
        }

    def trigger_event(
        self,
        event_class: type[CanMutateAggregate[Any]],
        **kwargs: Any,
    ) -> None:
        if self.erased:  # refuses every later event, whatever the command
            raise PersonErased()
        super().trigger_event(event_class, **kwargs)

    def record_training(self, name: str, completed_on: date) -> None:
        self._training_completed(name=require_text("training", name), completed_on=completed_on)

    @event("TrainingCompleted")
    def _training_completed(self, name: str, completed_on: date) -> None:
        self.trainings.append(Training(name=name, completed_on=completed_on))

    def has_consent(self, purpose: Purpose) -> bool:
        return Purpose(purpose) not in self.withdrawn

    def can_take_part(self) -> bool:
        """Not erased, and still consenting to the programme: may join groups and activities."""
        return not self.erased and self.has_consent(Purpose.PARTICIPATION)

    def require_available(self, what: str, *purposes: Purpose) -> None:
        """Refuse an erased person, or one who withdrew consent to one of ``purposes``."""
        if self.erased:
            raise PersonErased(what)
        for purpose in (Purpose.PARTICIPATION, *purposes):
            if not self.has_consent(purpose):
                raise ConsentWithdrawn(what, Purpose(purpose))

    def give_consent(self, purpose: Purpose) -> None:
        self._consent_given(purpose=Purpose(purpose))

    @event("ConsentGiven")
    def _consent_given(self, purpose: Purpose) -> None:
        self.withdrawn = self.withdrawn - {Purpose(purpose)}

    def withdraw_consent(self, purpose: Purpose) -> None:
        self._consent_withdrawn(purpose=Purpose(purpose))

    @event("ConsentWithdrawn")
    def _consent_withdrawn(self, purpose: Purpose) -> None:
        self.withdrawn = self.withdrawn | {Purpose(purpose)}

    def erase(self) -> None:
        """Record the erasure (storage destroys the person's key); the event holds no data."""
        self._erased()

    @event("Erased")
    def _erased(self) -> None:
        self.erased = True
        self._forget_personal_data()

    def _forget_personal_data(self) -> None:
        self.name = PersonalData(self.id, ERASED)
        self.email = None


def _personal_data(
    person_id: UUID, label: str, value: str | None, max_length: int = 200
) -> PersonalData | None:
    """An optional personal text of ``person_id``: None when not given."""
    return (
        PersonalData(person_id, require_text(label, value, max_length=max_length))
        if value
        else None
    )


class Mentor(Person, created_event_name="Enrolled"):
    """A volunteer of the PIN who leads groups of newcomers of their profession."""

    id: UUID  # chosen at enrolment: the personal data names its subject
    languages: list[str]
    cultural_background: str
    licence_status: LicenceStatus = LicenceStatus.NOT_REGULATED
    capacity: int = 1

    def __post_init__(self) -> None:
        self.licence_status = LicenceStatus(self.licence_status)  # stored as its value

    @classmethod
    def enrol(cls, *args: Any, **kwargs: Any) -> Mentor:
        """Enrol a mentor: the fields of ``Enrolled`` (``tenant_id`` first), by position or name."""
        given = cls._given(*args, **kwargs)
        if not 1 <= given["capacity"] <= MAX_CAPACITY:
            raise InvalidValue(f"capacity must be between 1 and {MAX_CAPACITY} groups per round.")
        background = require_text("cultural background", given["cultural_background"])
        return cls(**cls._checked(uuid4(), given) | {"cultural_background": background})


class Mentee(Person, created_event_name="Enrolled"):
    """A newcomer of the PIN looking for work in their profession."""

    id: UUID  # chosen at enrolment: the personal data names its subject
    origin: str
    languages: list[str]
    english_level: EnglishLevel
    goals: PersonalData | None
    enrolled_on: date
    outcomes: list[Outcome] = field(default_factory=list, init=False)
    rounds: dict[UUID, DateRange] = field(default_factory=dict, init=False)
    follow_ups: dict[tuple[UUID, Checkpoint], FollowUp] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.english_level = EnglishLevel(self.english_level)  # stored as its value

    @classmethod
    def enrol(cls, *args: Any, **kwargs: Any) -> Mentee:
        """Enrol a mentee: the fields of ``Enrolled`` (``tenant_id`` first), by position or name."""
        mentee = cls._checked(uuid4(), cls._given(*args, **kwargs))
        origin = require_text("origin", mentee["origin"])
        goals = _personal_data(mentee["id"], "goals", mentee["goals"], max_length=2000)
        return cls(**mentee | {"origin": origin, "goals": goals})

    def _forget_personal_data(self) -> None:
        super()._forget_personal_data()
        self.goals = None
        self.outcomes = [
            replace(outcome, evidence=PersonalData(self.id, ERASED)) for outcome in self.outcomes
        ]

    def record_training(self, name: str, completed_on: date) -> None:
        if completed_on < self.enrolled_on:
            raise InvariantViolation(
                f"A training cannot be completed ({completed_on}) before enrolment "
                f"({self.enrolled_on})."
            )
        super().record_training(name, completed_on)

    def join_round(self, cohort_id: UUID, starts_on: date, ends_on: date) -> None:
        """Remember the round the mentee takes part in, so later outcomes link to it."""
        if cohort_id not in self.rounds:
            self._joined_round(cohort_id=cohort_id, starts_on=starts_on, ends_on=ends_on)

    @event("JoinedRound")
    def _joined_round(self, cohort_id: UUID, starts_on: date, ends_on: date) -> None:
        self.rounds[cohort_id] = DateRange(starts_on, ends_on)

    def round_for(self, day: date) -> UUID | None:
        """The latest round that ``day`` falls in or within 12 months after."""
        matching = [
            (dates.starts_on, cohort_id)
            for cohort_id, dates in self.rounds.items()
            if dates.starts_on <= day <= add_months(dates.ends_on, FOLLOW_UP_MONTHS)
        ]
        return max(matching)[1] if matching else None

    def record_outcome(self, kind: OutcomeKind, occurred_on: date, evidence: str) -> UUID:
        if occurred_on < self.enrolled_on:
            raise InvariantViolation(
                f"An outcome cannot be dated ({occurred_on}) before the mentee's enrolment "
                f"({self.enrolled_on})."
            )
        outcome_id = uuid4()
        self._outcome_recorded(
            outcome_id=outcome_id,
            kind=OutcomeKind(kind),
            occurred_on=occurred_on,
            evidence=PersonalData(self.id, require_text("evidence", evidence, max_length=2000)),
            cohort_id=self.round_for(occurred_on),
        )
        return outcome_id

    @event("OutcomeRecorded")
    def _outcome_recorded(
        self,
        outcome_id: UUID,
        kind: OutcomeKind,
        occurred_on: date,
        evidence: PersonalData,
        cohort_id: UUID | None,
    ) -> None:
        self.outcomes.append(
            Outcome(outcome_id, OutcomeKind(kind), occurred_on, evidence, cohort_id)
        )

    def record_follow_up(
        self,
        cohort_id: UUID,
        checkpoint: Checkpoint,
        today: date,
        outcome: tuple[OutcomeKind, date, str] | None = None,
    ) -> UUID | None:
        """Record the ``checkpoint`` follow-up of the round ``cohort_id`` as done ``today``:
        with ``outcome`` (kind, day, evidence), recorded as well, or as "no change" (None).
        Returns the outcome's id."""
        checkpoint = Checkpoint(checkpoint)
        dates = self.rounds.get(cohort_id)
        done = self.follow_ups.get((cohort_id, checkpoint))
        require_due(checkpoint, dates.ends_on if dates else None, today, done)
        outcome_id = self.record_outcome(*outcome) if outcome is not None else None
        self._follow_up_recorded(
            cohort_id=cohort_id, months=checkpoint.value, recorded_on=today, outcome_id=outcome_id
        )
        return outcome_id

    @event("FollowUpRecorded")
    def _follow_up_recorded(
        self, cohort_id: UUID, months: int, recorded_on: date, outcome_id: UUID | None
    ) -> None:
        checkpoint = Checkpoint(months)
        self.follow_ups[cohort_id, checkpoint] = FollowUp(
            cohort_id, checkpoint, recorded_on, outcome_id
        )
