"""PINs, and the shared activities: the only records people of several PINs have in common."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.activity import Registration, SharedActivity
from domain.errors import InvalidValue, InvariantViolation
from domain.people import Mentee, Mentor
from domain.pin import Pin, pin_id_for
from domain.values import ParticipantKind

HELD_ON = date(2025, 3, 15)


@pytest.fixture
def activity(pin_id: UUID) -> SharedActivity:
    return SharedActivity.host(
        pin_id, "Cross-cultural networking night", HELD_ON, "Meet mentors of all PINs.", 2
    )


class TestPins:
    def test_a_pin_is_registered_under_a_stable_id_for_its_slug(self) -> None:
        pin = Pin.register("arec", "AREC", ["Romanian"], ["Engineering", "Engineering"])

        assert pin.id == pin.tenant_id == pin_id_for("arec")
        assert Pin.register("arec", "AREC again", ["Romanian"], ["Engineering"]).id == pin.id
        assert pin_id_for("iccc") != pin.id
        assert pin.professions == ["Engineering"]

    @pytest.mark.parametrize("slug", ["a", "AREC", "1arec", "are c", "a" * 32, ""])
    def test_a_slug_is_short_lowercase_and_starts_with_a_letter(self, slug: str) -> None:
        with pytest.raises(InvalidValue, match="slug must be 2-31 lowercase letters"):
            Pin.register(slug, "Some PIN", ["Community"], ["Profession"])

    def test_a_pin_updates_its_profile(self) -> None:
        pin = Pin.register("afca", "AFCA", ["Filipino"], ["Accounting"])

        pin.update_profile("Filipino Canadian Accountants", ["Filipino"], ["Accounting", "Audit"])

        assert pin.name == "Filipino Canadian Accountants"
        assert pin.professions == ["Accounting", "Audit"]

    def test_a_pin_serves_at_least_one_community_and_profession(self) -> None:
        pin = Pin.register("chc", "CHC", ["Hispanic"], ["Law"])

        with pytest.raises(InvalidValue, match="communities must name at least one"):
            pin.update_profile("CHC", [], ["Law"])
        with pytest.raises(InvalidValue, match="professions must name at least one"):
            pin.update_profile("CHC", ["Hispanic"], [])

        assert (pin.communities, pin.professions) == (["Hispanic"], ["Law"])


class TestSharedActivities:
    def test_an_activity_is_hosted_by_one_pin(self, activity: SharedActivity, pin_id: UUID) -> None:
        assert activity.tenant_id == pin_id
        assert activity.title == "Cross-cultural networking night"
        assert activity.held_on == HELD_ON
        assert activity.registrations == {}

    @pytest.mark.parametrize("capacity", [0, 1001])
    def test_an_activity_takes_between_one_and_a_thousand_participants(
        self, pin_id: UUID, capacity: int
    ) -> None:
        with pytest.raises(InvalidValue, match="capacity must be between 1 and 1000"):
            SharedActivity.host(pin_id, "Fair", HELD_ON, "A job fair.", capacity)

    def test_members_of_other_pins_can_register(
        self,
        activity: SharedActivity,
        make_mentee: Callable[..., Mentee],
        make_mentor: Callable[..., Mentor],
        other_pin_id: UUID,
    ) -> None:
        guest_mentee = make_mentee(tenant_id=other_pin_id)
        host_mentor = make_mentor()

        activity.register(guest_mentee)
        activity.register(host_mentor)

        assert activity.registrations == {
            guest_mentee.id: Registration(guest_mentee.id, other_pin_id, ParticipantKind.MENTEE),
            host_mentor.id: Registration(
                host_mentor.id, activity.tenant_id, ParticipantKind.MENTOR
            ),
        }

    def test_a_person_registers_once(
        self, activity: SharedActivity, make_mentee: Callable[..., Mentee]
    ) -> None:
        mentee = make_mentee()
        activity.register(mentee)

        with pytest.raises(InvariantViolation) as refused:
            activity.register(mentee)

        assert "already registered for 'Cross-cultural networking night'" in str(refused.value)
        assert len(activity.registrations) == 1

    def test_a_full_activity_takes_no_more_registrations(
        self, activity: SharedActivity, make_mentee: Callable[..., Mentee]
    ) -> None:
        activity.register(make_mentee())
        activity.register(make_mentee())

        with pytest.raises(InvariantViolation) as refused:
            activity.register(make_mentee())

        assert "'Cross-cultural networking night' is full (2 participants)" in str(refused.value)
        assert len(activity.registrations) == 2

    def test_a_pin_cancels_its_own_members_registration(
        self,
        activity: SharedActivity,
        make_mentee: Callable[..., Mentee],
        other_pin_id: UUID,
    ) -> None:
        guest = make_mentee(tenant_id=other_pin_id)
        activity.register(guest)

        activity.cancel_registration(guest.id, other_pin_id)

        assert activity.registrations == {}

    def test_a_pin_cannot_cancel_the_registration_of_another_pins_member(
        self,
        activity: SharedActivity,
        make_mentee: Callable[..., Mentee],
        pin_id: UUID,
        other_pin_id: UUID,
    ) -> None:
        guest = make_mentee(tenant_id=other_pin_id)
        activity.register(guest)
        events_before = len(activity.pending_events)

        with pytest.raises(InvariantViolation, match="not registered for 'Cross-cultural"):
            activity.cancel_registration(guest.id, pin_id)  # the host PIN is not the guest's

        assert guest.id in activity.registrations
        assert len(activity.pending_events) == events_before

    def test_only_a_registration_can_be_cancelled(
        self, activity: SharedActivity, pin_id: UUID
    ) -> None:
        with pytest.raises(InvariantViolation, match="The person is not registered"):
            activity.cancel_registration(UUID(int=5), pin_id)

    def test_a_cancelled_place_can_be_taken_again(
        self, activity: SharedActivity, make_mentee: Callable[..., Mentee], pin_id: UUID
    ) -> None:
        first, second, third = make_mentee(), make_mentee(), make_mentee()
        activity.register(first)
        activity.register(second)

        activity.cancel_registration(first.id, pin_id)
        activity.register(third)

        assert set(activity.registrations) == {second.id, third.id}
