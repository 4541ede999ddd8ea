"""Opening the read models again takes no lock that waits for the projectors' writes.

Every process that opens the read models (gateway, projector, CLI) secures the schema: row-level
security and a SELECT-only policy for the reader role on every tenant table. Before, each
opening ran ``ALTER TABLE ... ENABLE ROW LEVEL SECURITY`` and re-created each policy, which takes
an ACCESS EXCLUSIVE lock per table, table by table. A gateway started while a projector applied
a batch then waited behind the projector's transaction, and the projector's next statement waited
behind the gateway's lock: PostgreSQL broke the cycle by failing one of them (DeadlockDetected),
seen when a gateway was started beside a busy projector. Now a schema that is already secured
is left as it is; only a table that lacks its protection is altered.
"""

from __future__ import annotations

import threading

import psycopg
import pytest

from projections.database import TENANT_TABLES, PostgresReadModels, open_read_models

COHORT = (
    "(tenant_id, id, name, starts_on, ends_on, planned_sessions, min_group_size, "
    "max_group_size, state, seq) VALUES (%s, %s, 'Spring', '2026-01-05', '2026-04-30', 5, 5, 6, "
    "'planning', 1)"
)
OPEN_WITHIN = 10.0  # seconds: opening takes well under a second when nothing blocks it


@pytest.fixture
def secured(postgres_url: str) -> str:
    """A database whose read models were opened (and so secured) once."""
    open_read_models(postgres_url).close()
    return postgres_url


def open_in_background(url: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def opening() -> None:
        try:
            models = open_read_models(url)
            models.close()
            outcome.append("opened")
        except Exception as error:  # reported by the test
            outcome.append(error)

    thread = threading.Thread(target=opening, daemon=True)
    thread.start()
    return thread, outcome


def test_opening_does_not_wait_for_a_projector_in_the_middle_of_a_batch(secured: str) -> None:
    with psycopg.connect(secured) as projector:
        # A projector's batch: rows written in two tenant tables, not yet committed.
        projector.execute(
            "INSERT INTO readmodels.activity_feed (tenant_id, position, event_type, aggregate_id, "
            "occurred_at) VALUES ('t', 1, 'Cohort.Planned', 'a', '2026-01-01')"
        )
        projector.execute(
            "INSERT INTO readmodels.cohorts " + COHORT,
            ("t", "c"),
        )
        thread, outcome = open_in_background(secured)
        thread.join(OPEN_WITHIN)
        assert outcome == ["opened"], "opening waited for the projector's open transaction"
        projector.rollback()


def test_a_table_that_lost_its_protection_gets_it_back(secured: str) -> None:
    """What the check skips is only what is in place: a table without row-level security or
    without its policy is secured again on the next opening."""
    with psycopg.connect(secured, autocommit=True) as admin:
        admin.execute("ALTER TABLE readmodels.mentees DISABLE ROW LEVEL SECURITY")
        admin.execute("DROP POLICY tenant_isolation ON readmodels.cohorts")
    open_read_models(secured).close()
    with psycopg.connect(secured) as admin:
        rows = admin.execute(
            "SELECT c.relname, c.relrowsecurity, EXISTS (SELECT FROM pg_policy p "
            "WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'readmodels' AND c.relname = ANY(%s)",
            (list(TENANT_TABLES),),
        ).fetchall()
    assert len(rows) == len(TENANT_TABLES)
    assert [name for name, rls, policy in rows if not (rls and policy)] == []


def test_the_reader_still_sees_only_its_own_tenant_after_a_reopening(secured: str) -> None:
    models = open_read_models(secured)
    assert isinstance(models, PostgresReadModels)
    try:
        with models.transaction() as tx:
            for tenant in ("a", "b"):
                tx.execute("INSERT INTO cohorts " + COHORT.replace("%s", "?"), (tenant, tenant))
        with models.reading("a") as tx:
            seen = [row["id"] for row in tx.execute("SELECT id FROM cohorts").fetchall()]
    finally:
        models.close()
    assert seen == ["a"]
