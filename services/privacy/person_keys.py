"""Per-person data keys: one AES-256 key per data subject, wrapped by the PIN's key-encryption key.

The key store is the table ``person_keys`` in the event store's own database (the SQLite file
when embedded, PostgreSQL otherwise), so the ciphertext and the keys that open it are backed
up and restored together. A row holds the data key wrapped (AES-GCM) by the key-encryption key
(KEK) of the person's PIN; the KEKs never touch the database. They come from configuration
(``services.privacy.key_encryption_keys``; a KMS could implement the same calls).

Erasure destroys a key: the wrapped key is deleted and the row stays as a tombstone, so a late
event can never give the erased person a new key. SQLite is told to overwrite deleted bytes
(``secure_delete``) and the write-ahead log is truncated afterwards, so the wrapped key is not
left in free pages or in the log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.privacy import PersonErased
from services.errors import ServiceError
from services.privacy.key_encryption_keys import (
    KEY_BYTES,
    KeyEncryptionKeys,
    key_encryption_keys,
)
from services.settings import Settings

log = logging.getLogger(__name__)

CACHE_SECONDS = 30.0  # how long an unwrapped key stays in memory
CACHE_SIZE = 4096


class KeyUnavailable(ServiceError):
    """A person's data key cannot be opened: a lost key store or the wrong key-encryption key.

    The message names the person's id and PIN, never any personal data.
    """


@dataclass(frozen=True)
class KeyRecord:
    """A row of the key store."""

    subject_id: UUID
    tenant_id: UUID
    kek_id: str
    wrapped_key: bytes | None  # None once destroyed
    created_at: str
    destroyed_at: str | None

    @property
    def destroyed(self) -> bool:
        return self.destroyed_at is not None


class KeyTable(Protocol):
    """Where the wrapped keys are kept (the event store's database)."""

    def get(self, subject_id: UUID) -> KeyRecord | None: ...

    def insert(self, record: KeyRecord) -> None:
        """Insert unless the subject has a row already (then nothing changes)."""
        ...

    def destroy(self, subject_id: UUID, at: str) -> bool:
        """Delete the wrapped key, keep a tombstone; False if there was no live key."""
        ...

    def scrub(self) -> None:
        """Make sure destroyed keys are not left in free space or logs."""
        ...

    def close(self) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PersonKeys:
    """Creates, opens and destroys the data keys of data subjects."""

    def __init__(self, table: KeyTable, keks: KeyEncryptionKeys) -> None:
        self._table = table
        self._keks = keks
        self._lock = threading.Lock()
        # subject -> (expiry on the monotonic clock, key; None: destroyed, which is final)
        self._cache: OrderedDict[UUID, tuple[float, bytes | None]] = OrderedDict()

    def ensure(self, subject_id: UUID, tenant_id: UUID) -> None:
        """Give the subject a data key unless they have one; refuse an erased subject."""
        record = self._table.get(subject_id)
        if record is None:
            data_key = AESGCM.generate_key(bit_length=8 * KEY_BYTES)
            wrapped = self._keks.wrap(tenant_id, subject_id, data_key)
            self._table.insert(
                KeyRecord(
                    subject_id=subject_id,
                    tenant_id=tenant_id,
                    kek_id=self._keks.fingerprint(tenant_id),
                    wrapped_key=wrapped,
                    created_at=_now(),
                    destroyed_at=None,
                )
            )
            record = self._table.get(subject_id)  # someone else's insert may have won
            assert record is not None
            if record.wrapped_key == wrapped:
                self._remember(subject_id, data_key)
        if record.destroyed:
            raise PersonErased(f"The person {subject_id}")
        if record.tenant_id != tenant_id:
            raise KeyUnavailable(
                f"The data key of person {subject_id} belongs to PIN {record.tenant_id}, "
                f"not to PIN {tenant_id}; personal data of one PIN is never stored for another."
            )

    def data_key(self, subject_id: UUID) -> bytes | None:
        """The subject's data key, or None when it was destroyed (the person was erased)."""
        with self._lock:
            cached = self._cache.get(subject_id)
            if cached is not None and (cached[1] is None or cached[0] > time.monotonic()):
                self._cache.move_to_end(subject_id)
                return cached[1]
        record = self._table.get(subject_id)
        if record is None:
            raise KeyUnavailable(
                f"There is no data key for person {subject_id}: the key store (table "
                "person_keys in the event store's database) is missing or was not restored "
                "with the events."
            )
        key = None if record.wrapped_key is None else self._unwrap(record)
        self._remember(subject_id, key)
        return key

    def _unwrap(self, record: KeyRecord) -> bytes:
        assert record.wrapped_key is not None
        configured = self._keks.fingerprint(record.tenant_id)
        if configured != record.kek_id:
            raise KeyUnavailable(
                f"The data key of person {record.subject_id} (PIN {record.tenant_id}) was "
                f"wrapped with key-encryption key {record.kek_id}, but the key configured for "
                f"that PIN is {configured}. Configure the PIN's original key "
                "(MENTORING_KEY_ENCRYPTION_KEYS or MENTORING_KEY_ENCRYPTION_MASTER_KEY)."
            )
        try:
            return self._keks.unwrap(record.tenant_id, record.subject_id, record.wrapped_key)
        except InvalidTag:
            raise KeyUnavailable(
                f"The data key of person {record.subject_id} (PIN {record.tenant_id}) does not "
                f"open with key-encryption key {configured}: the key store row is damaged."
            ) from None

    def _remember(self, subject_id: UUID, key: bytes | None) -> None:
        with self._lock:
            self._cache[subject_id] = (time.monotonic() + CACHE_SECONDS, key)
            self._cache.move_to_end(subject_id)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def record(self, subject_id: UUID) -> KeyRecord | None:
        """The subject's row (created, destroyed); None if they never had a key."""
        return self._table.get(subject_id)

    def destroy(self, subject_id: UUID) -> bool:
        """Destroy the subject's key for good; False if it was destroyed already."""
        destroyed = self._table.destroy(subject_id, _now())
        self._remember(subject_id, None)
        self._table.scrub()
        return destroyed

    def close(self) -> None:
        self._table.close()


class _StatementsOfKeyTable:
    """The key table's statements, written once for both databases (``?`` placeholders)."""

    BINARY = "BLOB"
    CREATE = (
        "CREATE TABLE IF NOT EXISTS person_keys ("
        "subject_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kek_id TEXT NOT NULL, "
        "wrapped_key {binary}, created_at TEXT NOT NULL, destroyed_at TEXT)"
    )
    GET = (
        "SELECT subject_id, tenant_id, kek_id, wrapped_key, created_at, destroyed_at "
        "FROM person_keys WHERE subject_id = ?"
    )
    INSERT = (
        "INSERT INTO person_keys (subject_id, tenant_id, kek_id, wrapped_key, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO NOTHING"
    )
    DESTROY = (
        "UPDATE person_keys SET wrapped_key = NULL, destroyed_at = ? "
        "WHERE subject_id = ? AND destroyed_at IS NULL"
    )

    def _connection(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement

    def _create(self) -> None:
        with self._connection() as conn:
            conn.execute(self.CREATE.format(binary=self.BINARY))

    def get(self, subject_id: UUID) -> KeyRecord | None:
        with self._connection() as conn:
            row = conn.execute(self._sql(self.GET), (str(subject_id),)).fetchone()
        return key_record(row)

    def insert(self, record: KeyRecord) -> None:
        with self._connection() as conn:
            conn.execute(self._sql(self.INSERT), _values(record))

    def destroy(self, subject_id: UUID, at: str) -> bool:
        with self._connection() as conn:
            cursor = conn.execute(self._sql(self.DESTROY), (at, str(subject_id)))
            return bool(cursor.rowcount > 0)


class SQLiteKeyTable(_StatementsOfKeyTable):
    """The key store in the SQLite event store's file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._create()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            # Deleted bytes are overwritten with zeros, not left in free space.
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
        yield conn

    def scrub(self) -> None:
        """Copy the log into the file and truncate it, so no old page keeps the key."""
        with self._connection() as conn:
            for _attempt in range(50):
                busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                time.sleep(0.1)
        log.warning("key store: the write-ahead log could not be truncated (busy readers)")

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class PostgresKeyTable(_StatementsOfKeyTable):
    """The key store in the PostgreSQL event store's database."""

    BINARY = "BYTEA"

    def __init__(self, url: str, *, pool_size: int = 2, timeout: float = 10) -> None:
        from psycopg_pool import ConnectionPool

        self._url = url
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, pool_size),
            timeout=timeout,
            kwargs={"connect_timeout": int(timeout)},
            check=ConnectionPool.check_connection,
            open=True,
        )
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('mentoring:person_keys'))")
            conn.execute(self.CREATE.format(binary=self.BINARY))

    def _connection(self) -> AbstractContextManager[Any]:
        return self._pool.connection()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def scrub(self) -> None:
        """Vacuum the table so the old row version leaves its pages (not dumps: never there)."""
        import psycopg

        try:
            with psycopg.connect(self._url, autocommit=True) as conn:
                conn.execute("VACUUM person_keys")
        except psycopg.Error:
            log.warning("key store: VACUUM person_keys failed", exc_info=True)

    def close(self) -> None:
        self._pool.close()


def _values(record: KeyRecord) -> tuple[str, str, str, bytes | None, str]:
    return (
        str(record.subject_id),
        str(record.tenant_id),
        record.kek_id,
        record.wrapped_key,
        record.created_at,
    )


def key_record(row: Any) -> KeyRecord | None:
    """The key record of a ``person_keys`` row (subject, tenant, KEK, wrapped key, created,
    destroyed), or None."""
    if row is None:
        return None
    subject, tenant, kek_id, wrapped, created_at, destroyed_at = row
    return KeyRecord(
        UUID(subject),
        UUID(tenant),
        kek_id,
        None if wrapped is None else bytes(wrapped),
        created_at,
        destroyed_at,
    )


def build_person_keys(settings: Settings) -> PersonKeys:
    """The key store of the event store the settings name, with the configured KEKs."""
    keks = key_encryption_keys(settings)
    if settings.uses_postgres:
        table: KeyTable = PostgresKeyTable(
            settings.database_url,
            pool_size=settings.postgres_pool_size,
            timeout=settings.postgres_connect_timeout,
        )
    else:
        path = settings.event_store_path
        path.parent.mkdir(parents=True, exist_ok=True)
        table = SQLiteKeyTable(path)
    return PersonKeys(table, keks)
