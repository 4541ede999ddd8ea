"""Mentors and mentees: enrolment, trainings and the career outcomes a round leads to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.cohort import Cohort
from domain.errors import InvalidValue, InvariantViolation
from domain.group import Group
from domain.people import Mentee, Mentor
from domain.values import EnglishLevel, LicenceStatus, OutcomeKind, PersonalData


def place(mentee: Mentee, cohort: Cohort, make_group: Callable[..., Group]) -> None:
    make_group(cohort).add_mentee(cohort, mentee)


class TestEnrolment:
    def test_a_mentee_is_enrolled_with_their_profile(self, pin_id: UUID) -> None:
        mentee = Mentee.enrol(
            tenant_id=pin_id,
            name="  Ana Popescu ",
            email="ana@example.org",
            profession="Structural engineer",
            origin="Romania",
            languages=["Romanian", "English", "Romanian"],
            english_level=EnglishLevel.ADVANCED,
            goals=None,
            enrolled_on=date(2024, 10, 1),
        )

        assert mentee.tenant_id == pin_id
        assert mentee.name == PersonalData(mentee.id, "Ana Popescu")
        assert mentee.email == PersonalData(mentee.id, "ana@example.org")
        assert mentee.goals is None
        assert mentee.languages == ["Romanian", "English"]
        assert mentee.english_level is EnglishLevel.ADVANCED
        assert (mentee.trainings, mentee.outcomes, mentee.rounds) == ([], [], {})

    def test_a_mentor_is_enrolled_with_their_profile(self, pin_id: UUID) -> None:
        mentor = Mentor.enrol(
            tenant_id=pin_id,
            name="Radu Ionescu",
            email=None,
            profession="Civil engineer",
            languages=["Romanian"],
            cultural_background="Romanian",
        )

        assert mentor.name == PersonalData(mentor.id, "Radu Ionescu")
        assert mentor.email is None
        assert mentor.capacity == 1
        assert mentor.licence_status is LicenceStatus.NOT_REGULATED

    def test_a_mentee_needs_a_name_and_a_language(self, pin_id: UUID) -> None:
        profile: dict[str, Any] = {
            "tenant_id": pin_id,
            "name": "Ana",
            "email": None,
            "profession": "Engineer",
            "origin": "Romania",
            "languages": ["Romanian"],
            "english_level": EnglishLevel.BASIC,
            "goals": None,
            "enrolled_on": date(2024, 10, 1),
        }

        with pytest.raises(InvalidValue, match="name must not be empty"):
            Mentee.enrol(**{**profile, "name": "   "})
        with pytest.raises(InvalidValue, match="languages must name at least one entry"):
            Mentee.enrol(**{**profile, "languages": []})
        with pytest.raises(InvalidValue, match="goals must be at most 2000 characters"):
            Mentee.enrol(**{**profile, "goals": "x" * 2001})


class TestOutcomes:
    def test_an_outcome_cannot_be_dated_before_enrolment(
        self, make_mentee: Callable[..., Mentee], event_count: Callable[..., int]
    ) -> None:
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))
        before = event_count(mentee)

        with pytest.raises(InvariantViolation) as refused:
            mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2024, 11, 3), "Offer letter")

        message = str(refused.value)
        assert "outcome cannot be dated (2024-11-03)" in message
        assert "before the mentee's enrolment (2024-11-04)" in message
        assert mentee.outcomes == []
        assert event_count(mentee) == before

    def test_an_outcome_on_the_day_of_enrolment_is_recorded(
        self, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))

        outcome_id = mentee.record_outcome(
            OutcomeKind.BUSINESS_STARTED, date(2024, 11, 4), "  Registered a company  "
        )

        [outcome] = mentee.outcomes
        assert outcome.outcome_id == outcome_id
        assert outcome.kind is OutcomeKind.BUSINESS_STARTED
        assert outcome.occurred_on == date(2024, 11, 4)
        assert outcome.evidence == PersonalData(mentee.id, "Registered a company")
        assert outcome.cohort_id is None  # not in any round

    def test_an_outcome_needs_evidence(self, make_mentee: Callable[..., Mentee]) -> None:
        mentee = make_mentee()

        with pytest.raises(InvalidValue, match="evidence must not be empty"):
            mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 2, 1), " ")

        assert mentee.outcomes == []

    @pytest.mark.parametrize(
        ("occurred_on", "linked"),
        [
            pytest.param(date(2025, 1, 12), False, id="the day before the round"),
            pytest.param(date(2025, 1, 13), True, id="the first day of the round"),
            pytest.param(date(2025, 3, 1), True, id="during the round"),
            pytest.param(date(2025, 5, 9), True, id="the last day of the round"),
            pytest.param(date(2025, 11, 20), True, id="six months after"),
            pytest.param(date(2026, 5, 9), True, id="twelve months after the end"),
            pytest.param(date(2026, 5, 10), False, id="a day more than twelve months after"),
            pytest.param(date(2027, 1, 1), False, id="long after"),
        ],
    )
    def test_an_outcome_within_a_round_or_twelve_months_after_links_to_it(
        self,
        cohort: Cohort,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
        occurred_on: date,
        linked: bool,
    ) -> None:
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))
        place(mentee, cohort, make_group)

        mentee.record_outcome(OutcomeKind.LICENCE_OBTAINED, occurred_on, "P.Eng. licence")

        assert mentee.outcomes[0].cohort_id == (cohort.id if linked else None)

    def test_the_twelve_months_end_on_the_last_day_of_a_shorter_month(
        self,
        make_cohort: Callable[..., Cohort],
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        cohort = make_cohort(starts_on=date(2023, 11, 1), ends_on=date(2024, 2, 29))
        mentee = make_mentee(enrolled_on=date(2023, 10, 1))
        place(mentee, cohort, make_group)

        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 2, 28), "Offer")
        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 3, 1), "Second offer")

        assert [o.cohort_id for o in mentee.outcomes] == [cohort.id, None]

    def test_an_outcome_links_to_the_latest_round_it_follows(
        self,
        make_cohort: Callable[..., Cohort],
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        first = make_cohort(name="Round 1", starts_on=date(2025, 1, 13), ends_on=date(2025, 5, 9))
        second = make_cohort(name="Round 2", starts_on=date(2025, 9, 8), ends_on=date(2026, 1, 9))
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))
        place(mentee, first, make_group)
        place(mentee, second, make_group)

        mentee.record_outcome(OutcomeKind.LICENSING_EXAM_PASSED, date(2025, 6, 1), "PPE exam")
        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 10, 1), "Offer")
        mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2026, 6, 1), "Promotion")

        assert [o.cohort_id for o in mentee.outcomes] == [first.id, second.id, second.id]

    def test_joining_a_second_group_of_a_round_does_not_record_the_round_again(
        self,
        cohort: Cohort,
        make_group: Callable[..., Group],
        make_mentee: Callable[..., Mentee],
    ) -> None:
        mentee = make_mentee()
        first = make_group(cohort)
        first.add_mentee(cohort, mentee)
        first.remove_mentee(cohort, mentee.id)
        events_before = len(mentee.pending_events)

        make_group(cohort).add_mentee(cohort, mentee)

        assert list(mentee.rounds) == [cohort.id]
        assert len(mentee.pending_events) == events_before


class TestTrainings:
    def test_a_mentee_records_trainings_from_enrolment_on(
        self, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))

        mentee.record_training(" Canadian workplace culture ", date(2024, 11, 4))
        mentee.record_training("Interview skills", date(2025, 1, 20))

        assert [(t.name, t.completed_on) for t in mentee.trainings] == [
            ("Canadian workplace culture", date(2024, 11, 4)),
            ("Interview skills", date(2025, 1, 20)),
        ]

    def test_a_mentee_training_cannot_be_completed_before_enrolment(
        self, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee(enrolled_on=date(2024, 11, 4))

        with pytest.raises(InvariantViolation) as refused:
            mentee.record_training("Interview skills", date(2024, 11, 3))

        assert "training cannot be completed (2024-11-03) before enrolment (2024-11-04)" in str(
            refused.value
        )
        assert mentee.trainings == []

    def test_a_mentor_records_trainings(self, make_mentor: Callable[..., Mentor]) -> None:
        mentor = make_mentor()

        mentor.record_training("Facilitating groups", date(2024, 12, 2))

        assert [t.name for t in mentor.trainings] == ["Facilitating groups"]

    def test_a_training_needs_a_name(self, make_mentor: Callable[..., Mentor]) -> None:
        mentor = make_mentor()

        with pytest.raises(InvalidValue, match="training must not be empty"):
            mentor.record_training("", date(2024, 12, 2))

        assert mentor.trainings == []
