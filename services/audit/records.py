"""The event store as the audit trail reads it: stored events exactly as stored, in store order.

``records_after`` feeds the audit projection (which may not import services) and the export;
``OfflineDecoder`` turns exported records back into envelopes with the store's own
transcodings, without any database, so an auditor recomputes reports from files alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.audit.records import EventRecord
from domain.envelope import EventEnvelope
from services.store import MentoringStore


def _tenant_of(store: MentoringStore, state: bytes) -> str:
    """The tenant id inside stored state (metadata is never encrypted per person)."""
    mapper: Any = store.sealed_mapper  # reads personal fields without opening them
    if mapper.cipher is not None:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor is not None:
        state = mapper.compressor.decompress(state)
    return str(mapper.transcoder.decode(state)["tenant_id"])


def to_record(store: MentoringStore, notification: Notification) -> EventRecord:
    return EventRecord(
        position=notification.id,
        tenant_id=_tenant_of(store, notification.state),
        originator_id=UUID(str(notification.originator_id)),
        originator_version=notification.originator_version,
        topic=notification.topic,
        state=notification.state,
    )


def records_after(store: MentoringStore, position: int, limit: int) -> list[EventRecord]:
    """Up to ``limit`` stored events after store ``position``, in store order."""
    notifications = store.recorder.select_notifications(
        start=position, limit=limit, inclusive_of_start=False
    )
    return [to_record(store, n) for n in notifications]


def envelopes_after(store: MentoringStore, position: int, limit: int) -> list[EventEnvelope]:
    """Up to ``limit`` published forms of the events after ``position``, in store order."""
    notifications = store.recorder.select_notifications(
        start=position, limit=limit, inclusive_of_start=False
    )
    return [store.envelope(n) for n in notifications]


class OfflineDecoder:
    """Decodes exported records with the store's transcodings and no database."""

    def __init__(self) -> None:
        self._store = MentoringStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})

    def envelope(self, record: EventRecord) -> EventEnvelope:
        notification = Notification(
            id=record.position,
            originator_id=record.originator_id,
            originator_version=record.originator_version,
            topic=record.topic,
            state=record.state,
        )
        return self._store.envelope(notification)

    def envelopes(self, records: Sequence[EventRecord]) -> list[EventEnvelope]:
        return [self.envelope(r) for r in records]

    def tenant_of(self, record: EventRecord) -> str:
        return _tenant_of(self._store, record.state)
