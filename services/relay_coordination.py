"""Where the relay keeps its position, how one relay leads, and how it learns of new events.

PostgreSQL: the position in a table of the event-store database, leadership by a session
advisory lock (a second relay waits as standby and takes over when the first one's session
ends), new events announced by the store's LISTEN/NOTIFY channel. SQLite: the position in
the event-store file, leadership by a file lock, polling.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg
from psycopg import sql

from services.settings import Settings
from services.store import MentoringStore, schema_setup

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x6D656E746F72  # "mentor": the advisory lock of the active relay


class RelayCoordinator(Protocol):
    def lead(self, stopping: threading.Event) -> bool:
        """Block until this relay is the active one (True), or ``stopping`` is set (False)."""

    def get(self) -> int: ...

    def set(self, position: int) -> None: ...

    def wait_for_events(self, timeout: float) -> None:
        """Return when new events may have been stored, or after ``timeout``."""

    def close(self) -> None: ...


class PostgresCoordinator:
    def __init__(
        self, url: str, channel: str, name: str = "kafka", standby_poll: float = 1.0
    ) -> None:
        self._name = name
        self._channel = channel
        self._standby_poll = standby_poll
        # One session holds the lock and records the position; another listens.
        self._conn = psycopg.connect(url, autocommit=True)
        self._listener: psycopg.Connection[Any] | None = None
        self._url = url
        with schema_setup(url, timeout=10):
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS relay_position "
                "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )

    def lead(self, stopping: threading.Event) -> bool:
        announced = False
        while not stopping.is_set():
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,)
            ).fetchone()
            if row and row[0]:
                log.info("relay: active (holds the relay lock)")
                return True
            if not announced:
                log.info("relay: standby; another relay is active")
                announced = True
            stopping.wait(self._standby_poll)
        return False

    def get(self) -> int:
        row = self._conn.execute(
            "SELECT position FROM relay_position WHERE name = %s", (self._name,)
        ).fetchone()
        return int(row[0]) if row else 0

    def set(self, position: int) -> None:
        self._conn.execute(
            "INSERT INTO relay_position (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (self._name, position),
        )

    def wait_for_events(self, timeout: float) -> None:
        if self._listener is None:
            self._listener = psycopg.connect(self._url, autocommit=True)
            self._listener.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(self._channel)))
        for _ in self._listener.notifies(timeout=timeout, stop_after=1):
            pass

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        self._conn.close()  # ends the session: the lock passes to a standby


class SQLiteCoordinator:
    def __init__(self, path: Path, name: str = "kafka") -> None:
        self._path = path
        self._name = name
        self._lock_file: IO[bytes] | None = None
        with sqlite3.connect(path, timeout=10) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS relay_position "
                "(name TEXT PRIMARY KEY, position INTEGER NOT NULL)"
            )

    def lead(self, stopping: threading.Event) -> bool:
        self._lock_file = open(self._path.with_suffix(".relay.lock"), "ab")  # noqa: SIM115
        announced = False
        while not stopping.is_set():
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if not announced:
                    log.info("relay: standby; another relay is active")
                    announced = True
                stopping.wait(1.0)
        return False

    def get(self) -> int:
        with sqlite3.connect(self._path, timeout=10) as conn:
            row = conn.execute(
                "SELECT position FROM relay_position WHERE name = ?", (self._name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def set(self, position: int) -> None:
        with sqlite3.connect(self._path, timeout=10) as conn:
            conn.execute(
                "INSERT INTO relay_position (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (self._name, position),
            )

    def wait_for_events(self, timeout: float) -> None:
        time.sleep(timeout)

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()


def published_position(settings: Settings) -> Callable[[], int]:
    """Reads the position the active relay has published up to (for projector watermarks)."""
    if settings.uses_postgres:
        conn = psycopg.connect(settings.database_url, autocommit=True)

        def postgres() -> int:
            row = (
                conn.execute("SELECT position FROM relay_position WHERE name = 'kafka'").fetchone()
                if _has_relay_table(conn)
                else None
            )
            return int(row[0]) if row else 0

        return postgres
    coordinator = SQLiteCoordinator(settings.event_store_path)
    return coordinator.get


def _has_relay_table(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('relay_position') IS NOT NULL").fetchone()
    return bool(row and row[0])


def coordinator_for(settings: Settings, store: MentoringStore) -> RelayCoordinator:
    if settings.uses_postgres:
        channel = str(getattr(store.recorder, "channel_name"))  # noqa: B009
        return PostgresCoordinator(settings.database_url, channel)
    return SQLiteCoordinator(settings.event_store_path)
