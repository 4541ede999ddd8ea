"""A round of mentoring moves planning → running → closed, and a closed round is final."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain.cohort import Cohort
from domain.errors import InvalidValue, InvariantViolation
from domain.group import Group, form_group
from domain.people import Mentee, Mentor
from domain.values import CohortState


class TestPlanningARound:
    def test_a_new_round_is_in_planning_with_the_programmes_defaults(
        self, cohort: Cohort, pin_id: UUID
    ) -> None:
        assert cohort.state is CohortState.PLANNING
        assert cohort.tenant_id == pin_id
        assert cohort.name == "Spring 2025 engineers"
        assert (cohort.dates.starts_on, cohort.dates.ends_on) == (
            date(2025, 1, 13),
            date(2025, 5, 9),
        )
        assert cohort.planned_sessions == 5
        assert (cohort.min_group_size, cohort.max_group_size) == (5, 6)
        assert not cohort.is_closed

    def test_a_round_cannot_end_before_it_starts(self, make_cohort: Callable[..., Cohort]) -> None:
        with pytest.raises(InvalidValue) as refused:
            make_cohort(starts_on=date(2025, 5, 9), ends_on=date(2025, 5, 8))

        assert "cannot end (2025-05-08) before it starts (2025-05-09)" in str(refused.value)

    def test_a_round_needs_a_name(self, make_cohort: Callable[..., Cohort]) -> None:
        with pytest.raises(InvalidValue, match="name must not be empty"):
            make_cohort(name=" ")

    @pytest.mark.parametrize(("min_size", "max_size"), [(0, 6), (7, 6), (5, 13), (-1, -1)])
    def test_group_sizes_must_be_sensible(
        self, make_cohort: Callable[..., Cohort], min_size: int, max_size: int
    ) -> None:
        with pytest.raises(InvalidValue, match="group sizes must satisfy"):
            make_cohort(min_group_size=min_size, max_group_size=max_size)

    @pytest.mark.parametrize(("min_size", "max_size"), [(1, 1), (3, 3), (1, 12), (12, 12)])
    def test_group_sizes_between_one_and_twelve_are_accepted(
        self, make_cohort: Callable[..., Cohort], min_size: int, max_size: int
    ) -> None:
        cohort = make_cohort(min_group_size=min_size, max_group_size=max_size)

        assert (cohort.min_group_size, cohort.max_group_size) == (min_size, max_size)


class TestStateMachine:
    def test_a_round_starts_then_closes(self, cohort: Cohort) -> None:
        states = [cohort.state]

        cohort.start()
        states.append(cohort.state)
        assert not cohort.is_closed
        cohort.close()
        states.append(cohort.state)

        assert states == [CohortState.PLANNING, CohortState.RUNNING, CohortState.CLOSED]
        assert cohort.is_closed

    def test_a_round_in_planning_cannot_close(self, cohort: Cohort) -> None:
        with pytest.raises(InvariantViolation) as refused:
            cohort.close()

        assert "Only a running cohort can close" in str(refused.value)
        assert "'Spring 2025 engineers' is planning" in str(refused.value)
        assert cohort.state is CohortState.PLANNING

    def test_a_running_round_cannot_start_again(self, cohort: Cohort) -> None:
        cohort.start()

        with pytest.raises(InvariantViolation, match="'Spring 2025 engineers' is running"):
            cohort.start()

        assert cohort.state is CohortState.RUNNING

    @pytest.mark.parametrize("command", [Cohort.start, Cohort.close])
    def test_a_closed_round_neither_starts_nor_closes_again(
        self,
        cohort: Cohort,
        command: Callable[[Cohort], None],
        event_count: Callable[..., int],
    ) -> None:
        cohort.start()
        cohort.close()
        before = event_count(cohort)

        with pytest.raises(InvariantViolation, match="'Spring 2025 engineers' is closed"):
            command(cohort)

        assert cohort.state is CohortState.CLOSED
        assert event_count(cohort) == before

    def test_groups_are_formed_and_filled_while_planning_and_while_running(
        self, cohort: Cohort, make_group: Callable[..., Group]
    ) -> None:
        planned_early = make_group(cohort, mentees=5)
        cohort.start()
        formed_later = make_group(cohort, mentees=6)

        assert cohort.group_ids == [planned_early.id, formed_later.id]
        assert len(cohort.mentee_groups) == 11


class TestAClosedRoundAcceptsNoChanges:
    """Every change to a closed round, its groups, sessions and attendance is refused."""

    @pytest.fixture
    def closed(self, cohort: Cohort, make_group: Callable[..., Group]) -> tuple[Cohort, Group]:
        group = make_group(cohort, mentees=5, name="Bridges")
        day = cohort.dates.starts_on
        group.schedule_session(cohort, day, "Welcome")
        group.schedule_session(cohort, day + timedelta(weeks=2), "Interviews")
        group.record_session_held(cohort, 1, today=day)
        cohort.start()
        cohort.close()
        return cohort, group

    def test_no_group_can_be_formed(
        self, closed: tuple[Cohort, Group], make_mentor: Callable[..., Mentor]
    ) -> None:
        cohort, _ = closed
        mentor = make_mentor()

        with pytest.raises(InvariantViolation) as refused:
            form_group(cohort, mentor, "Latecomers")

        assert "Cohort 'Spring 2025 engineers' is closed and accepts no changes" in str(
            refused.value
        )
        assert cohort.mentor_groups[mentor.id] == 0

    def test_no_mentee_can_be_added(
        self,
        closed: tuple[Cohort, Group],
        make_mentee: Callable[..., Mentee],
        event_count: Callable[..., int],
    ) -> None:
        cohort, group = closed
        mentee = make_mentee()
        before = event_count(cohort, group, mentee)

        with pytest.raises(InvariantViolation, match="is closed and accepts no changes"):
            group.add_mentee(cohort, mentee)

        assert len(group.mentee_ids) == 5
        assert mentee.rounds == {}
        assert event_count(cohort, group, mentee) == before

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(lambda c, g: g.remove_mentee(c, g.mentee_ids[0]), id="remove mentee"),
            pytest.param(
                lambda c, g: g.schedule_session(c, c.dates.ends_on, "Extra"), id="schedule"
            ),
            pytest.param(
                lambda c, g: g.record_session_held(c, 2, today=c.dates.ends_on), id="held"
            ),
            pytest.param(
                lambda c, g: g.record_attendance(c, 1, g.mentee_ids[0], present=True),
                id="attendance",
            ),
        ],
    )
    def test_no_group_change_is_accepted(
        self,
        closed: tuple[Cohort, Group],
        change: Callable[[Cohort, Group], object],
    ) -> None:
        cohort, group = closed
        cohort_before, group_before = deepcopy(cohort), deepcopy(group)

        with pytest.raises(InvariantViolation, match="is closed and accepts no changes"):
            change(cohort, group)

        assert cohort == cohort_before
        assert group == group_before
        assert len(group.mentee_ids) == 5
        assert len(group.sessions) == 2
        assert [s.held for s in group.sessions] == [True, False]
        assert group.sessions[0].attendance == {}

    def test_the_cohort_itself_refuses_placements(self, closed: tuple[Cohort, Group]) -> None:
        cohort, group = closed

        with pytest.raises(InvariantViolation, match="is closed"):
            cohort.release_mentee(group.mentee_ids[0])
        with pytest.raises(InvariantViolation, match="is closed"):
            cohort.place_mentee(UUID(int=1), group.id)
        with pytest.raises(InvariantViolation, match="is closed"):
            cohort.register_group(UUID(int=2), UUID(int=3), mentor_capacity=3)
