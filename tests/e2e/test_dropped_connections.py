"""A dropped database connection gets a clear answer and loses nothing."""

from __future__ import annotations

import time

import psycopg
import pytest

from gateway.bootstrap import Platform
from services.context import Role
from tests.conftest import GraphQLClient
from tests.e2e.conftest import ENROL_MENTEE, PinProgramme

MENTEES = "{ mentees { totalCount } }"


def _drop_other_connections(platform: Platform) -> int:
    """Terminate every other session on the test database, as a server restart would."""
    url = platform.settings.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_reads_and_writes_recover_after_the_database_drops_connections(
    platform: Platform, gateway: GraphQLClient, arec: PinProgramme
) -> None:
    if not platform.settings.uses_postgres:
        pytest.skip("an embedded SQLite store has no server connections to drop")
    assert _drop_other_connections(platform) > 0

    for _ in range(3):
        body = gateway.execute(MENTEES, token=arec.token)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes <= {"UNAVAILABLE"}, body
    assert gateway.data(MENTEES, token=arec.token)["mentees"]["totalCount"] == 6

    enrolled = gateway.execute(ENROL_MENTEE, {"name": "After the restart"}, token=arec.token)
    errors = enrolled.get("errors", [])
    if errors and errors[0]["extensions"]["code"] == "UNAVAILABLE":
        # Refused on a dropped connection: nothing was written, so retrying is right.
        enrolled = gateway.execute(ENROL_MENTEE, {"name": "After the restart"}, token=arec.token)
        errors = enrolled.get("errors", [])
    if errors:
        # Saved, but read back too slowly while the pools reconnect: the answer says so and
        # names the position to wait for; retrying the write would enrol the person twice.
        assert [e["extensions"]["code"] for e in errors] == ["STALE"], enrolled
        position = errors[0]["extensions"]["position"]
        deadline = time.monotonic() + 30
        while True:  # STALE until the projection has reconnected and applied it
            read = gateway.execute(
                "query($p: Int!) { mentees(consistentWith: $p) { totalCount } }",
                {"p": position},
                token=arec.token,
            )
            codes = [e["extensions"]["code"] for e in read.get("errors", [])]
            assert codes in ([], ["STALE"]), read
            if not codes or time.monotonic() > deadline:
                break
        assert read["data"]["mentees"]["totalCount"] == 7
    assert gateway.data(MENTEES, token=arec.token)["mentees"]["totalCount"] == 7
    admin = gateway.token(Role.COORDINATOR, tenant="arec")
    assert gateway.data(MENTEES, token=admin)["mentees"]["totalCount"] == 7
