"""Use cases of a person's privacy: erasure, consent, and the export of their own events.

Coordinators only, on their own PIN's people (another PIN's id reads as unknown).

Erasure destroys the person's data key first, then records ``Person.Erased``: once the key
is gone, nothing stored or published about the person can be read again, even if recording
the event fails (running the erasure again completes it). The erasure is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from domain.people import Mentee, Mentor
from domain.privacy import Purpose
from domain.values import PersonalData
from services.context import Role, TenantContext
from services.errors import Forbidden
from services.privacy.person_keys import KeyUnavailable, PersonKeys
from services.store import MentoringStore, to_json_value
from services.use_cases import Changed, load, own_person, save, use_case


@dataclass(frozen=True)
class ErasePerson:
    person_id: UUID


@dataclass(frozen=True)
class RecordConsent:
    person_id: UUID
    purpose: Purpose
    given: bool


def _require_coordinator(ctx: TenantContext) -> None:
    if ctx.role != Role.COORDINATOR:
        raise Forbidden(f"The {ctx.role} role may not do this; only the PIN's coordinator may.")


def _keys(store: MentoringStore) -> PersonKeys:
    if store.keys is None:
        raise KeyUnavailable("This event store has no key store; nobody can be erased here.")
    return store.keys


def _erase(store: MentoringStore, person: Mentee | Mentor) -> Changed:
    _keys(store).destroy(person.id)
    if person.erased:
        return Changed(person.id, store.recorder.max_notification_id() or 0)
    person.erase()
    return Changed(person.id, save(store, person))


@use_case
def erase_mentee(store: MentoringStore, cmd: ErasePerson, ctx: TenantContext) -> Changed:
    """Erase a mentee: destroy their key, record the erasure; their history stays, unreadable."""
    _require_coordinator(ctx)
    return _erase(store, load(store, Mentee, cmd.person_id, ctx))


@use_case
def erase_mentor(store: MentoringStore, cmd: ErasePerson, ctx: TenantContext) -> Changed:
    """Erase a mentor, as ``erase_mentee`` does a mentee."""
    _require_coordinator(ctx)
    return _erase(store, load(store, Mentor, cmd.person_id, ctx))


@use_case
def record_consent(store: MentoringStore, cmd: RecordConsent, ctx: TenantContext) -> Changed:
    """Record that a person gave, or withdrew, consent to one purpose."""
    _require_coordinator(ctx)
    person = own_person(store, cmd.person_id, ctx)
    if cmd.given:
        person.give_consent(cmd.purpose)
    else:
        person.withdraw_consent(cmd.purpose)
    return Changed(person.id, save(store, person))


def _plain(value: Any) -> Any:
    """A field as the person may read it: personal data opened, the rest as JSON."""
    if isinstance(value, PersonalData):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return to_json_value(value)


_EVENT_METADATA = {"originator_id", "originator_version", "originator_topic", "timestamp"}


def person_record(store: MentoringStore, person_id: UUID, ctx: TenantContext) -> dict[str, Any]:
    """What the event store holds about a person: their key and every event, opened.

    After an erasure the personal fields read ``[erased]``.
    """
    _require_coordinator(ctx)
    person = own_person(store, person_id, ctx)
    key = _keys(store).record(person.id)
    events = [
        {
            "type": type(event).__qualname__,
            "version": event.originator_version,
            "recorded_at": event.timestamp.isoformat(),
            "fields": {
                name: _plain(value)
                for name, value in vars(event).items()
                if name not in _EVENT_METADATA
            },
        }
        for event in cast(Iterable[Any], store.events.get(person.id))
    ]
    return {
        "person": {
            "id": str(person.id),
            "kind": "mentee" if isinstance(person, Mentee) else "mentor",
            "tenant_id": str(person.tenant_id),
            "erased": person.erased,
            "consents": {purpose.value: person.has_consent(purpose) for purpose in Purpose},
        },
        "data_key": {
            "created_at": key.created_at if key else None,
            "destroyed_at": key.destroyed_at if key else None,
        },
        "events": events,
    }
