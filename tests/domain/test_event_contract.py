"""The event contract: who asked, for which PIN, in which request; and nothing leaks or drifts.

Every event carries ``tenant_id``, ``actor`` and ``correlation_id``; personal data never
shows in a ``repr``; and an aggregate rebuilt from its events equals the original.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast
from uuid import UUID

import pytest

from domain.activity import SharedActivity
from domain.base import SYSTEM, CommandMetadata, TenantAggregate, acting_as
from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.group import Group, form_group
from domain.people import Mentee, Mentor
from domain.pin import Pin, pin_id_for
from domain.values import EnglishLevel, OutcomeKind, PersonalData

COORDINATOR = CommandMetadata(actor="coordinator-7f3a", correlation_id="req-0001")
MENTOR_ACTOR = CommandMetadata(actor="mentor-91bc", correlation_id="req-0002")


def stamped(aggregate: TenantAggregate) -> list[TenantAggregate.Event]:
    """The pending events of ``aggregate``, typed as the events every aggregate records."""
    return cast(list[TenantAggregate.Event], aggregate.pending_events)


@dataclass
class Programme:
    """One of every aggregate, each having recorded several kinds of events."""

    pin: Pin
    cohort: Cohort
    mentor: Mentor
    mentees: list[Mentee]
    group: Group
    activity: SharedActivity

    def aggregates(self) -> list[Any]:
        return [self.pin, self.cohort, self.mentor, *self.mentees, self.group, self.activity]


def run_a_round(pin_id: UUID, other_pin_id: UUID) -> Programme:
    """Plan, staff, run and close a round; stamp the mentor's commands with their metadata."""
    with acting_as(COORDINATOR):
        pin = Pin.register("arec", "AREC", ["Romanian"], ["Engineering"])
        pin.update_profile("Association of Romanian Engineers", ["Romanian"], ["Engineering"])
        cohort = Cohort.plan(pin_id, "Spring 2025", date(2025, 1, 13), date(2025, 5, 9))
        mentor = Mentor.enrol(
            pin_id, "Radu", "radu@example.org", "Civil engineer", ["Romanian"], "Romanian"
        )
        mentees = [
            Mentee.enrol(
                pin_id,
                f"Mentee {i}",
                None,
                "Civil engineer",
                "Romania",
                ["Romanian"],
                EnglishLevel.INTERMEDIATE,
                "Find work" if i % 2 else None,
                date(2024, 11, 4),
            )
            for i in range(6)
        ]
        group = form_group(cohort, mentor, "Bridges")
        for mentee in mentees:
            group.add_mentee(cohort, mentee)
        group.remove_mentee(cohort, mentees[-1].id)
        cohort.start()
    with acting_as(MENTOR_ACTOR):
        day = cohort.dates.starts_on
        for week in range(3):
            group.schedule_session(cohort, day + timedelta(weeks=week), f"Topic {week}")
        group.record_session_held(cohort, 1, today=day)
        group.record_attendance(cohort, 1, mentees[0].id, present=True)
        group.record_attendance(cohort, 1, mentees[1].id, present=False)
        mentor.record_training("Facilitating groups", date(2024, 12, 1))
    with acting_as(COORDINATOR):
        mentees[0].record_training("Interview skills", date(2025, 2, 1))
        mentees[0].record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 6, 1), "Offer letter")
        mentees[1].record_outcome(OutcomeKind.LICENCE_OBTAINED, date(2027, 1, 1), "P.Eng.")
        cohort.close()
        activity = SharedActivity.host(pin_id, "Networking night", date(2025, 3, 15), "All.", 50)
        activity.register(mentees[0])
        guest = Mentor.enrol(other_pin_id, "Guest", None, "Architect", ["Arabic"], "Iraqi")
        activity.register(guest)
        activity.cancel_registration(guest.id, other_pin_id)
    return Programme(pin, cohort, mentor, mentees, group, activity)


@pytest.fixture
def programme(pin_id: UUID, other_pin_id: UUID) -> Programme:
    return run_a_round(pin_id, other_pin_id)


class TestEveryEventSaysWhoWhereAndWhy:
    def test_every_event_carries_the_tenant_actor_and_correlation_id(
        self, programme: Programme, pin_id: UUID
    ) -> None:
        events = [e for agg in programme.aggregates() for e in agg.pending_events]

        assert len(events) > 40
        for recorded in events:
            assert recorded.tenant_id == pin_id, recorded
            assert recorded.actor in {COORDINATOR.actor, MENTOR_ACTOR.actor}, recorded
            assert recorded.correlation_id in {"req-0001", "req-0002"}, recorded

    def test_events_carry_the_metadata_of_the_command_that_caused_them(
        self, programme: Programme
    ) -> None:
        stamps = {type(e).__name__: (e.actor, e.correlation_id) for e in stamped(programme.group)}

        assert stamps["Formed"] == ("coordinator-7f3a", "req-0001")
        assert stamps["MenteeAdded"] == ("coordinator-7f3a", "req-0001")
        assert stamps["SessionScheduled"] == ("mentor-91bc", "req-0002")
        assert stamps["AttendanceRecorded"] == ("mentor-91bc", "req-0002")

    def test_an_event_of_a_member_of_another_pin_carries_that_pin(
        self, pin_id: UUID, other_pin_id: UUID
    ) -> None:
        with acting_as(COORDINATOR):
            guest = Mentor.enrol(other_pin_id, "Guest", None, "Architect", ["Arabic"], "Iraqi")
            guest.record_training("Facilitating groups", date(2025, 1, 1))

        assert [e.tenant_id for e in stamped(guest)] == [other_pin_id, other_pin_id]
        assert pin_id != other_pin_id

    def test_outside_a_command_events_are_stamped_as_the_system(self, pin_id: UUID) -> None:
        cohort = Cohort.plan(pin_id, "Spring", date(2025, 1, 13), date(2025, 5, 9))
        cohort.start()

        assert [(e.actor, e.correlation_id) for e in stamped(cohort)] == [
            (SYSTEM.actor, SYSTEM.correlation_id)
        ] * 2
        assert (SYSTEM.actor, SYSTEM.correlation_id) == ("system", "")

    def test_acting_as_restores_the_outer_metadata(self, pin_id: UUID) -> None:
        with acting_as(COORDINATOR):
            cohort = Cohort.plan(pin_id, "Spring", date(2025, 1, 13), date(2025, 5, 9))
            with acting_as(MENTOR_ACTOR):
                cohort.start()
            cohort.close()
        pin = Pin.register("cniea", "CNIEA", ["Iraqi"], ["Architecture"])

        assert [e.actor for e in stamped(cohort)] == [
            "coordinator-7f3a",
            "mentor-91bc",
            "coordinator-7f3a",
        ]
        assert stamped(pin)[0].actor == "system"
        assert stamped(pin)[0].tenant_id == pin_id_for("cniea")

    def test_acting_as_restores_the_metadata_when_the_command_fails(self, pin_id: UUID) -> None:
        cohort = Cohort.plan(pin_id, "Spring", date(2025, 1, 13), date(2025, 5, 9))

        with pytest.raises(ValueError, match="boom"), acting_as(COORDINATOR):
            raise ValueError("boom")
        cohort.start()

        assert stamped(cohort)[-1].actor == "system"

    def test_event_names_read_like_the_programme(self, programme: Programme) -> None:
        names = [type(e).__name__ for e in programme.cohort.pending_events]

        assert names[:3] == ["Planned", "GroupRegistered", "MenteePlaced"]
        assert names[-3:] == ["MenteeReleased", "Started", "Closed"]


class TestPersonalDataStaysOutOfLogs:
    def test_the_repr_of_personal_data_does_not_reveal_the_value(self) -> None:
        secret = PersonalData(UUID(int=42), "Ana Popescu")

        assert "Ana" not in repr(secret)
        assert "Popescu" not in repr(secret)
        assert repr(secret) == (
            "PersonalData(subject_id=00000000-0000-0000-0000-00000000002a, value=<11 chars>)"
        )
        assert str(secret) == "Ana Popescu"
        assert secret.value == "Ana Popescu"

    def test_people_and_their_events_do_not_reveal_personal_data_in_their_repr(
        self, make_mentee: Callable[..., Mentee], make_mentor: Callable[..., Mentor]
    ) -> None:
        mentee = make_mentee(name="Ana Popescu")
        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 2, 1), "Hired by Hatch Ltd")
        mentor = make_mentor(name="Radu Ionescu")

        texts = [repr(mentee), repr(mentor), *map(repr, mentee.pending_events)]
        texts += map(repr, mentor.pending_events)

        for text in texts:
            for secret in ("Ana Popescu", "Radu Ionescu", "example.org", "Hatch", "practise"):
                assert secret not in text

    def test_personal_data_names_its_subject(self, make_mentee: Callable[..., Mentee]) -> None:
        mentee = make_mentee()
        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 2, 1), "Offer")

        assert mentee.name is not None
        assert mentee.email is not None
        assert mentee.goals is not None
        subjects = {mentee.name.subject_id, mentee.email.subject_id, mentee.goals.subject_id}
        assert subjects | {mentee.outcomes[0].evidence.subject_id} == {mentee.id}


class TestAggregatesRebuiltFromTheirEvents:
    def test_every_aggregate_rebuilt_from_its_events_equals_the_original(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        for original in programme.aggregates():
            events = original.collect_events()

            copy = replay(events)

            assert copy is not original
            assert copy == original, type(original).__name__
            assert copy.version == original.version == len(events)

    def test_a_rebuilt_group_has_the_same_members_sessions_and_attendance(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        group = programme.group

        copy: Group = replay(group.collect_events())

        assert copy.mentor_id == group.mentor_id
        assert copy.cohort_id == group.cohort_id
        assert copy.mentee_ids == group.mentee_ids
        assert len(copy.mentee_ids) == 5
        assert copy.sessions == group.sessions
        assert [s.held for s in copy.sessions] == [True, False, False]
        assert copy.sessions[0].attendance == {
            programme.mentees[0].id: True,
            programme.mentees[1].id: False,
        }
        assert copy.is_under_min_size == group.is_under_min_size

    def test_a_rebuilt_cohort_has_the_same_register_and_state(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        cohort = programme.cohort

        copy: Cohort = replay(cohort.collect_events())

        assert copy.state == cohort.state == "closed"
        assert copy.dates == cohort.dates
        assert copy.group_ids == cohort.group_ids
        assert copy.mentee_groups == cohort.mentee_groups
        assert copy.mentor_groups == cohort.mentor_groups

    def test_a_rebuilt_mentee_has_the_same_rounds_trainings_and_outcomes(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        for mentee in programme.mentees:
            copy: Mentee = replay(mentee.collect_events())

            assert copy.name == mentee.name
            assert copy.rounds == mentee.rounds
            assert copy.trainings == mentee.trainings
            assert copy.outcomes == mentee.outcomes
        assert [o.cohort_id for o in programme.mentees[0].outcomes] == [programme.cohort.id]
        assert [o.cohort_id for o in programme.mentees[1].outcomes] == [None]

    def test_a_rebuilt_activity_has_the_same_registrations(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        activity = programme.activity

        copy: SharedActivity = replay(activity.collect_events())

        assert copy.registrations == activity.registrations
        assert list(copy.registrations) == [programme.mentees[0].id]

    def test_a_refused_command_adds_no_event_to_replay(
        self, programme: Programme, replay: Callable[..., Any]
    ) -> None:
        group, cohort = programme.group, programme.cohort
        with pytest.raises(InvariantViolation, match="closed"):
            group.schedule_session(cohort, cohort.dates.ends_on, "After the end")

        copy: Group = replay(group.collect_events())

        assert len(copy.sessions) == 3
