"""Read models in one schema of a PostgreSQL database, with row-level security per PIN."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from projections.migrations import migrate

if TYPE_CHECKING:
    from projections.database import Cursor, Executor, Params


_PLACEHOLDER = re.compile(r"\?")


class _PostgresExecutor:
    """Runs ``?``-style SQL on a psycopg connection; ``translated`` keeps the store's
    statements already translated to psycopg's placeholders."""

    def __init__(self, conn: Any, translated: dict[str, str]) -> None:
        self._conn = conn
        self._translated = translated

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        found = self._translated.get(sql)
        if found is None:
            found = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
            if len(self._translated) < 4096:
                self._translated[sql] = found
        cursor: Cursor = self._conn.execute(found, params)
        return cursor


# Tables holding one PIN's rows: row-level security limits every read to the caller's PIN.
# (pins and shared_activities are shared by every PIN; activity_registrations carry no


TENANT_TABLES = (
    "cohorts",
    "mentors",
    "mentees",
    "trainings",
    "outcomes",
    "mentoring_groups",
    "group_members",
    "group_sessions",
    "attendance",
    "activity_feed",
    "group_proposals",
    "follow_ups",
    "tenant_versions",
)


IDLE_CHECK_AFTER = 1.0
"""Seconds a pooled connection may sit unused before it is pinged as it is handed out. One in
use more recently is not pinged: its BEGIN shows whether it still works (see ``_begun``)."""


class PostgresReadModels:
    """Read models in one schema of a PostgreSQL database.

    Two pools: projections write as the connecting user (who owns the tables); queries run
    as ``reader_role``, which owns nothing, so the row-level security policies always apply:
    a resolver bug cannot read another PIN's rows.
    """

    def __init__(
        self,
        url: str,
        schema: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        timeout: float = 10,
        reader_role: str = "mentoring_gateway",
        reader_password: str | None = None,
    ) -> None:
        import psycopg
        from psycopg.conninfo import make_conninfo
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        for name in (schema, reader_role):
            if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
                raise ValueError(f"Invalid PostgreSQL name {name!r}.")
        self.schema = schema
        self.reader_role = reader_role
        self._psycopg = psycopg
        self._url = url
        self._translated: dict[str, str] = {}
        self._pool_options: dict[str, Any] = {
            "pool_size": pool_size,
            "max_overflow": max_overflow,
            "timeout": timeout,
            "reader_role": reader_role,
            "reader_password": reader_password,
        }

        # When each pooled connection was last used (or connected): see ``check``.
        self._used_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        used_at = self._used_at

        def writer(conn: Any) -> None:
            conn.execute(f"SET search_path TO {schema}")
            conn.commit()
            used_at[conn] = time.monotonic()

        def reader(conn: Any) -> None:
            conn.execute(f"SET search_path TO {schema}")
            conn.commit()
            used_at[conn] = time.monotonic()

        def check(conn: Any) -> None:
            """Ping a connection that sat idle (the server may have dropped it meanwhile)."""
            if time.monotonic() - used_at.get(conn, 0.0) >= IDLE_CHECK_AFTER:
                ConnectionPool.check_connection(conn)

        with psycopg.connect(url, autocommit=True, connect_timeout=int(timeout)) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")

        def pool(
            configure: Callable[[Any], None], size: int, conninfo: str = url, **options: Any
        ) -> Any:
            return ConnectionPool(
                conninfo,
                min_size=1,
                max_size=size,
                timeout=timeout,
                kwargs={"row_factory": dict_row, "connect_timeout": int(timeout), **options},
                configure=configure,
                # A connection that sat idle and that the server dropped meanwhile is replaced
                # before use, not handed out; for one used recently, see ``_begun``.
                check=check,
                open=True,
            )

        self._pool = pool(writer, pool_size)
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"migrations:{schema}",))
            migrate(tx)
            self._secure(tx)
        # Readers log in as the reader role itself (not SET ROLE from the owner, which a
        # RESET ROLE would undo): row-level security holds for every statement they run.
        reader_url = make_conninfo(url, user=reader_role, password=reader_password or "")
        # Autocommit: ``reading`` sends its BEGIN together with the tenant setting (one round
        # trip instead of two) and ends the transaction itself.
        self._readers = pool(reader, pool_size + max_overflow, reader_url, autocommit=True)

    def _secure(self, tx: Executor) -> None:
        """Row-level security on every tenant table; the reader role may only SELECT."""
        role, schema = self.reader_role, self.schema
        tx.execute(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} LOGIN; END IF; "
            f"IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = '{role}') THEN "
            f"ALTER ROLE {role} LOGIN; END IF; END $$"
        )
        tx.execute(
            "DO $$ BEGIN "
            f"IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN "
            f"EXECUTE 'GRANT {role} TO ' || quote_ident(current_user); END IF; END $$"
        )
        # What is in place is left alone: ALTER TABLE and a policy's re-creation take an
        # ACCESS EXCLUSIVE lock, which would wait for a projector's open batch and deadlock
        # with its next statement (every process opens the read models at start). A change
        # to the policy itself therefore comes with a migration that drops the old one.
        granted = tx.execute(
            "SELECT has_schema_privilege(?, ?, 'USAGE') AND NOT EXISTS (SELECT FROM pg_tables "
            "WHERE schemaname = ? AND NOT has_table_privilege(?, format('%I.%I', schemaname, "
            "tablename), 'SELECT')) AS granted",
            (role, schema, schema, role),
        ).fetchone()
        if not granted["granted"]:
            tx.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            tx.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        secured = {
            row["relname"]
            for row in tx.execute(
                "SELECT c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = ? "
                "JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_isolation' "
                "WHERE c.relrowsecurity AND p.polcmd = 'r' AND p.polroles = ARRAY[?::regrole::oid]",
                (schema, role),
            ).fetchall()
        }
        for table in TENANT_TABLES:
            if table in secured:
                continue
            tx.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            tx.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
            # The sub-select makes PostgreSQL read the setting once per statement.
            tx.execute(
                f"CREATE POLICY tenant_isolation ON {table} FOR SELECT TO {role} "
                "USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))"
            )

    @contextmanager
    def _begun(
        self, pool: Any, begin: Callable[[Any], AbstractContextManager[Any]] | None = None
    ) -> Iterator[Any]:
        """A pooled connection in a transaction (committed on success, else rolled back).

        ``begin(conn)`` starts and ends the transaction (default: psycopg's own). The BEGIN is
        the connection's check (no ping before it, unless it sat idle): one that the server
        dropped since its last use fails there, before anything else was sent, and is
        discarded; the next one is taken, as many times as the pool holds connections.
        """
        for attempt in range(pool.max_size + 1):
            stack = ExitStack()
            conn = stack.enter_context(pool.connection())
            try:
                stack.enter_context(begin(conn) if begin else conn.transaction())
            except self._psycopg.OperationalError:
                stack.close()  # a broken connection goes back to be replaced, not reused
                if conn.broken and attempt < pool.max_size:
                    continue
                raise
            break
        with stack:
            try:
                yield conn
            finally:
                self._used_at[conn] = time.monotonic()

    @contextmanager
    def transaction(self) -> Iterator[Executor]:
        with self._begun(self._pool) as conn:
            yield _PostgresExecutor(conn, self._translated)

    @contextmanager
    def bulk(self) -> Iterator[Executor]:
        """A write transaction in pipeline mode: statements go out without waiting (rebuild)."""
        with self._begun(self._pool) as conn, conn.pipeline():
            yield _PostgresExecutor(conn, self._translated)

    @contextmanager
    def reading(self, tenant_id: str | None = None) -> Iterator[Executor]:
        """A read transaction as the reader role, limited to ``tenant_id``'s rows.

        Without a tenant, the tenant tables read as empty (platform roles).
        """
        from psycopg import sql

        # One simple-protocol message: BEGIN and the transaction-local tenant (quoted).
        begin = sql.SQL("BEGIN READ ONLY; SELECT set_config('app.tenant_id', {}, true)").format(
            sql.Literal(tenant_id or "")
        )

        @contextmanager
        def read_only(conn: Any) -> Iterator[None]:
            conn.execute(begin)
            try:
                yield
            except BaseException:
                if not conn.broken:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        with self._begun(self._readers, read_only) as conn:
            yield _PostgresExecutor(conn, self._translated)

    def close(self) -> None:
        self._readers.close()
        self._pool.close()

    def scrub(self) -> None:
        """Vacuum the tables that held personal data, so old row versions leave their pages."""
        with self._psycopg.connect(self._url, autocommit=True) as conn:
            for table in ("mentees", "mentors", "outcomes"):
                conn.execute(f"VACUUM {self.schema}.{table}")

    def replacement(self) -> PostgresReadModels:
        """An empty schema beside this one, to be built and then swapped in."""
        name = f"{self.schema}_rebuild"
        with self._psycopg.connect(self._url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        return PostgresReadModels(self._url, name, **self._pool_options)

    def swap_in(self, replacement: PostgresReadModels, finish: Callable[[], None]) -> None:
        """Finish ``replacement`` while projectors wait, then rename it to this schema.

        Projectors block on the tracking table while the rename is prepared; queries keep
        reading the old schema until the rename commits, then the new one: no query sees a
        half-built read model.
        """
        retired = f"{self.schema}_retired"
        with self._psycopg.connect(self._url) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {retired} CASCADE")
            conn.execute(f"LOCK TABLE {self.schema}.projection_tracking IN ACCESS EXCLUSIVE MODE")
            finish()
            replacement.close()
            conn.execute(f"ALTER SCHEMA {self.schema} RENAME TO {retired}")
            conn.execute(f"ALTER SCHEMA {replacement.schema} RENAME TO {self.schema}")
            conn.commit()
            conn.execute(f"DROP SCHEMA {retired} CASCADE")
            conn.commit()

    @contextmanager
    def copying(self) -> Iterator[tuple[Executor, Callable[..., None]]]:
        """A write transaction that also loads many rows at once (a rebuild's bulk load):
        (executor, ``copy(table, columns, rows)``), one ``COPY ... FROM STDIN`` per call."""
        from psycopg import sql

        with self._begun(self._pool) as conn:

            def copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
                with conn.cursor() as cursor, cursor.copy(statement) as out:
                    for row in rows:
                        out.write_row(row)

            yield _PostgresExecutor(conn, self._translated), copy
