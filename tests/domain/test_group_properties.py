"""Whatever a coordinator and the mentors do, in whatever order, the programme's rules hold.

A hypothesis state machine applies random sequences of commands (form a group with one of
several mentors, add or remove a mentee, schedule a session on a random day, record it as
held, record attendance, start or close a round) to two rounds of one PIN, with a few
mentors and mentees of that PIN and one of each from another PIN.

A small model of the rules predicts whether each command is allowed. An allowed command
must succeed; a forbidden one must raise ``InvariantViolation`` and leave every aggregate
(its state and its pending events) exactly as it was. After every step the invariants of
the programme are checked on the aggregates themselves, and at the end every aggregate
rebuilt from its events must equal the original.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain.base import CommandMetadata, acting_as
from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.group import Group, form_group
from domain.people import Mentee, Mentor
from domain.pin import pin_id_for
from domain.values import CohortState, EnglishLevel

PIN = pin_id_for("arec")
OTHER_PIN = pin_id_for("iccc")
COORDINATOR = CommandMetadata(actor="coordinator-1", correlation_id="corr-1")
MENTOR_CAPACITIES = (1, 2, 1)  # the PIN's mentors; one mentor of another PIN follows
MENTEES_OF_THE_PIN = 8  # one mentee of another PIN follows
ROUND_STARTS = (date(2025, 1, 13), date(2025, 9, 8))
MAX_ROUND_DAYS = 30

indices = st.integers(min_value=0, max_value=15)
group_names = st.sampled_from(["Bridges", "Tunnels", " Roads ", "", "   ", "x" * 201])
mostly_true = st.integers(0, 7).map(lambda n: n < 7)  # 7 of 8


def _mentor(tenant_id: UUID, n: int, capacity: int) -> Mentor:
    return Mentor.enrol(
        tenant_id,
        f"Mentor {n}",
        None,
        "Civil engineer",
        ["Romanian"],
        "Romanian",
        capacity=capacity,
    )


def _mentee(tenant_id: UUID, n: int) -> Mentee:
    return Mentee.enrol(
        tenant_id,
        f"Mentee {n}",
        None,
        "Civil engineer",
        "Romania",
        ["Romanian"],
        EnglishLevel.INTERMEDIATE,
        None,
        date(2024, 11, 4),
    )


@dataclass
class ModelSession:
    day: date
    held: bool = False
    attendance: dict[UUID, bool] = field(default_factory=dict)


@dataclass
class ModelGroup:
    """What the rules say a group should hold."""

    cohort: Cohort
    members: list[UUID] = field(default_factory=list)
    sessions: list[ModelSession] = field(default_factory=list)


def replay(events: list[Any]) -> Any:
    aggregate: Any = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class GroupMentoringRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        with acting_as(COORDINATOR):
            self.mentors = [_mentor(PIN, n, c) for n, c in enumerate(MENTOR_CAPACITIES)]
            self.mentors.append(_mentor(OTHER_PIN, 99, 3))
            self.mentees = [_mentee(PIN, n) for n in range(MENTEES_OF_THE_PIN)]
            self.mentees.append(_mentee(OTHER_PIN, 99))
        self.mentee_ids = [m.id for m in self.mentees]
        self.cohorts: list[Cohort] = []
        self.groups: list[Group] = []
        self.model: dict[UUID, ModelGroup] = {}
        self.placed: dict[UUID, dict[UUID, UUID]] = {}  # cohort id -> mentee id -> group id
        self.frozen: dict[UUID, list[tuple[int, str]]] = {}  # closed cohort -> its snapshot

    # ------------------------------------------------------------------ helpers

    def aggregates(self) -> list[Any]:
        return [*self.mentors, *self.mentees, *self.cohorts, *self.groups]

    @staticmethod
    def state_of(aggregate: Any) -> tuple[int, str]:
        """The number of pending events and a faithful rendering of every attribute."""
        state = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
        return len(aggregate.pending_events), repr(state)

    def snapshot(self) -> list[tuple[int, str]]:
        return [self.state_of(a) for a in self.aggregates()]

    def attempt(self, allowed: bool, command: Callable[[], Any]) -> Any:
        """Run ``command``; it must succeed if ``allowed`` and change nothing if refused."""
        before = self.snapshot()
        refused: InvariantViolation | None = None
        result: Any = None
        try:
            with acting_as(COORDINATOR):
                result = command()
        except InvariantViolation as error:
            refused = error
        if refused is not None:
            assert not allowed, f"an allowed command was refused: {refused}"
            assert self.snapshot() == before, f"a refused command changed state: {refused}"
            return None
        assert allowed, "a command the rules forbid was accepted"
        return result

    def cohort_of(self, group: Group) -> Cohort:
        return self.model[group.id].cohort

    def pick_group(
        self, index: int, preferring: Callable[[ModelGroup], bool] = bool
    ) -> tuple[Group, ModelGroup]:
        """Mostly a group the command suits (``preferring``), sometimes any group."""
        preferred = [g for g in self.groups if preferring(self.model[g.id])]
        candidates = preferred if preferred and index % 4 != 3 else self.groups
        group = candidates[index % len(candidates)]
        return group, self.model[group.id]

    def pick_cohort(self, group: Group, right_cohort: bool) -> Cohort:
        """The group's own cohort, or (sometimes) the other round."""
        own = self.cohort_of(group)
        return own if right_cohort else next(c for c in self.cohorts if c is not own)

    @staticmethod
    def pick_session(
        model: ModelGroup, index: int, *, prefer_held: bool = False
    ) -> tuple[int, ModelSession | None]:
        """Mostly one of the group's (held) sessions, sometimes any number from -1 to 6."""
        numbers = [n for n, s in enumerate(model.sessions, 1) if s.held or not prefer_held]
        number = numbers[index % len(numbers)] if numbers and index % 4 != 3 else index % 8 - 1
        exists = 1 <= number <= len(model.sessions)
        return number, model.sessions[number - 1] if exists else None

    def groups_of(self, cohort: Cohort) -> list[Group]:
        return [g for g in self.groups if g.cohort_id == cohort.id]

    # ------------------------------------------------------------------ set up

    @initialize(
        sizes=st.lists(
            st.tuples(
                st.integers(1, 6),  # minimum group size
                st.integers(0, 5),  # maximum minus minimum
                st.integers(1, 5),  # planned sessions
                st.integers(0, MAX_ROUND_DAYS),  # length of the round in days
            ),
            min_size=2,
            max_size=2,
        )
    )
    def plan_two_rounds(self, sizes: list[tuple[int, int, int, int]]) -> None:
        with acting_as(COORDINATOR):
            for n, (starts_on, (low, extra, planned, days)) in enumerate(
                zip(ROUND_STARTS, sizes, strict=True)
            ):
                cohort = Cohort.plan(
                    PIN,
                    f"Round {n + 1}",
                    starts_on,
                    starts_on + timedelta(days=days),
                    planned_sessions=planned,
                    min_group_size=low,
                    max_group_size=min(low + extra, 12),
                )
                self.cohorts.append(cohort)
                self.placed[cohort.id] = {}
        # Start from a group of the first round with two of the PIN's mentees and a session
        # on the first day of the round.
        self.form_a_group(cohort_index=0, mentor_index=0, name="Bridges")
        for mentee_index in range(2):
            self.add_a_mentee(group_index=0, mentee_index=mentee_index, right_cohort=True)
        self.schedule_a_session(group_index=0, day_offset=2, right_cohort=True)

    # ------------------------------------------------------------------ commands

    @rule(cohort_index=st.integers(0, 1), mentor_index=indices, name=group_names)
    def form_a_group(self, cohort_index: int, mentor_index: int, name: str) -> None:
        cohort = self.cohorts[cohort_index]
        mentor = self.mentors[mentor_index % len(self.mentors)]
        leads = sum(g.mentor_id == mentor.id for g in self.groups_of(cohort))
        allowed = (
            not cohort.is_closed
            and mentor.tenant_id == cohort.tenant_id
            and leads < mentor.capacity
            and 0 < len(name.strip()) <= 200
        )

        group = self.attempt(allowed, lambda: form_group(cohort, mentor, name))

        if allowed:
            assert group.name == name.strip()
            self.groups.append(group)
            self.model[group.id] = ModelGroup(cohort)

    @precondition(lambda self: self.groups)
    @rule(
        group_index=indices,
        mentee_index=indices,
        right_cohort=mostly_true,
    )
    def add_a_mentee(self, group_index: int, mentee_index: int, right_cohort: bool) -> None:
        group, model = self.pick_group(group_index)
        cohort = self.pick_cohort(group, right_cohort)
        mentee = self.mentees[mentee_index % len(self.mentees)]
        allowed = (
            right_cohort
            and not cohort.is_closed
            and mentee.tenant_id == group.tenant_id
            and mentee.id not in self.placed[cohort.id]
            and len(model.members) < cohort.max_group_size
        )

        self.attempt(allowed, lambda: group.add_mentee(cohort, mentee))

        if allowed:
            model.members.append(mentee.id)
            self.placed[cohort.id][mentee.id] = group.id

    @precondition(lambda self: self.groups)
    @rule(
        group_index=indices,
        mentee_index=indices,
        right_cohort=mostly_true,
    )
    def remove_a_mentee(self, group_index: int, mentee_index: int, right_cohort: bool) -> None:
        group, model = self.pick_group(group_index)
        cohort = self.pick_cohort(group, right_cohort)
        # Mostly pick one of the group's members, sometimes anyone.
        candidates = model.members if model.members and mentee_index % 4 != 3 else self.mentee_ids
        mentee_id = candidates[mentee_index % len(candidates)]
        allowed = (
            right_cohort
            and not cohort.is_closed
            and mentee_id in model.members
            and not any(mentee_id in s.attendance for s in model.sessions)
        )

        self.attempt(allowed, lambda: group.remove_mentee(cohort, mentee_id))

        if allowed:
            model.members.remove(mentee_id)
            del self.placed[cohort.id][mentee_id]

    @precondition(lambda self: self.groups)
    @rule(
        group_index=indices,
        day_offset=st.integers(0, MAX_ROUND_DAYS + 4),
        right_cohort=mostly_true,
    )
    def schedule_a_session(self, group_index: int, day_offset: int, right_cohort: bool) -> None:
        group, model = self.pick_group(group_index)
        cohort = self.pick_cohort(group, right_cohort)
        own = self.cohort_of(group)
        # From two days before the round to two days after it.
        length = (own.dates.ends_on - own.dates.starts_on).days
        day = own.dates.starts_on + timedelta(days=day_offset % (length + 5) - 2)
        allowed = (
            right_cohort
            and not cohort.is_closed
            and len(model.sessions) < own.planned_sessions
            and own.dates.starts_on <= day <= own.dates.ends_on
        )

        number = self.attempt(allowed, lambda: group.schedule_session(cohort, day, "Agenda"))

        if allowed:
            model.sessions.append(ModelSession(day))
            assert number == len(model.sessions)

    @precondition(lambda self: self.groups)
    @rule(
        group_index=indices,
        session_index=indices,
        days_after=st.integers(-2, 5),
        right_cohort=mostly_true,
    )
    def record_a_session_held(
        self, group_index: int, session_index: int, days_after: int, right_cohort: bool
    ) -> None:
        group, model = self.pick_group(group_index, lambda m: bool(m.sessions))
        cohort = self.pick_cohort(group, right_cohort)
        number, session = self.pick_session(model, session_index)
        base = session.day if session else self.cohort_of(group).dates.starts_on
        today = base + timedelta(days=days_after)
        allowed = (
            right_cohort
            and not cohort.is_closed
            and session is not None
            and not session.held
            and session.day <= today
        )

        self.attempt(allowed, lambda: group.record_session_held(cohort, number, today))

        if allowed:
            assert session is not None
            session.held = True

    @precondition(lambda self: self.groups)
    @rule(
        group_index=indices,
        session_index=indices,
        mentee_index=indices,
        present=st.booleans(),
        right_cohort=mostly_true,
    )
    def record_attendance(
        self,
        group_index: int,
        session_index: int,
        mentee_index: int,
        present: bool,
        right_cohort: bool,
    ) -> None:
        group, model = self.pick_group(
            group_index, lambda m: any(s.held for s in m.sessions) and bool(m.members)
        )
        cohort = self.pick_cohort(group, right_cohort)
        # Mostly pick one of the group's members, sometimes anyone.
        candidates = model.members if model.members and mentee_index % 4 != 3 else self.mentee_ids
        mentee_id = candidates[mentee_index % len(candidates)]
        number, session = self.pick_session(model, session_index, prefer_held=True)
        allowed = (
            right_cohort
            and not cohort.is_closed
            and session is not None
            and session.held
            and mentee_id in model.members
        )

        self.attempt(allowed, lambda: group.record_attendance(cohort, number, mentee_id, present))

        if allowed:
            assert session is not None
            session.attendance[mentee_id] = present

    @rule(cohort_index=st.integers(0, 1), close=st.booleans())
    def move_a_round_on(self, cohort_index: int, close: bool) -> None:
        """Start a round, or close it: planning → running → closed, and only that way."""
        cohort = self.cohorts[cohort_index]
        was = cohort.state
        allowed = was == (CohortState.RUNNING if close else CohortState.PLANNING)

        self.attempt(allowed, cohort.close if close else cohort.start)

        if not allowed:
            assert cohort.state == was
        elif close:
            assert cohort.state == CohortState.CLOSED
            assert cohort.is_closed
            self.frozen[cohort.id] = self.snapshot_of_round(cohort)
        else:
            assert cohort.state == CohortState.RUNNING

    def snapshot_of_round(self, cohort: Cohort) -> list[tuple[int, str]]:
        return [self.state_of(a) for a in [cohort, *self.groups_of(cohort)]]

    # ------------------------------------------------------------------ invariants

    @invariant()
    def no_group_is_over_its_maximum_size(self) -> None:
        for group in self.groups:
            cohort = self.cohort_of(group)
            assert group.max_size == cohort.max_group_size
            assert len(group.mentee_ids) <= group.max_size
            assert group.is_under_min_size == (len(group.mentee_ids) < cohort.min_group_size)

    @invariant()
    def a_mentee_is_in_at_most_one_group_per_round(self) -> None:
        for cohort in self.cohorts:
            groups = self.groups_of(cohort)
            memberships = Counter(m for g in groups for m in g.mentee_ids)
            assert all(n == 1 for n in memberships.values()), memberships
            register = {m: g.id for g in groups for m in g.mentee_ids}
            assert cohort.mentee_groups == register
            assert self.placed[cohort.id] == register

    @invariant()
    def a_mentor_leads_at_most_their_capacity_of_groups_per_round(self) -> None:
        capacities = {m.id: m.capacity for m in self.mentors}
        for cohort in self.cohorts:
            groups = self.groups_of(cohort)
            led = Counter(g.mentor_id for g in groups)
            assert all(led[mentor] <= capacities[mentor] for mentor in led), led
            assert +cohort.mentor_groups == led
            assert cohort.group_ids == [g.id for g in groups]

    @invariant()
    def everyone_in_a_group_belongs_to_its_pin(self) -> None:
        people = {p.id: p.tenant_id for p in [*self.mentors, *self.mentees]}
        for group in self.groups:
            assert group.tenant_id == PIN
            assert people[group.mentor_id] == PIN
            assert all(people[m] == PIN for m in group.mentee_ids)

    @invariant()
    def sessions_are_as_planned_and_inside_the_round(self) -> None:
        for group in self.groups:
            dates = self.cohort_of(group).dates
            assert len(group.sessions) <= group.planned_sessions
            assert [s.number for s in group.sessions] == list(range(1, len(group.sessions) + 1))
            assert all(s.scheduled_on in dates for s in group.sessions)

    @invariant()
    def attendance_is_only_for_members_at_held_sessions(self) -> None:
        for group in self.groups:
            for session in group.sessions:
                assert set(session.attendance) <= set(group.mentee_ids)
                assert session.held or not session.attendance

    @invariant()
    def the_groups_are_what_the_rules_predict(self) -> None:
        for group in self.groups:
            model = self.model[group.id]
            assert group.mentee_ids == model.members
            assert [(s.scheduled_on, s.held, s.attendance) for s in group.sessions] == [
                (s.day, s.held, s.attendance) for s in model.sessions
            ]

    @invariant()
    def a_placed_mentee_remembers_the_round(self) -> None:
        for mentee in self.mentees:
            for cohort in self.cohorts:
                if mentee.id in cohort.mentee_groups:
                    assert mentee.rounds[cohort.id] == cohort.dates

    @invariant()
    def nothing_changes_in_a_closed_round(self) -> None:
        for cohort in self.cohorts:
            if cohort.id in self.frozen:
                assert self.snapshot_of_round(cohort) == self.frozen[cohort.id]

    @invariant()
    def every_event_carries_tenant_actor_and_correlation_id(self) -> None:
        for aggregate in self.aggregates():
            for recorded in aggregate.pending_events:
                assert recorded.tenant_id == aggregate.tenant_id
                assert (recorded.actor, recorded.correlation_id) == ("coordinator-1", "corr-1")

    def teardown(self) -> None:
        for aggregate in self.aggregates():
            events = list(aggregate.pending_events)
            copy = replay(events)
            assert {k: v for k, v in vars(copy).items() if k != "_pending_events"} == {
                k: v for k, v in vars(aggregate).items() if k != "_pending_events"
            }, type(aggregate).__name__


GroupMentoringRules.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGroupMentoringRules = GroupMentoringRules.TestCase
