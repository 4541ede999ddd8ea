"""Shared fixtures of the domain tests: two PINs, their people and a round of mentoring.

The tests of ``tests/domain`` exercise the pure domain model: no store, no bus, no I/O.
Helpers are offered as fixtures (factories returning aggregates) because this folder is
not a package and its modules cannot import one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import count
from typing import Any, Protocol
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from domain.cohort import Cohort
from domain.group import Group, form_group
from domain.people import Mentee, Mentor
from domain.pin import pin_id_for
from domain.values import EnglishLevel, LicenceStatus

ROUND_STARTS_ON = date(2025, 1, 13)
ROUND_ENDS_ON = date(2025, 5, 9)
ENROLLED_ON = date(2024, 11, 4)


class MentorFactory(Protocol):
    def __call__(
        self, *, tenant_id: UUID | None = None, capacity: int = 1, name: str | None = None
    ) -> Mentor: ...


class MenteeFactory(Protocol):
    def __call__(
        self,
        *,
        tenant_id: UUID | None = None,
        enrolled_on: date = ENROLLED_ON,
        name: str | None = None,
    ) -> Mentee: ...


class CohortFactory(Protocol):
    def __call__(
        self,
        *,
        tenant_id: UUID | None = None,
        name: str = "Spring 2025 engineers",
        starts_on: date = ROUND_STARTS_ON,
        ends_on: date = ROUND_ENDS_ON,
        **sizes: int,
    ) -> Cohort: ...


class GroupFactory(Protocol):
    def __call__(
        self, cohort: Cohort, *, mentees: int = 0, mentor: Mentor | None = None, name: str = ""
    ) -> Group: ...


@pytest.fixture
def pin_id() -> UUID:
    """The PIN (tenant) the tests act for: the Association of Romanian Engineers in Canada."""
    return pin_id_for("arec")


@pytest.fixture
def other_pin_id() -> UUID:
    """Another PIN: the Indo-Canada Chamber of Commerce."""
    return pin_id_for("iccc")


@pytest.fixture
def make_mentor(pin_id: UUID) -> MentorFactory:
    numbers = count(1)

    def make(
        *, tenant_id: UUID | None = None, capacity: int = 1, name: str | None = None
    ) -> Mentor:
        n = next(numbers)
        return Mentor.enrol(
            tenant_id=tenant_id or pin_id,
            name=name or f"Mentor {n}",
            email=f"mentor{n}@example.org",
            profession="Civil engineer",
            languages=["Romanian", "English"],
            cultural_background="Romanian",
            licence_status=LicenceStatus.LICENSED,
            capacity=capacity,
        )

    return make


@pytest.fixture
def make_mentee(pin_id: UUID) -> MenteeFactory:
    numbers = count(1)

    def make(
        *,
        tenant_id: UUID | None = None,
        enrolled_on: date = ENROLLED_ON,
        name: str | None = None,
    ) -> Mentee:
        n = next(numbers)
        return Mentee.enrol(
            tenant_id=tenant_id or pin_id,
            name=name or f"Mentee {n}",
            email=f"mentee{n}@example.org",
            profession="Civil engineer",
            origin="Romania",
            languages=["Romanian", "English"],
            english_level=EnglishLevel.INTERMEDIATE,
            goals="Get a licence to practise engineering in Ontario.",
            enrolled_on=enrolled_on,
        )

    return make


@pytest.fixture
def make_cohort(pin_id: UUID) -> CohortFactory:
    def make(
        *,
        tenant_id: UUID | None = None,
        name: str = "Spring 2025 engineers",
        starts_on: date = ROUND_STARTS_ON,
        ends_on: date = ROUND_ENDS_ON,
        **sizes: int,
    ) -> Cohort:
        return Cohort.plan(tenant_id or pin_id, name, starts_on, ends_on, **sizes)

    return make


@pytest.fixture
def cohort(make_cohort: CohortFactory) -> Cohort:
    """A round in planning with the programme's defaults: 5 sessions, groups of 5 or 6."""
    return make_cohort()


@pytest.fixture
def mentor(make_mentor: MentorFactory) -> Mentor:
    return make_mentor()


@pytest.fixture
def make_group(make_mentor: MentorFactory, make_mentee: MenteeFactory) -> GroupFactory:
    """Form a group in a cohort (with a new mentor unless one is given) and fill it."""
    numbers = count(1)

    def make(
        cohort: Cohort, *, mentees: int = 0, mentor: Mentor | None = None, name: str = ""
    ) -> Group:
        group = form_group(cohort, mentor or make_mentor(), name or f"Group {next(numbers)}")
        for _ in range(mentees):
            group.add_mentee(cohort, make_mentee())
        return group

    return make


@pytest.fixture
def group(cohort: Cohort, mentor: Mentor, make_group: GroupFactory) -> Group:
    """An empty group of ``cohort`` led by ``mentor``."""
    return make_group(cohort, mentor=mentor, name="Bridges")


def replay_events(events: Iterable[Any]) -> Any:
    """Rebuild an aggregate from its events, the way the event store does."""
    aggregate: Any = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


@pytest.fixture
def replay() -> Callable[[Iterable[Any]], Any]:
    return replay_events


@pytest.fixture
def event_count() -> Callable[..., int]:
    """How many events the given aggregates have pending, in total."""

    def total(*aggregates: Aggregate) -> int:
        return sum(len(aggregate.pending_events) for aggregate in aggregates)

    return total
