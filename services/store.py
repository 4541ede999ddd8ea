"""The event store: an eventsourcing application over SQLite (embedded) with our transcodings."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing import persistence
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    Notification,
    ProcessRecorder,
    Recording,
    StoredEvent,
    Tracking,
    Transcoding,
)
from eventsourcing.utils import EnvType

from domain.envelope import EventEnvelope
from domain.privacy import PersonErased
from domain.values import PersonalData
from services.errors import ServiceError
from services.privacy.person_keys import KeyUnavailable, PersonKeys, build_person_keys
from services.privacy.personal_data import PersonalDataCipher, SealedPersonalData
from services.settings import Settings, postgres_env
from services.stored_envelopes import StoredEnvelopes

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
    """Where personal data is stored: encrypted with the key of its data subject.

    Stored as ``{"subject_id": hex, "ciphertext": base64}``; decoding a subject whose key
    was destroyed (an erased person) gives the ``ERASED`` placeholder.
    """

    type = PersonalData
    name = "personal_data"

    def __init__(self, cipher: PersonalDataCipher) -> None:
        self._cipher = cipher

    def encode(self, obj: PersonalData) -> dict[str, str]:
        sealed = self._cipher.seal(obj)
        return {"subject_id": sealed.subject_id.hex, "ciphertext": sealed.ciphertext}

    def decode(self, data: dict[str, str]) -> PersonalData:
        return self._cipher.open(_sealed(data))


class SealedPersonalDataAsDict(Transcoding):
    """The same stored form, decoded without opening it: what the bus carries."""

    type = SealedPersonalData
    name = "personal_data"

    def encode(self, obj: SealedPersonalData) -> dict[str, str]:
        return {"subject_id": obj.subject_id.hex, "ciphertext": obj.ciphertext}

    def decode(self, data: dict[str, str]) -> SealedPersonalData:
        return _sealed(data)


def _sealed(data: dict[str, str]) -> SealedPersonalData:
    if "ciphertext" not in data:
        raise KeyUnavailable(
            f"A personal field of person {data.get('subject_id')} was stored before per-person "
            "encryption; such a store cannot be read (seed a new one)."
        )
    return SealedPersonalData(UUID(data["subject_id"]), data["ciphertext"])


class _PersonalDataMapper(Mapper[UUID]):
    """Lets a key-store error through as itself, not as a generic deserialisation error."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            return super().to_domain_event(stored_event)
        except MapperDeserialisationError as error:
            if isinstance(error.__cause__, (KeyUnavailable, PersonErased)):
                raise error.__cause__ from error
            raise


REQUEST_TRACKING_ID = 1
"""A request key is a tracking record (key, 1): one per key, whatever the request."""
UNAVAILABLE: tuple[type[BaseException], ...] = (
    persistence.OperationalError,
    persistence.InterfaceError,
    psycopg.OperationalError,
    sqlite3.OperationalError,
)
"""What a database that went away raises (the event store's own, or psycopg's, sqlite's)."""


class AlreadyApplied(ServiceError):
    """A request with this idempotency key saved its change before; nothing was saved now.

    ``position``: the store's head when this was found, at or after the earlier change, so
    a query with ``consistentWith`` at it sees the change (``extensions.position``)."""

    code = "ALREADY_APPLIED"
    changed = "yes"
    """What the answer says about the write (``extensions.changed``): made, by the earlier
    request."""

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(
            "A request with this Idempotency-Key was applied before; nothing was changed now. "
            f"Query with consistentWith: {position} to see its change."
        )


class SaveOutcomeUnknown(ServiceError):
    """The database failed while the events were being saved: they may be saved or not."""

    code = "UNAVAILABLE"
    changed = "unknown"
    """What the answer says about the write (``extensions.changed``)."""

    def __init__(self) -> None:
        super().__init__(
            "The database became unavailable while saving: the change may or may not have "
            "been made. Retry with the same Idempotency-Key header (then it is made once), or "
            "check before retrying."
        )


class MentoringStore(Application[UUID]):
    """The single, conjoined event store of every PIN.

    Personal fields are encrypted per data subject with keys from ``keys`` (the key store);
    saving gives every subject a key first, and refuses an erased one.
    """

    name = "mentoring"

    def __init__(self, env: EnvType | None = None, *, keys: PersonKeys | None = None) -> None:
        self.personal_data = PersonalDataCipher(keys)  # the transcodings need it
        self._request = threading.local()
        self._stored_envelopes = StoredEnvelopes()
        super().__init__(env)
        sealed = JSONTranscoder()
        Application.register_transcodings(self, sealed)
        sealed.register(DateAsISO())
        sealed.register(SealedPersonalDataAsDict())
        self.sealed_mapper = Mapper[UUID](
            sealed, compressor=self.mapper.compressor, cipher=self.mapper.cipher
        )
        self._create_answers_table()

    @property
    def keys(self) -> PersonKeys | None:
        return self.personal_data.keys

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=_PersonalDataMapper
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(PersonalDataAsDict(self.personal_data))

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder that also keeps tracking records: a request's idempotency key is one,
        written in the transaction of its events (``request``)."""
        return self.factory.process_recorder()

    @property
    def tracking(self) -> ProcessRecorder:
        return cast(ProcessRecorder, self.recorder)

    @contextmanager
    def request(self, key: str | None) -> Iterator[None]:
        """Saves of this thread within the block belong to the request ``key`` (None: none).

        The first save records ``key`` with its events, in one transaction: a second request
        with the same key saves nothing and gets ``AlreadyApplied``."""
        self._request.key = key
        try:
            yield
        finally:
            self._request.key = None

    def applied(self, key: str) -> bool:
        """Whether a request with ``key`` has saved its events."""
        return bool(self.tracking.has_tracking_id(key, REQUEST_TRACKING_ID))

    # --- answers to requests, beside the events (so as available as they are) -----------

    def _answers(self, sql: str, params: tuple[Any, ...] = ()) -> list[list[Any]]:
        postgres = "postgres" in type(self.recorder).__module__
        datastore = getattr(self.recorder, "datastore", None)
        if datastore is None:  # in memory (eventsourcing's POPO recorders): none kept
            return []
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(sql.replace("?", "%s") if postgres else sql, params)
            rows = cursor.fetchall() if sql.lstrip().startswith("SELECT") else []
        return [list(row.values()) if isinstance(row, dict) else list(row) for row in rows]

    def _create_answers_table(self) -> None:
        self._answers(
            "CREATE TABLE IF NOT EXISTS mentoring_request_answers ("
            "request_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
            "record_id TEXT NOT NULL, position BIGINT NOT NULL)"
        )

    def keep_answer(self, key: str, fingerprint: str, record_id: str, position: int) -> None:
        """What the request ``key`` changed; the first answer stands."""
        self._answers(
            "INSERT INTO mentoring_request_answers (request_key, fingerprint, record_id, "
            "position) VALUES (?, ?, ?, ?) ON CONFLICT (request_key) DO NOTHING",
            (key, fingerprint, record_id, position),
        )

    def answer(self, key: str) -> tuple[str, str, int] | None:
        """(fingerprint, record id, position) of the request ``key``, if kept."""
        rows = self._answers(
            "SELECT fingerprint, record_id, position FROM mentoring_request_answers "
            "WHERE request_key = ?",
            (key,),
        )
        return (str(rows[0][0]), str(rows[0][1]), int(rows[0][2])) if rows else None

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        self.personal_data.ensure_keys(
            (cast(Any, event).tenant_id, vars(event)) for event in processing_event.events
        )
        key = getattr(self._request, "key", None)
        if key is None:
            return self._store(processing_event)
        self._request.key = None  # one tracking record per request, with its first save
        processing_event.tracking = Tracking(key, REQUEST_TRACKING_ID)
        try:
            return self._store(processing_event)
        except IntegrityError:
            if self.applied(key):
                raise AlreadyApplied(self.recorder.max_notification_id() or 0) from None
            raise

    def _store(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Insert the events: a failure of the database here may leave them saved or not."""
        try:
            return super()._record(processing_event)
        except UNAVAILABLE as error:
            raise SaveOutcomeUnknown() from error

    def envelope(self, notification: Notification) -> EventEnvelope:
        """The published form of one stored event: personal fields stay sealed.

        Built straight from the stored JSON (the relay does this for every event); an event
        that needs the mapper (an upcast, a cipher or compressor, a value this reading does
        not know) is decoded by it, with the same result."""
        direct = None if self._mapper_only else self._stored_envelopes.read(notification)
        if direct is not None:
            return direct
        event = self.sealed_mapper.to_domain_event(notification)
        return to_envelope(notification.id, event)

    @property
    def _mapper_only(self) -> bool:
        return self.mapper.cipher is not None or self.mapper.compressor is not None

    def close(self) -> None:
        super().close()
        if self.keys is not None:
            self.keys.close()


SCHEMA_LOCK = "mentoring:schema"
"""The advisory lock under which a process sets up the tables it needs."""


@contextmanager
def schema_setup(url: str, timeout: float) -> Iterator[None]:
    """Hold the schema lock while the tables are set up: replicas started at the same moment
    would otherwise race in ``CREATE TABLE IF NOT EXISTS``, which PostgreSQL's catalog does not
    make safe ("tuple concurrently updated", duplicate keys in ``pg_type``). Waits as long as
    another process sets up; the lock goes with the connection, whatever happens."""
    with psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(timeout))) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (SCHEMA_LOCK,))
        yield


def build_store(settings: Settings) -> MentoringStore:
    """The event store the settings name: SQLite file (embedded) or PostgreSQL."""
    if settings.uses_postgres:
        with schema_setup(settings.database_url, settings.postgres_connect_timeout):
            return _postgres_store(settings)
    keys = build_person_keys(settings)
    path = settings.event_store_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return MentoringStore(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        },
        keys=keys,
    )


def _postgres_store(settings: Settings) -> MentoringStore:
    keys = build_person_keys(settings)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        **postgres_env(settings.database_url),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
        "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_connect_timeout),
        "POSTGRES_LOCK_TIMEOUT": str(settings.postgres_lock_timeout),
        "POSTGRES_PRE_PING": "y",
    }
    store = MentoringStore(env=env, keys=keys)
    # eventsourcing tries each statement up to 10 times on an operational error, and a pool
    # that has no connection to give raises one: 10 full waits would hold a command for 30 s
    # in an outage. A tenth of the wait per try keeps the whole wait at about the setting.
    pool = cast(Any, store.recorder).datastore.pool
    pool.timeout = max(0.1, settings.postgres_connect_timeout / STATEMENT_TRIES)
    return store


STATEMENT_TRIES = 10
"""How often eventsourcing's recorders try a statement (``@retry(max_attempts=10)``)."""


def to_json_value(value: Any) -> Any:
    """An event field as a JSON value (ids and dates as strings)."""
    if isinstance(value, SealedPersonalData):
        return value.to_json()
    if isinstance(value, PersonalData):
        raise TypeError("Personal data is published sealed, never in plain text.")
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
