"""Row-level security alone keeps PINs apart: raw SQL as the gateway's read role, with one
tenant set, sees no row of another, whatever the tenant and whatever the SQL.

(tests/integration/test_row_level_security.py shows it for arec and cniea and a handful of
statements; this adds random tenants, statements that try to get around the policy, the
reading path the gateway itself uses, and a census of every table the role can read.)
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.pin import pin_id_for
from projections.database import TENANT_TABLES
from tests.security.conftest import World

# Tables the read role may read across PINs, each for a reason (anything else that carries a
# tenant must be in TENANT_TABLES, under a policy).
ACROSS_PINS = {
    "pins": "PIN names and communities are public (the `pins` query)",
    "shared_activities": "shared activities are open to every PIN",
    "activity_registrations": "who of which PIN registered, by id only (names are in the "
    "secured mentees/mentors tables)",
    "api_keys": "keys are looked up before the caller's PIN is known; hashes only",
    "network_stats": "counts behind the public statistics",
    "network_cohorts": "round names behind the public statistics",
    "sharing_withdrawn": "ids of people who withdrew cross-PIN sharing, to filter with",
    "audit_leaves": "leaf hashes of the audit trail (funders' proofs), no content",
}
TENANT_COLUMNS = ("tenant_id", "person_tenant_id")


@pytest.fixture
def pg(world: World) -> World:
    if world.store != "postgres":
        pytest.skip("row-level security is PostgreSQL's; SQLite keeps the query-layer filter")
    return world


def as_gateway(world: World, tenant: str | None, *statements: str) -> list[list[tuple[Any, ...]]]:
    """Run ``statements`` in one transaction as the read role, with ``tenant`` set as the
    gateway sets it."""
    settings = world.settings
    with psycopg.connect(settings.database_url) as conn:
        conn.execute(f"SET search_path TO {settings.read_schema}")
        conn.execute(f"SET ROLE {settings.read_role}")
        if tenant is not None:
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        return [list(conn.execute(sql).fetchall()) for sql in statements]


def tenants(world: World) -> dict[str, str]:
    return {pin.slug: str(pin_id_for(pin.slug)) for pin in (world.arec, world.cniea)}


TENANT = st.one_of(
    st.sampled_from(["arec", "cniea"]).map(lambda slug: str(pin_id_for(slug))),
    st.just(str(UUID(int=0))),
    st.uuids().map(str),
    st.text(max_size=40).filter(lambda t: "\x00" not in t),
    st.sampled_from(["", "%", "*", "' OR '1'='1", "arec", "ARE", "NULL", " "]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tenant=TENANT)
def test_with_any_tenant_set_the_read_role_sees_that_tenants_rows_only(
    pg: World, tenant: str
) -> None:
    world = pg
    known = set(tenants(world).values())
    statements = [
        f"SELECT count(*) FILTER (WHERE tenant_id IS DISTINCT FROM {literal(tenant)}), count(*) "
        f"FROM {table}"
        for table in TENANT_TABLES
    ]
    for table, [(foreign, total)] in zip(
        TENANT_TABLES, as_gateway(world, tenant, *statements), strict=True
    ):
        assert foreign == 0, (table, tenant)
        if tenant not in known:
            assert total == 0, (table, tenant)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_sql_that_tries_to_get_around_the_policy_finds_nothing_of_another_pin(pg: World) -> None:
    world = pg
    ids = tenants(world)
    arec, cniea = ids["arec"], ids["cniea"]
    for table in TENANT_TABLES:
        # Each statement returns tenant ids; every one must be arec's.
        statements = [
            f"SELECT tenant_id FROM {table} WHERE tenant_id = '{cniea}' OR true",
            f"SELECT tenant_id FROM {table} t WHERE NOT EXISTS "
            f"(SELECT 1 WHERE t.tenant_id = '{arec}')",
            f"WITH everything AS (SELECT * FROM {table}) SELECT tenant_id FROM everything",
            f"SELECT tenant_id FROM {table} UNION ALL SELECT tenant_id FROM ONLY {table}",
            f"SELECT m.tenant_id FROM {table} a JOIN mentees m ON true "
            f"UNION ALL SELECT a.tenant_id FROM {table} a JOIN mentees m ON true",
            f"SELECT tenant_id FROM {table} TABLESAMPLE SYSTEM (100)",
            f"SELECT tenant_id FROM {table} WHERE tenant_id <> current_setting('app.tenant_id')",
            f"SELECT (SELECT max(tenant_id) FROM {table} WHERE tenant_id = '{cniea}')",
        ]
        for sql, rows in zip(statements, as_gateway(world, arec, *statements), strict=True):
            assert {tenant for (tenant,) in rows} <= {arec, None}, sql
        # Setting another tenant half-way shows that tenant, never two at once.
        rows = as_gateway(
            world,
            arec,
            f"SELECT tenant_id FROM {table} WHERE set_config('app.tenant_id', '{cniea}', true) "
            f"IS NOT NULL",
        )[0]
        assert len({tenant for (tenant,) in rows}) <= 1, table


def test_the_gateways_own_reading_path_sees_one_tenant(pg: World) -> None:
    """ReadModels.reading(tenant), as every resolver reads: no other tenant in any table,
    and no tenant at all without one."""
    world = pg
    ids = tenants(world)
    for slug, tenant in ids.items():
        with world.platform.read_models.reading(tenant) as conn:
            for table in TENANT_TABLES:
                seen = {
                    r["tenant_id"]
                    for r in conn.execute(f"SELECT tenant_id FROM {table}").fetchall()
                }
                assert seen <= {tenant}, (slug, table, seen)
    with world.platform.read_models.reading() as conn:
        for table in TENANT_TABLES:
            assert conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] == 0, table
    # ...and the world has rows of both PINs, or all of this proves nothing.
    with world.platform.read_models.reading(ids["cniea"]) as conn:
        assert conn.execute("SELECT count(*) AS n FROM mentees").fetchone()["n"] > 0


def test_every_table_with_a_tenant_is_under_a_policy_or_public_for_a_reason(pg: World) -> None:
    """A census of what the read role can read: nothing outside the read models (the event
    store, the personal-data keys), and no table that carries a tenant but no policy unless
    it is reviewed above."""
    world = pg
    [rows] = as_gateway(
        world,
        None,
        "SELECT t.table_schema, t.table_name, bool_or(c.column_name IN "
        f"{TENANT_COLUMNS}) FROM information_schema.tables t "
        "JOIN information_schema.columns c USING (table_schema, table_name) "
        "WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND has_table_privilege(current_user, "
        "quote_ident(t.table_schema) || '.' || quote_ident(t.table_name), 'SELECT') "
        "GROUP BY 1, 2",
    )
    schema = world.settings.read_schema
    assert {s for s, _, _ in rows} == {schema}, sorted(rows)
    readable = {name for _, name, has_tenant in rows if has_tenant}
    assert set(TENANT_TABLES) <= readable
    unreviewed = readable - set(TENANT_TABLES) - set(ACROSS_PINS)
    assert not unreviewed, (
        f"{sorted(unreviewed)} carry a tenant and the read role reads them across PINs: add "
        "them to projections.database.TENANT_TABLES (row-level security), or to ACROSS_PINS "
        "here with the reason they may be read across PINs"
    )


def test_the_read_role_owns_nothing_bypasses_nothing_and_writes_nothing(pg: World) -> None:
    world = pg
    role, schema = world.settings.read_role, world.settings.read_schema
    with psycopg.connect(world.settings.database_url) as conn:
        [(superuser, bypass)] = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchall()
        assert not superuser
        assert not bypass
        owned = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner = %s",
            (schema, role),
        ).fetchall()
        assert owned == []
        for table in TENANT_TABLES:
            [(enabled,)] = conn.execute(
                "SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass",
                (f"{schema}.{table}",),
            ).fetchall()
            assert enabled, table
        writable = conn.execute(
            "SELECT tablename, privilege FROM pg_tables, unnest(ARRAY['INSERT', 'UPDATE', "
            "'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS privilege "
            "WHERE schemaname = %s AND has_table_privilege(%s, "
            "quote_ident(schemaname) || '.' || quote_ident(tablename), privilege)",
            (schema, role),
        ).fetchall()
        assert writable == []


def test_a_reading_connection_cannot_leave_the_read_role(pg: World) -> None:
    world = pg
    ids = tenants(world)
    seen: dict[str, int] = {}

    class Undo(Exception):
        """Roll the transaction back: the pooled connection gets its role back."""

    try:
        with world.platform.read_models.reading(ids["arec"]) as conn:
            try:
                conn.execute("RESET ROLE")
            except psycopg.Error:
                seen["refused"] = 1
                raise Undo from None
            seen["other"] = conn.execute(
                "SELECT count(*) AS n FROM mentees WHERE tenant_id = ?", (ids["cniea"],)
            ).fetchone()["n"]
            raise Undo
    except Undo:
        pass
    with world.platform.read_models.reading(ids["arec"]) as conn:  # the pool is unharmed
        assert conn.execute("SELECT current_user AS u").fetchone()["u"] == world.settings.read_role
    assert seen.get("refused") or seen["other"] == 0, seen
