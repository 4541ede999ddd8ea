"""The event store: an eventsourcing application over SQLite (embedded) with our transcodings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Notification, Transcoding

from domain.envelope import EventEnvelope
from domain.values import PersonalData
from services.settings import Settings, postgres_env

_METADATA_FIELDS = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "tenant_id",
    "actor",
    "correlation_id",
}


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class PersonalDataAsDict(Transcoding):
    """Where personal data is stored. Per-person encryption replaces this one transcoding."""

    type = PersonalData
    name = "personal_data"

    def encode(self, obj: PersonalData) -> dict[str, str]:
        return {"subject_id": obj.subject_id.hex, "value": obj.value}

    def decode(self, data: dict[str, str]) -> PersonalData:
        return PersonalData(UUID(data["subject_id"]), data["value"])


class MentoringStore(Application[UUID]):
    """The single, conjoined event store of every PIN."""

    name = "mentoring"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(PersonalDataAsDict())

    def envelope(self, notification: Notification) -> EventEnvelope:
        """The published form of one stored event."""
        event = self.mapper.to_domain_event(notification)
        return to_envelope(notification.id, event)


def build_store(settings: Settings) -> MentoringStore:
    """The event store the settings name: SQLite file (embedded) or PostgreSQL."""
    if settings.uses_postgres:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            **postgres_env(settings.database_url),
            "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
            "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_connect_timeout),
            "POSTGRES_LOCK_TIMEOUT": str(settings.postgres_lock_timeout),
            "POSTGRES_PRE_PING": "y",
        }
        return MentoringStore(env=env)
    path = settings.event_store_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return MentoringStore(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    )


def to_json_value(value: Any) -> Any:
    """An event field as a JSON value (ids and dates as strings)."""
    if isinstance(value, PersonalData):
        return {"subject_id": str(value.subject_id), "value": value.value}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [to_json_value(v) for v in value]
    return value


def to_envelope(position: int, event: Any) -> EventEnvelope:
    """The published form of a domain event stored at ``position``."""
    event = cast(Any, event)
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    event_class = type(event)
    return EventEnvelope(
        position=position,
        tenant_id=str(fields["tenant_id"]),
        aggregate_id=str(event.originator_id),
        aggregate_version=event.originator_version,
        event_type=event_class.__qualname__,
        schema_version=int(getattr(event_class, "class_version", 1)),
        occurred_at=event.timestamp.isoformat(),
        actor=str(fields["actor"]),
        correlation_id=str(fields["correlation_id"]),
        payload={k: to_json_value(v) for k, v in fields.items() if k not in _METADATA_FIELDS},
    )
