"""Sessions of a group: five per round, inside the round's dates, attendance once held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from domain.cohort import Cohort
from domain.errors import InvalidValue, InvariantViolation
from domain.group import Group
from domain.people import Mentee

ONE_DAY = timedelta(days=1)


def weekly(cohort: Cohort, count: int) -> list[date]:
    return [cohort.dates.starts_on + timedelta(weeks=i) for i in range(count)]


class TestPlannedSessions:
    def test_a_group_schedules_the_five_planned_sessions_numbered_from_one(
        self, cohort: Cohort, group: Group
    ) -> None:
        days = weekly(cohort, 5)

        numbers = [group.schedule_session(cohort, day, f"Topic {i}") for i, day in enumerate(days)]

        assert numbers == [1, 2, 3, 4, 5]
        assert [s.number for s in group.sessions] == numbers
        assert [s.scheduled_on for s in group.sessions] == days
        assert not any(s.held for s in group.sessions)

    def test_a_group_cannot_schedule_a_sixth_session(
        self, cohort: Cohort, group: Group, event_count: Callable[..., int]
    ) -> None:
        for day in weekly(cohort, 5):
            group.schedule_session(cohort, day, "Networking")
        before = event_count(group)

        with pytest.raises(InvariantViolation) as refused:
            group.schedule_session(cohort, cohort.dates.ends_on, "One more")

        message = str(refused.value)
        assert "'Bridges'" in message
        assert "already has 5 sessions" in message
        assert "plans 5" in message
        assert len(group.sessions) == 5
        assert event_count(group) == before

    def test_the_number_of_sessions_is_the_cohorts(
        self, make_cohort: Callable[..., Cohort], make_group: Callable[..., Group]
    ) -> None:
        cohort = make_cohort(planned_sessions=2)
        group = make_group(cohort)
        for day in weekly(cohort, 2):
            group.schedule_session(cohort, day, "Networking")

        with pytest.raises(InvariantViolation, match="plans 2"):
            group.schedule_session(cohort, cohort.dates.ends_on, "One more")

    @pytest.mark.parametrize("planned", [0, 21])
    def test_a_cohort_plans_between_one_and_twenty_sessions(
        self, make_cohort: Callable[..., Cohort], planned: int
    ) -> None:
        with pytest.raises(InvalidValue, match="planned sessions must be between 1 and 20"):
            make_cohort(planned_sessions=planned)

    def test_a_session_needs_an_agenda(self, cohort: Cohort, group: Group) -> None:
        with pytest.raises(InvalidValue, match="agenda must not be empty"):
            group.schedule_session(cohort, cohort.dates.starts_on, "  ")

        assert group.sessions == []


class TestSessionDates:
    def test_a_session_can_be_on_the_first_and_on_the_last_day_of_the_round(
        self, cohort: Cohort, group: Group
    ) -> None:
        group.schedule_session(cohort, cohort.dates.starts_on, "Welcome")
        group.schedule_session(cohort, cohort.dates.ends_on, "Farewell")

        assert [s.scheduled_on for s in group.sessions] == [
            cohort.dates.starts_on,
            cohort.dates.ends_on,
        ]

    def test_a_session_the_day_before_the_round_starts_is_refused(
        self, cohort: Cohort, group: Group
    ) -> None:
        day_before = cohort.dates.starts_on - ONE_DAY

        with pytest.raises(InvariantViolation) as refused:
            group.schedule_session(cohort, day_before, "Too early")

        message = str(refused.value)
        assert "inside the round (2025-01-13 to 2025-05-09)" in message
        assert "2025-01-12 is not" in message
        assert group.sessions == []

    def test_a_session_the_day_after_the_round_ends_is_refused(
        self, cohort: Cohort, group: Group
    ) -> None:
        with pytest.raises(InvariantViolation, match="2025-05-10 is not"):
            group.schedule_session(cohort, cohort.dates.ends_on + ONE_DAY, "Too late")

        assert group.sessions == []

    def test_a_one_day_round_takes_sessions_on_that_day_only(
        self, make_cohort: Callable[..., Cohort], make_group: Callable[..., Group]
    ) -> None:
        day = date(2025, 3, 1)
        cohort = make_cohort(starts_on=day, ends_on=day)
        group = make_group(cohort)

        group.schedule_session(cohort, day, "Workshop")
        with pytest.raises(InvariantViolation, match="inside the round"):
            group.schedule_session(cohort, day + ONE_DAY, "Follow-up")


class TestSessionHeld:
    def test_a_session_is_held_on_or_after_its_day(self, cohort: Cohort, group: Group) -> None:
        day = cohort.dates.starts_on
        group.schedule_session(cohort, day, "Welcome")
        group.schedule_session(cohort, day + ONE_DAY, "Resumes")

        group.record_session_held(cohort, 1, today=day)
        group.record_session_held(cohort, 2, today=day + timedelta(days=30))

        assert [s.held for s in group.sessions] == [True, True]

    def test_a_session_in_the_future_cannot_be_recorded_as_held(
        self, cohort: Cohort, group: Group, event_count: Callable[..., int]
    ) -> None:
        day = cohort.dates.starts_on + timedelta(days=7)
        group.schedule_session(cohort, day, "Welcome")
        before = event_count(group)

        with pytest.raises(InvariantViolation) as refused:
            group.record_session_held(cohort, 1, today=day - ONE_DAY)

        message = str(refused.value)
        assert "Session 1 is scheduled for 2025-01-20" in message
        assert "cannot have taken place yet" in message
        assert not group.sessions[0].held
        assert event_count(group) == before

    def test_a_session_is_recorded_as_held_once(self, cohort: Cohort, group: Group) -> None:
        day = cohort.dates.starts_on
        group.schedule_session(cohort, day, "Welcome")
        group.record_session_held(cohort, 1, today=day)

        with pytest.raises(InvariantViolation, match="Session 1 is already recorded as held"):
            group.record_session_held(cohort, 1, today=day)

    @pytest.mark.parametrize("number", [0, 2, 6])
    def test_only_a_scheduled_session_can_be_held(
        self, cohort: Cohort, group: Group, number: int
    ) -> None:
        group.schedule_session(cohort, cohort.dates.starts_on, "Welcome")

        with pytest.raises(InvariantViolation, match=f"'Bridges' has no session {number}"):
            group.record_session_held(cohort, number, today=cohort.dates.ends_on)


class TestAttendance:
    @pytest.fixture
    def held_group(self, cohort: Cohort, make_group: Callable[..., Group]) -> Group:
        """A group of five whose first session is held and second is only scheduled."""
        group = make_group(cohort, mentees=5, name="Bridges")
        day = cohort.dates.starts_on
        group.schedule_session(cohort, day, "Welcome")
        group.schedule_session(cohort, day + timedelta(weeks=3), "Interviews")
        group.record_session_held(cohort, 1, today=day)
        return group

    def test_attendance_is_recorded_for_members_at_a_held_session(
        self, cohort: Cohort, held_group: Group
    ) -> None:
        present, absent = held_group.mentee_ids[:2]

        held_group.record_attendance(cohort, 1, present, present=True)
        held_group.record_attendance(cohort, 1, absent, present=False)

        assert held_group.sessions[0].attendance == {present: True, absent: False}

    def test_attendance_is_only_for_members_of_the_group(
        self,
        cohort: Cohort,
        held_group: Group,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
        event_count: Callable[..., int],
    ) -> None:
        member_of_another_group = make_group(cohort, mentees=1).mentee_ids[0]
        not_placed = make_mentee().id
        before = event_count(held_group)

        for outsider in (member_of_another_group, not_placed):
            with pytest.raises(InvariantViolation) as refused:
                held_group.record_attendance(cohort, 1, outsider, present=True)
            assert "only recorded for members of group 'Bridges'" in str(refused.value)

        assert held_group.sessions[0].attendance == {}
        assert event_count(held_group) == before

    def test_attendance_is_only_for_a_session_recorded_as_held(
        self, cohort: Cohort, held_group: Group
    ) -> None:
        with pytest.raises(InvariantViolation) as refused:
            held_group.record_attendance(cohort, 2, held_group.mentee_ids[0], present=True)

        assert "Session 2 has not taken place" in str(refused.value)
        assert "record it as held first" in str(refused.value)
        assert held_group.sessions[1].attendance == {}

    def test_attendance_is_only_for_a_scheduled_session(
        self, cohort: Cohort, held_group: Group
    ) -> None:
        with pytest.raises(InvariantViolation, match="has no session 3"):
            held_group.record_attendance(cohort, 3, held_group.mentee_ids[0], present=True)

    def test_a_removed_mentee_no_longer_has_attendance_recorded(
        self, cohort: Cohort, held_group: Group
    ) -> None:
        mentee_id = held_group.mentee_ids[0]
        held_group.remove_mentee(cohort, mentee_id)

        with pytest.raises(InvariantViolation, match="only recorded for members"):
            held_group.record_attendance(cohort, 1, mentee_id, present=True)
