"""Follow-ups after a round: 3, 6 and 12 months after its end, each recorded once, from its
due date on, as an outcome or as "no change"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.follow_ups import Checkpoint, due_on
from domain.group import Group
from domain.people import Mentee
from domain.privacy import PersonErased
from domain.values import OutcomeKind

ROUND_ENDS_ON = date(2025, 5, 9)  # the cohort fixture's end


@pytest.fixture
def placed(
    cohort: Cohort, make_group: Callable[..., Group], make_mentee: Callable[..., Mentee]
) -> Mentee:
    """A mentee who took part in the round ``cohort``."""
    mentee = make_mentee()
    make_group(cohort).add_mentee(cohort, mentee)
    return mentee


def test_follow_ups_are_due_3_6_and_12_months_after_the_round_ends() -> None:
    assert [due_on(ROUND_ENDS_ON, c) for c in Checkpoint] == [
        date(2025, 8, 9),
        date(2025, 11, 9),
        date(2026, 5, 9),
    ]
    assert due_on(date(2025, 5, 31), Checkpoint.SIX_MONTHS) == date(2025, 11, 30)


def test_no_change_at_a_follow_up_is_recorded_as_a_fact(placed: Mentee, cohort: Cohort) -> None:
    outcome = placed.record_follow_up(cohort.id, Checkpoint.THREE_MONTHS, date(2025, 8, 9))

    assert outcome is None
    assert placed.outcomes == []
    event: Any = placed.pending_events[-1]
    assert type(event).__qualname__ == "Mentee.FollowUpRecorded"
    facts = (event.cohort_id, event.months, event.recorded_on, event.outcome_id)
    assert facts == (cohort.id, 3, date(2025, 8, 9), None)


def test_an_outcome_found_at_a_follow_up_is_recorded_with_it(
    placed: Mentee, cohort: Cohort, replay: Callable[[Iterable[Any]], Any]
) -> None:
    found = (OutcomeKind.JOB_IN_FIELD, date(2025, 11, 1), "Offer letter from Hatch")
    outcome_id = placed.record_follow_up(
        cohort.id, Checkpoint.SIX_MONTHS, date(2025, 11, 20), found
    )

    assert [o.outcome_id for o in placed.outcomes] == [outcome_id]
    assert placed.outcomes[0].cohort_id == cohort.id
    again = replay(placed.collect_events())
    done = again.follow_ups[cohort.id, Checkpoint.SIX_MONTHS]
    assert (done.recorded_on, done.outcome_id) == (date(2025, 11, 20), outcome_id)


def test_a_follow_up_cannot_be_recorded_before_it_is_due(placed: Mentee, cohort: Cohort) -> None:
    with pytest.raises(InvariantViolation, match="due on 2025-11-09"):
        placed.record_follow_up(cohort.id, Checkpoint.SIX_MONTHS, date(2025, 11, 8))


def test_a_follow_up_is_recorded_once(placed: Mentee, cohort: Cohort) -> None:
    placed.record_follow_up(cohort.id, Checkpoint.THREE_MONTHS, date(2025, 8, 10))

    with pytest.raises(InvariantViolation, match="already recorded on 2025-08-10"):
        placed.record_follow_up(cohort.id, Checkpoint.THREE_MONTHS, date(2025, 9, 1))
    placed.record_follow_up(cohort.id, Checkpoint.SIX_MONTHS, date(2025, 11, 9))  # the next


def test_a_round_the_mentee_took_no_part_in_has_no_follow_ups(placed: Mentee) -> None:
    with pytest.raises(InvariantViolation, match="no part in that round"):
        placed.record_follow_up(uuid4(), Checkpoint.THREE_MONTHS, date(2026, 1, 1))


def test_an_outcome_at_a_follow_up_obeys_the_outcome_rules(placed: Mentee, cohort: Cohort) -> None:
    before_enrolment = (OutcomeKind.JOB_IN_FIELD, date(2020, 1, 1), "Offer")
    with pytest.raises(InvariantViolation, match="before the mentee's enrolment"):
        placed.record_follow_up(
            cohort.id, Checkpoint.THREE_MONTHS, date(2025, 9, 1), before_enrolment
        )
    assert cohort.id not in {key[0] for key in placed.follow_ups}


def test_nothing_is_recorded_about_an_erased_mentee(placed: Mentee, cohort: Cohort) -> None:
    placed.erase()

    with pytest.raises(PersonErased):
        placed.record_follow_up(cohort.id, Checkpoint.THREE_MONTHS, date(2025, 9, 1))
