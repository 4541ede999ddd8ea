"""Shared (cross-network) activities: hosted by one PIN, open to members of every PIN."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.errors import InvalidValue, InvariantViolation
from domain.people import Mentee, Mentor
from domain.privacy import Purpose
from domain.values import ParticipantKind, require_text


@dataclass(frozen=True)
class Registration:
    person_id: UUID
    person_tenant_id: UUID
    kind: ParticipantKind


class SharedActivity(TenantAggregate, created_event_name="Hosted"):
    """A cross-cultural activity: the only record that people of several PINs share."""

    title: str
    held_on: date
    description: str
    capacity: int
    registrations: dict[UUID, Registration] = field(default_factory=dict, init=False)

    @classmethod
    def host(
        cls, tenant_id: UUID, title: str, held_on: date, description: str, capacity: int
    ) -> SharedActivity:
        if not 1 <= capacity <= 1000:
            raise InvalidValue("capacity must be between 1 and 1000 participants.")
        return cls(
            tenant_id=tenant_id,
            title=require_text("title", title),
            held_on=held_on,
            description=require_text("description", description, max_length=2000),
            capacity=capacity,
        )

    def register(self, person: Mentee | Mentor) -> None:
        """Register a member of any PIN (the host's or another)."""
        # People of another PIN are listed to the host and every PIN: that needs their consent.
        person.require_available(
            "The person", *([Purpose.SHARING] if person.tenant_id != self.tenant_id else [])
        )
        if person.id in self.registrations:
            raise InvariantViolation(f"The person is already registered for '{self.title}'.")
        if len(self.registrations) >= self.capacity:
            raise InvariantViolation(f"'{self.title}' is full ({self.capacity} participants).")
        kind = ParticipantKind.MENTEE if isinstance(person, Mentee) else ParticipantKind.MENTOR
        self._registered(person_id=person.id, person_tenant_id=person.tenant_id, kind=kind)

    @event("ParticipantRegistered")
    def _registered(self, person_id: UUID, person_tenant_id: UUID, kind: ParticipantKind) -> None:
        self.registrations[person_id] = Registration(
            person_id, person_tenant_id, ParticipantKind(kind)
        )

    def cancel_registration(self, person_id: UUID, person_tenant_id: UUID) -> None:
        """Cancel a registration; a PIN can only cancel its own members' registrations."""
        registration = self.registrations.get(person_id)
        if registration is None or registration.person_tenant_id != person_tenant_id:
            raise InvariantViolation(f"The person is not registered for '{self.title}'.")
        self._registration_cancelled(person_id=person_id)

    @event("RegistrationCancelled")
    def _registration_cancelled(self, person_id: UUID) -> None:
        del self.registrations[person_id]
