"""An app factory for uvicorn, for the gateway experiments of ``bench/graphql_read.py``.

The gateway has no app factory (``gateway.app.create_app`` takes a built ``Platform``; only
``mentoring serve`` builds one), so ``uvicorn --factory`` and ``--workers N`` cannot start it.
This module is that factory, for the benchmark only:

    .venv/bin/uvicorn --factory bench.gateway_app:create --workers 2 --no-access-log

It changes nothing in the platform unless an experiment is switched on by environment:

``BENCH_GW_STATIC_RULES=1``
    Build the depth and alias limiters' validation rules once, not per request. strawberry's
    ``QueryDepthLimiter`` / ``MaxAliasesLimiter`` create a new rule class in ``__init__``, and
    ``gateway/schema.py`` passes them as factories (``lambda: QueryDepthLimiter(...)``), so
    every request brings new rule classes; ``ValidationCache`` keys its LRU on the tuple of
    rules, so it never hits and every request is validated again. The same limits apply.

``BENCH_GW_UNPLANNED=1``
    The gateway as it was before reads were planned: every request resolved field by field
    by graphql-core with DataLoaders (``build_schema(planned=False)``), for comparison.

``BENCH_GW_LEAN_READS=1``
    Fewer PostgreSQL round trips per read transaction: the reader pool in autocommit mode
    without the per-checkout health check, and ``BEGIN READ ONLY`` + ``set_config`` sent as
    one simple-protocol query (the tenant id is quoted as a literal), then the statements,
    then ``COMMIT``: 2 + N round trips per transaction instead of 4 + N. Same role, same
    setting, same policies.
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter

import gateway.app
from gateway.bootstrap import build_platform
from projections.database import PostgresReadModels, _PostgresExecutor

_original_build_schema = gateway.app.build_schema  # type: ignore[attr-defined]


def _static_rules(extensions: list[Any]) -> list[Any]:
    """``extensions`` with each per-request limiter factory replaced by fixed rule classes."""
    fixed: list[Any] = []
    for ext in extensions:
        if isinstance(ext, types.FunctionType):
            probe = ext()
            if isinstance(probe, (QueryDepthLimiter, MaxAliasesLimiter)):
                rules = list(probe.validation_rules)  # built once, reused by every request
                fixed.append(lambda rules=rules: AddValidationRules(rules))
                continue
        fixed.append(ext)
    return fixed


def _build_schema_static_rules(**kwargs: Any) -> Any:
    schema = _original_build_schema(**kwargs)
    schema.extensions = tuple(_static_rules(list(schema.extensions)))
    return schema


def _lean_reads(read_models: PostgresReadModels) -> None:
    """Swap the reader pool and ``reading`` of ``read_models`` for the lean variant."""
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    schema, role = read_models.schema, read_models.reader_role
    old = read_models._readers
    # The reader pool's own connection string: since b94ed11 readers log in as the reader
    # role; before, they connected as the owner and ran SET ROLE.
    logs_in_as_reader = conninfo_to_dict(old.conninfo).get("user") == role

    def configure(conn: Any) -> None:
        conn.execute(f"SET search_path TO {schema}")
        if not logs_in_as_reader:
            conn.execute(f"SET ROLE {role}")

    read_models._readers = ConnectionPool(
        old.conninfo,
        min_size=1,
        max_size=old.max_size,
        timeout=old.timeout,
        kwargs={"row_factory": dict_row, "autocommit": True},
        configure=configure,
        open=True,
    )
    old.close()

    @contextmanager
    def reading(self: PostgresReadModels, tenant_id: str | None = None) -> Iterator[Any]:
        with self._readers.connection() as conn:
            conn.execute(
                sql.SQL("BEGIN READ ONLY; SELECT set_config('app.tenant_id', {}, true)").format(
                    sql.Literal(tenant_id or "")
                )
            )
            try:
                yield _PostgresExecutor(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    read_models.reading = types.MethodType(reading, read_models)  # type: ignore[method-assign]


def _build_schema_unplanned(**kwargs: Any) -> Any:
    return _original_build_schema(**kwargs, planned=False)


def create() -> FastAPI:
    """The gateway as ``mentoring serve`` builds it (plus the experiments switched on)."""
    if os.environ.get("BENCH_GW_UNPLANNED") == "1":
        gateway.app.build_schema = _build_schema_unplanned  # type: ignore[attr-defined]
    if os.environ.get("BENCH_GW_STATIC_RULES") == "1":
        gateway.app.build_schema = _build_schema_static_rules  # type: ignore[attr-defined]
    platform = build_platform()
    if os.environ.get("BENCH_GW_LEAN_READS") == "1":
        if not isinstance(platform.read_models, PostgresReadModels):
            raise SystemExit("BENCH_GW_LEAN_READS needs PostgreSQL read models")
        _lean_reads(platform.read_models)
    return gateway.app.create_app(platform)
