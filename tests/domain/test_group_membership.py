"""Who is in a group: one mentor, five or six mentees, each mentee in one group per round."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest

from domain.cohort import Cohort
from domain.errors import CrossTenantViolation, InvalidValue, InvariantViolation
from domain.group import Group, form_group
from domain.people import Mentee, Mentor


class TestOneMentorPerGroup:
    def test_a_group_is_led_by_the_mentor_it_was_formed_with(
        self, cohort: Cohort, mentor: Mentor
    ) -> None:
        group = form_group(cohort, mentor, "Bridges")

        assert group.mentor_id == mentor.id
        assert group.cohort_id == cohort.id
        assert group.tenant_id == cohort.tenant_id
        assert group.name == "Bridges"
        assert group.mentee_ids == []
        assert cohort.group_ids == [group.id]
        assert cohort.mentor_groups[mentor.id] == 1

    def test_a_group_takes_its_sizes_and_sessions_from_the_cohort(
        self, make_cohort: Callable[..., Cohort], mentor: Mentor
    ) -> None:
        cohort = make_cohort(planned_sessions=4, min_group_size=3, max_group_size=4)

        group = form_group(cohort, mentor, "Bridges")

        assert (group.min_size, group.max_size, group.planned_sessions) == (3, 4, 4)

    def test_a_group_name_is_trimmed(self, cohort: Cohort, mentor: Mentor) -> None:
        assert form_group(cohort, mentor, "  Bridges  ").name == "Bridges"

    def test_a_group_with_a_blank_name_is_refused_without_using_the_mentors_capacity(
        self, cohort: Cohort, mentor: Mentor
    ) -> None:
        with pytest.raises(InvalidValue, match="name must not be empty"):
            form_group(cohort, mentor, "   ")

        assert cohort.group_ids == []
        assert cohort.mentor_groups[mentor.id] == 0
        assert len(cohort.pending_events) == 1  # only "Planned"
        assert form_group(cohort, mentor, "Bridges").mentor_id == mentor.id


class TestGroupSize:
    def test_a_group_takes_six_mentees_by_default(
        self, cohort: Cohort, group: Group, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentees = [make_mentee() for _ in range(6)]

        for mentee in mentees:
            group.add_mentee(cohort, mentee)

        assert group.mentee_ids == [m.id for m in mentees]
        assert cohort.mentee_groups == {m.id: group.id for m in mentees}

    def test_a_group_cannot_take_a_seventh_mentee(
        self,
        cohort: Cohort,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
        event_count: Callable[..., int],
    ) -> None:
        group = make_group(cohort, mentees=6, name="Bridges")
        seventh = make_mentee()
        before = event_count(cohort, group, seventh)

        with pytest.raises(InvariantViolation) as refused:
            group.add_mentee(cohort, seventh)

        message = str(refused.value)
        assert "'Bridges'" in message
        assert "6 mentees" in message
        assert "at most 6" in message
        assert len(group.mentee_ids) == 6
        assert seventh.id not in cohort.mentee_groups
        assert seventh.rounds == {}
        assert event_count(cohort, group, seventh) == before

    def test_the_maximum_size_is_the_cohorts(
        self,
        make_cohort: Callable[..., Cohort],
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        cohort = make_cohort(min_group_size=2, max_group_size=3)
        group = make_group(cohort, mentees=3)

        with pytest.raises(InvariantViolation, match="at most 3"):
            group.add_mentee(cohort, make_mentee())

    @pytest.mark.parametrize(
        ("mentees", "flagged"), [(0, True), (1, True), (4, True), (5, False), (6, False)]
    )
    def test_a_group_under_five_mentees_is_allowed_but_flagged(
        self, cohort: Cohort, make_group: Callable[..., Group], mentees: int, flagged: bool
    ) -> None:
        group = make_group(cohort, mentees=mentees)

        assert len(group.mentee_ids) == mentees
        assert group.is_under_min_size is flagged

    def test_the_minimum_size_is_the_cohorts(
        self, make_cohort: Callable[..., Cohort], make_group: Callable[..., Group]
    ) -> None:
        cohort = make_cohort(min_group_size=3, max_group_size=6)

        assert make_group(cohort, mentees=2).is_under_min_size
        assert not make_group(cohort, mentees=3).is_under_min_size

    def test_removing_a_mentee_can_bring_a_group_under_the_minimum(
        self, cohort: Cohort, make_group: Callable[..., Group]
    ) -> None:
        group = make_group(cohort, mentees=5)
        assert not group.is_under_min_size

        group.remove_mentee(cohort, group.mentee_ids[0])

        assert group.is_under_min_size


class TestOneGroupPerMenteePerRound:
    def test_a_mentee_is_in_at_most_one_group_per_round(
        self,
        cohort: Cohort,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
        event_count: Callable[..., int],
    ) -> None:
        first, second = make_group(cohort), make_group(cohort)
        mentee = make_mentee()
        first.add_mentee(cohort, mentee)
        before = event_count(cohort, first, second, mentee)

        with pytest.raises(InvariantViolation) as refused:
            second.add_mentee(cohort, mentee)

        message = str(refused.value)
        assert "already in another group" in message
        assert "'Spring 2025 engineers'" in message
        assert "at most one group per round" in message
        assert cohort.mentee_groups[mentee.id] == first.id
        assert second.mentee_ids == []
        assert event_count(cohort, first, second, mentee) == before

    def test_a_mentee_cannot_join_the_same_group_twice(
        self, cohort: Cohort, group: Group, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee()
        group.add_mentee(cohort, mentee)

        with pytest.raises(InvariantViolation, match="already in group 'Bridges'"):
            group.add_mentee(cohort, mentee)

        assert group.mentee_ids == [mentee.id]

    def test_a_mentee_can_be_in_a_group_of_each_round(
        self,
        make_cohort: Callable[..., Cohort],
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        spring = make_cohort(name="Spring")
        autumn = make_cohort(
            name="Autumn",
            starts_on=spring.dates.ends_on + timedelta(days=100),
            ends_on=spring.dates.ends_on + timedelta(days=220),
        )
        mentee = make_mentee()

        make_group(spring).add_mentee(spring, mentee)
        make_group(autumn).add_mentee(autumn, mentee)

        assert mentee.id in spring.mentee_groups
        assert mentee.id in autumn.mentee_groups
        assert set(mentee.rounds) == {spring.id, autumn.id}

    def test_a_mentee_removed_from_a_group_can_join_another_group_of_the_round(
        self,
        cohort: Cohort,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        first, second = make_group(cohort), make_group(cohort)
        mentee = make_mentee()
        first.add_mentee(cohort, mentee)

        first.remove_mentee(cohort, mentee.id)
        second.add_mentee(cohort, mentee)

        assert first.mentee_ids == []
        assert second.mentee_ids == [mentee.id]
        assert cohort.mentee_groups == {mentee.id: second.id}

    def test_only_a_member_can_be_removed(self, cohort: Cohort, group: Group) -> None:
        with pytest.raises(InvariantViolation, match="not in group 'Bridges'"):
            group.remove_mentee(cohort, UUID(int=7))

    def test_a_mentee_with_recorded_attendance_cannot_be_removed(
        self, cohort: Cohort, make_group: Callable[..., Group]
    ) -> None:
        group = make_group(cohort, mentees=5)
        day = cohort.dates.starts_on
        group.schedule_session(cohort, day, "Licensing in Ontario")
        group.record_session_held(cohort, 1, today=day)
        mentee_id = group.mentee_ids[0]
        group.record_attendance(cohort, 1, mentee_id, present=False)

        with pytest.raises(InvariantViolation, match="recorded attendance"):
            group.remove_mentee(cohort, mentee_id)

        assert mentee_id in group.mentee_ids
        assert cohort.mentee_groups[mentee_id] == group.id


class TestMentorCapacity:
    def test_a_mentor_leads_one_group_per_round_by_default(
        self, cohort: Cohort, mentor: Mentor, event_count: Callable[..., int]
    ) -> None:
        form_group(cohort, mentor, "Bridges")
        before = event_count(cohort)

        with pytest.raises(InvariantViolation) as refused:
            form_group(cohort, mentor, "Tunnels")

        message = str(refused.value)
        assert "already leads 1 group(s)" in message
        assert "'Spring 2025 engineers'" in message
        assert "capacity is 1" in message
        assert cohort.mentor_groups[mentor.id] == 1
        assert len(cohort.group_ids) == 1
        assert event_count(cohort) == before

    def test_a_mentor_with_capacity_two_leads_two_groups_but_not_three(
        self, cohort: Cohort, make_mentor: Callable[..., Mentor]
    ) -> None:
        mentor = make_mentor(capacity=2)
        first = form_group(cohort, mentor, "Bridges")
        second = form_group(cohort, mentor, "Tunnels")

        with pytest.raises(InvariantViolation, match="capacity is 2"):
            form_group(cohort, mentor, "Roads")

        assert first.mentor_id == second.mentor_id == mentor.id
        assert cohort.mentor_groups[mentor.id] == 2

    def test_the_capacity_counts_per_round(
        self, make_cohort: Callable[..., Cohort], mentor: Mentor
    ) -> None:
        spring, autumn = make_cohort(name="Spring"), make_cohort(name="Autumn")

        form_group(spring, mentor, "Bridges")
        form_group(autumn, mentor, "Bridges")

        assert spring.mentor_groups[mentor.id] == autumn.mentor_groups[mentor.id] == 1

    def test_the_capacity_is_counted_per_mentor(
        self, cohort: Cohort, make_mentor: Callable[..., Mentor]
    ) -> None:
        mentors = [make_mentor() for _ in range(3)]

        groups = [form_group(cohort, m, f"Group {i}") for i, m in enumerate(mentors)]

        assert {g.mentor_id for g in groups} == {m.id for m in mentors}

    @pytest.mark.parametrize("capacity", [1, 2, 3])
    def test_a_mentor_volunteers_for_one_to_three_groups(
        self, make_mentor: Callable[..., Mentor], capacity: int
    ) -> None:
        assert make_mentor(capacity=capacity).capacity == capacity

    @pytest.mark.parametrize("capacity", [-1, 0, 4])
    def test_a_mentor_capacity_outside_one_to_three_is_refused(
        self, make_mentor: Callable[..., Mentor], capacity: int
    ) -> None:
        with pytest.raises(InvalidValue, match="capacity must be between 1 and 3 groups"):
            make_mentor(capacity=capacity)


class TestEveryoneInAGroupBelongsToItsPin:
    def test_a_mentee_of_another_pin_cannot_join_a_group(
        self,
        cohort: Cohort,
        group: Group,
        make_mentee: Callable[..., Mentee],
        other_pin_id: UUID,
        event_count: Callable[..., int],
    ) -> None:
        stranger = make_mentee(tenant_id=other_pin_id)
        before = event_count(cohort, group, stranger)

        with pytest.raises(CrossTenantViolation) as refused:
            group.add_mentee(cohort, stranger)

        assert "The mentee belongs to another PIN" in str(refused.value)
        assert group.mentee_ids == []
        assert cohort.mentee_groups == {}
        assert stranger.rounds == {}
        assert event_count(cohort, group, stranger) == before

    def test_a_mentor_of_another_pin_cannot_lead_a_group(
        self,
        cohort: Cohort,
        make_mentor: Callable[..., Mentor],
        other_pin_id: UUID,
        event_count: Callable[..., int],
    ) -> None:
        stranger = make_mentor(tenant_id=other_pin_id)
        before = event_count(cohort)

        with pytest.raises(CrossTenantViolation, match="The mentor belongs to another PIN"):
            form_group(cohort, stranger, "Bridges")

        assert cohort.group_ids == []
        assert cohort.mentor_groups[stranger.id] == 0
        assert event_count(cohort) == before

    @pytest.mark.parametrize("error", [CrossTenantViolation, InvalidValue])
    def test_every_refusal_is_an_invariant_violation(self, error: type[Exception]) -> None:
        assert issubclass(error, InvariantViolation)


class TestAGroupWorksWithItsOwnCohort:
    def test_a_group_refuses_commands_given_another_cohort(
        self,
        cohort: Cohort,
        group: Group,
        make_cohort: Callable[..., Cohort],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        other = make_cohort(name="Autumn")
        mentee = make_mentee()

        with pytest.raises(InvariantViolation, match="belongs to another cohort"):
            group.add_mentee(other, mentee)
        with pytest.raises(InvariantViolation, match="belongs to another cohort"):
            group.schedule_session(other, other.dates.starts_on, "Welcome")

        assert group.mentee_ids == []
        assert other.mentee_groups == {}
        assert mentee.rounds == {}

    def test_a_cohort_places_mentees_only_in_its_own_groups(
        self, cohort: Cohort, make_mentee: Callable[..., Mentee]
    ) -> None:
        with pytest.raises(InvariantViolation, match="does not belong to this cohort"):
            cohort.place_mentee(make_mentee().id, UUID(int=1))

    def test_joining_a_group_remembers_the_round_for_the_mentee(
        self, cohort: Cohort, group: Group, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee()

        group.add_mentee(cohort, mentee)

        assert mentee.rounds[cohort.id] == cohort.dates
