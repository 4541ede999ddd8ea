"""What a rebuild reads: the store's events page by page, and the keys of each page's people.

``mentoring rebuild`` (and bench's rebuild benchmark) build it here; the projection itself
is rebuilt by ``projections.rebuild``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from gateway.bootstrap.platform import read_models

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification

    from domain.envelope import EventEnvelope
    from projections.database import RebuildableReadModels
    from projections.privacy.personal import OpenPersonal
    from services.privacy.person_keys import KeyRecord
    from services.settings import Settings
    from services.store import MentoringStore

ReadAfter = Callable[[int, int], list["EventEnvelope"]]
CHUNK = 500  # subjects per statement on SQLite (its limit of parameters)
_SCALARS = frozenset({str, int, float, bool, type(None)})  # JSON values that hold no field


def _sealed(value: Any) -> Iterator[Mapping[str, Any]]:
    """The sealed personal fields inside an event's payload value."""
    from projections.privacy.personal import is_sealed

    if is_sealed(value):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _sealed(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sealed(item)


class PageKeyTable:
    """The key store as a rebuild reads it: the keys of a page's people in one statement.

    A ``services.privacy.person_keys.KeyTable`` for reading only. ``prefetch`` reads the rows of
    every person with a sealed field in a page of events (while the page before is applied);
    ``get`` answers from the last two pages, and reads one row for anyone else.
    """

    def __init__(self, settings: Settings) -> None:
        self._lock = threading.Lock()
        self._postgres = settings.uses_postgres
        self._conn: Any
        if self._postgres:
            import psycopg

            self._conn = psycopg.connect(
                settings.database_url,
                autocommit=True,
                connect_timeout=max(1, round(settings.postgres_connect_timeout)),
            )
        else:
            import sqlite3

            self._conn = sqlite3.connect(
                settings.event_store_path, timeout=10, check_same_thread=False
            )
        self._pages: tuple[dict[UUID, KeyRecord], ...] = ({}, {})

    def _fetch(self, subjects: Iterable[UUID]) -> dict[UUID, KeyRecord]:
        from services.privacy.person_keys import key_record

        wanted = [str(subject) for subject in subjects]
        columns = "subject_id, tenant_id, kek_id, wrapped_key, created_at, destroyed_at"
        rows: list[Any] = []
        with self._lock:
            if self._postgres:
                rows = self._conn.execute(
                    f"SELECT {columns} FROM person_keys WHERE subject_id = ANY(%s)",  # noqa: S608
                    (wanted,),
                ).fetchall()
            else:
                for i in range(0, len(wanted), CHUNK):
                    chunk = wanted[i : i + CHUNK]
                    rows += self._conn.execute(
                        f"SELECT {columns} FROM person_keys "  # noqa: S608 - constant SQL
                        f"WHERE subject_id IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
        found = (key_record(row) for row in rows)
        return {record.subject_id: record for record in found if record is not None}

    def prefetch(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Read the rows of the people whose personal fields ``envelopes`` carry."""
        subjects = {
            UUID(str(sealed["subject_id"]))
            for envelope in envelopes
            for value in envelope.payload.values()
            if type(value) not in _SCALARS
            for sealed in _sealed(value)
        }
        self._pages = (self._fetch(subjects), self._pages[0])

    def get(self, subject_id: UUID) -> KeyRecord | None:
        for page in self._pages:
            record = page.get(subject_id)
            if record is not None:
                return record
        return self._fetch([subject_id]).get(subject_id)

    def insert(self, record: KeyRecord) -> None:
        raise NotImplementedError("A rebuild only reads the key store.")

    def destroy(self, subject_id: UUID, at: str) -> bool:
        raise NotImplementedError("A rebuild only reads the key store.")

    def scrub(self) -> None:
        raise NotImplementedError("A rebuild only reads the key store.")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _notifications(store: MentoringStore) -> Callable[[int, int], Sequence[Notification]]:
    """The store's notifications after a position: ``select_notifications``, or on
    PostgreSQL the same rows read as tuples (no dict per row: a rebuild reads them all)."""
    recorder: Any = store.recorder
    datastore = getattr(recorder, "datastore", None)
    table = getattr(recorder, "events_table_name", None)
    if not (datastore and table and "postgres" in type(recorder).__module__):

        def select(position: int, limit: int) -> Sequence[Notification]:
            return recorder.select_notifications(  # type: ignore[no-any-return]
                start=position, limit=limit, inclusive_of_start=False
            )

        return select
    from eventsourcing.persistence import Notification
    from psycopg import sql
    from psycopg.rows import tuple_row

    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(datastore.schema), sql.Identifier(table))

    def select_rows(position: int, limit: int) -> Sequence[Notification]:
        with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, (position, limit), prepare=True)
            return [
                Notification(
                    id=id_,
                    originator_id=originator,
                    originator_version=version,
                    topic=topic,
                    state=state if type(state) is bytes else bytes(state),
                )
                for id_, originator, version, topic, state in cursor.fetchall()
            ]

    return select_rows


def rebuild_source(
    settings: Settings, store: MentoringStore
) -> tuple[ReadAfter, OpenPersonal, Callable[[], None]]:
    """What a rebuild reads: (``read_after``: envelopes after a position, built from the
    stored JSON; the opener of their personal fields, with each page's keys read in one
    statement; ``close``)."""
    from services.privacy.key_encryption_keys import key_encryption_keys
    from services.privacy.person_keys import PersonKeys
    from services.privacy.personal_data import PersonalDataCipher

    table = PageKeyTable(settings)
    opener = PersonalDataCipher(PersonKeys(table, key_encryption_keys(settings))).text

    select = _notifications(store)

    def read_after(position: int, limit: int) -> list[EventEnvelope]:
        envelopes = [store.envelope(n) for n in select(position, limit)]
        table.prefetch(envelopes)
        return envelopes

    return read_after, opener, table.close


@dataclass(frozen=True)
class Rebuild:
    """What ``mentoring rebuild`` works on: the live read models it swaps the rebuilt ones
    into, the store's head when it began, and the source of the events."""

    live: RebuildableReadModels
    head: int
    read_after: ReadAfter
    personal: OpenPersonal


@contextmanager
def rebuilding(settings: Settings) -> Iterator[Rebuild]:
    """The store, the live read models and the rebuild's source; all closed afterwards, also
    when the rebuild fails."""
    from services.store import build_store

    store = build_store(settings)
    live = read_models(settings)
    head = store.recorder.max_notification_id() or 0
    read_after, personal, close = rebuild_source(settings, store)
    try:
        yield Rebuild(live, head, read_after, personal)
    finally:
        close()
        live.close()
        store.close()
