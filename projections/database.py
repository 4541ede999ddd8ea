"""Read-model databases: SQLite (embedded) and PostgreSQL; schema migrations as plain SQL files.

Queries and projections write portable SQL with ``?`` placeholders; the PostgreSQL adapter
translates them. Rows are accessed by column name on both. This module names what a read-model
database offers and opens one; the two stores live in projections/sqlite_read_models.py and
projections/postgres_read_models.py, the migrations in projections/migrations.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from projections.migrations import migrate, migrations
from projections.postgres_read_models import IDLE_CHECK_AFTER, TENANT_TABLES, PostgresReadModels
from projections.sqlite_read_models import SQLiteReadModels

Params = Sequence[Any]

__all__ = [
    "IDLE_CHECK_AFTER",
    "TENANT_TABLES",
    "Cursor",
    "Executor",
    "Params",
    "PostgresReadModels",
    "ReadModels",
    "RebuildableReadModels",
    "SQLiteReadModels",
    "migrate",
    "migrations",
    "open_read_models",
]


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Executor(Protocol):
    """What projections and queries need of a connection: ``?``-style parameterised SQL."""

    def execute(self, sql: str, params: Params = ...) -> Cursor: ...


class ReadModels(Protocol):
    """A read-model database: write transactions for projections, snapshots for queries."""

    def transaction(self) -> AbstractContextManager[Executor]: ...

    def reading(self, tenant_id: str | None = None) -> AbstractContextManager[Executor]:
        """A read snapshot; on PostgreSQL row-level security limits it to ``tenant_id``."""
        ...

    def close(self) -> None: ...


class RebuildableReadModels(ReadModels, Protocol):
    def bulk(self) -> AbstractContextManager[Executor]: ...

    def replacement(self) -> RebuildableReadModels: ...

    def swap_in(self, replacement: Any, finish: Callable[[], None]) -> None: ...


def open_read_models(url: str, schema: str = "readmodels", **pool: Any) -> RebuildableReadModels:
    """The read-model database at ``url`` (sqlite:///PATH or postgresql://...)."""
    if url.startswith("sqlite:///"):
        return SQLiteReadModels(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresReadModels(url, schema, **pool)
    raise ValueError("The read-model database URL must be sqlite:///PATH or postgresql://...")
