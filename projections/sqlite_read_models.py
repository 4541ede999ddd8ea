"""Read models in a SQLite file: the embedded store of a single process."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from projections.migrations import migrate


class SQLiteReadModels:
    """Read models in a SQLite file (WAL, so queries never wait for the projection)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self.transaction() as tx:
            migrate(tx)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA secure_delete=ON")  # purged personal data: zeros, not free pages
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; commits on success, rolls back on any error."""
        with self._write_lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def reading(self, tenant_id: str | None = None) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for one query (a read transaction).

        SQLite has no row-level security: every query filters by tenant itself.
        """
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def bulk(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction for loading many events (rebuild)."""
        return self.transaction()

    def scrub(self) -> None:
        """Copy the write-ahead log into the file and truncate it, so no old page survives."""
        with self._write_lock:
            conn = self._connection()
            for _attempt in range(50):
                busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                time.sleep(0.1)
        raise sqlite3.OperationalError(f"{self.path}: the write-ahead log stays busy")

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def replacement(self) -> SQLiteReadModels:
        """An empty copy next to this one, to be built and then swapped in."""
        path = self.path.with_name(self.path.name + ".rebuild")
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        return SQLiteReadModels(path)

    def swap_in(self, replacement: SQLiteReadModels, finish: Callable[[], None]) -> None:
        """Finish ``replacement`` while writers wait, then make it this database's file.

        Processes that still hold the old file open keep reading it: stop the embedded
        server while rebuilding.
        """
        with self._write_lock:
            finish()
            replacement.close()
            with sqlite3.connect(replacement.path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.close()
            os.replace(replacement.path, self.path)
            for leftover in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                leftover.unlink(missing_ok=True)

    @contextmanager
    def copying(self) -> Iterator[tuple[sqlite3.Connection, Callable[..., None]]]:
        """A write transaction that also loads many rows at once (a rebuild's bulk load):
        (connection, ``copy(table, columns, rows)``), one ``executemany`` per call."""
        with self.transaction() as conn:

            def copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
                marks = ", ".join("?" * len(columns))
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    rows,
                )

            yield conn, copy
