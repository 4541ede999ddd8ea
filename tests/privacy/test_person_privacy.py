"""The domain's side of privacy: consent per purpose, and an erased person takes no more events."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.activity import SharedActivity
from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.group import form_group
from domain.people import Mentee, Mentor
from domain.pin import pin_id_for
from domain.privacy import ERASED, ConsentWithdrawn, PersonErased, Purpose
from domain.values import EnglishLevel, OutcomeKind

AREC, CNIEA = pin_id_for("arec"), pin_id_for("cniea")


def _mentee(tenant_id: UUID = AREC) -> Mentee:
    mentee = Mentee.enrol(
        tenant_id,
        "Ana Popescu",
        "ana@example.org",
        "Engineering",
        "Romania",
        ["Romanian"],
        EnglishLevel.INTERMEDIATE,
        "A job in the field",
        date(2025, 1, 6),
    )
    mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2025, 6, 2), "Offer letter")
    return mentee


def _cohort() -> Cohort:
    return Cohort.plan(AREC, "Spring", date(2025, 1, 13), date(2025, 5, 9))


def test_erasure_forgets_every_personal_field_and_its_event_carries_none() -> None:
    mentee = _mentee()
    mentee.erase()
    erased = mentee.collect_events()[-1]

    assert mentee.erased
    assert mentee.name.value == ERASED
    assert mentee.email is None
    assert mentee.goals is None
    assert [o.evidence.value for o in mentee.outcomes] == [ERASED]
    assert [o.kind for o in mentee.outcomes] == [OutcomeKind.JOB_IN_FIELD]
    assert type(erased).__qualname__ == "Person.Erased"
    own_fields = set(vars(erased)) - {
        "originator_id",
        "originator_version",
        "timestamp",
        "tenant_id",
        "actor",
        "correlation_id",
    }
    assert own_fields == set()


def test_nothing_more_is_recorded_about_an_erased_person() -> None:
    mentee = _mentee()
    mentee.erase()

    with pytest.raises(PersonErased):
        mentee.record_training("Resume clinic", date(2025, 7, 1))
    with pytest.raises(PersonErased):
        mentee.give_consent(Purpose.SHARING)
    with pytest.raises(PersonErased):
        mentee.erase()


def test_an_erased_person_joins_no_group_and_no_activity() -> None:
    cohort = _cohort()
    mentor = Mentor.enrol(AREC, "Radu Ionescu", None, "Engineering", ["Romanian"], "Romanian")
    group = form_group(cohort, mentor, "Civil")
    activity = SharedActivity.host(AREC, "Evening", date(2025, 6, 19), "Meet", 60)
    mentee = _mentee()
    mentee.erase()
    mentor.erase()

    with pytest.raises(PersonErased):
        group.add_mentee(cohort, mentee)
    with pytest.raises(PersonErased):
        activity.register(mentee)
    with pytest.raises(PersonErased):
        form_group(cohort, mentor, "Again")


def test_consent_is_withdrawn_and_given_again_per_purpose() -> None:
    mentee = _mentee()
    assert all(mentee.has_consent(p) for p in Purpose)  # as agreed at enrolment

    mentee.withdraw_consent(Purpose.SHARING)
    withdrawn = {p for p in Purpose if not mentee.has_consent(p)}
    mentee.give_consent(Purpose.SHARING)

    assert withdrawn == {Purpose.SHARING}
    assert all(mentee.has_consent(p) for p in Purpose)
    kinds = [type(e).__qualname__ for e in mentee.collect_events()[-2:]]
    assert kinds == ["Person.ConsentWithdrawn", "Person.ConsentGiven"]


def test_without_sharing_consent_a_person_stays_within_their_own_pin() -> None:
    mentee = _mentee()
    mentee.withdraw_consent(Purpose.SHARING)
    theirs = SharedActivity.host(CNIEA, "Meet the engineers", date(2025, 6, 19), "Meet", 60)
    ours = SharedActivity.host(AREC, "Open evening", date(2025, 6, 20), "Meet", 60)

    with pytest.raises(ConsentWithdrawn, match="cross network sharing"):
        theirs.register(mentee)
    ours.register(mentee)

    assert list(ours.registrations) == [mentee.id]


def test_without_participation_consent_a_person_is_placed_in_no_group() -> None:
    cohort = _cohort()
    mentor = Mentor.enrol(AREC, "Radu Ionescu", None, "Engineering", ["Romanian"], "Romanian")
    group = form_group(cohort, mentor, "Civil")
    mentee = _mentee()
    mentee.withdraw_consent(Purpose.PARTICIPATION)

    with pytest.raises(InvariantViolation, match="programme participation"):
        group.add_mentee(cohort, mentee)
    assert not mentee.can_take_part()


def test_a_replayed_person_keeps_erasure_and_consents() -> None:
    mentee = _mentee()
    mentee.withdraw_consent(Purpose.FOLLOW_UP)
    mentee.erase()
    copy = None
    for event in mentee.collect_events():
        copy = event.mutate(copy)

    assert isinstance(copy, Mentee)
    assert copy.erased
    assert copy.withdrawn == frozenset({Purpose.FOLLOW_UP})
    assert copy.outcomes[0].evidence.value == ERASED
