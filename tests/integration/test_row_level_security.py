"""Row-level security alone keeps PINs apart, whatever SQL the gateway's role runs."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from gateway.bootstrap import Platform, build_platform
from projections.database import TENANT_TABLES
from services.settings import Settings
from tests.services.conftest import Programme, build


@pytest.fixture
def two_pins(postgres_url: str) -> Iterator[tuple[str, Programme, Programme]]:
    platform: Platform = build_platform(Settings(database_url=postgres_url))
    arec, cniea = build(platform, "arec", mentees=5), build(platform, "cniea", mentees=5)
    platform.catch_up(platform.store.recorder.max_notification_id() or 0)
    yield postgres_url, arec, cniea
    platform.close()


def _as_gateway(url: str, tenant: str | None, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET search_path TO readmodels")
        conn.execute("SET ROLE mentoring_gateway")
        if tenant is not None:
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def test_the_gateway_role_with_arec_set_reads_no_row_of_cniea(
    two_pins: tuple[str, Programme, Programme],
) -> None:
    url, arec, cniea = two_pins
    arec_id, cniea_id = str(arec.ctx.tenant_id), str(cniea.ctx.tenant_id)
    for table in TENANT_TABLES:
        seen = _as_gateway(url, arec_id, f"SELECT DISTINCT tenant_id FROM {table}")
        assert set(seen) <= {(arec_id,)}, table
        asked = _as_gateway(
            url, arec_id, f"SELECT count(*) FROM {table} WHERE tenant_id = '{cniea_id}'"
        )
        assert asked == [(0,)], table
    assert _as_gateway(url, arec_id, "SELECT count(*) FROM mentees") == [(5,)]


def test_the_gateway_role_without_a_tenant_reads_no_personal_row(
    two_pins: tuple[str, Programme, Programme],
) -> None:
    url, _, _ = two_pins
    for table in TENANT_TABLES:
        assert _as_gateway(url, None, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_the_gateway_role_cannot_change_read_models(
    two_pins: tuple[str, Programme, Programme],
) -> None:
    url, arec, _ = two_pins
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as_gateway(url, str(arec.ctx.tenant_id), "UPDATE mentees SET name = 'x' RETURNING id")
