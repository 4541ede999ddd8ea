"""Read-your-writes while a projector is stuck: STALE, never NOT_FOUND.

The production path with two projectors in one consumer group. Projector A reaches PostgreSQL
through a relay the test freezes (tests/faults.py): A hangs in the middle of a batch, while its
Kafka heartbeats go on, so it keeps its partitions and neither applies nor commits. Its own
watermark report goes stale (after 10 s), and the gateway then goes by B's alone. Before, B
reported the relay's position for the partitions it did not own, so a write that landed on one
of A's partitions answered NOT_FOUND for a record that was saved. Now B's watermark covers every
partition of the topic (the group's committed offsets for the ones it does not own), so such a
write answers STALE; once A is thawed, every write is readable.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import fresh_database, require_service
from tests.faults import Outage
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    free_port,
    kafka_environment,
    logged,
    start,
    stop,
    through,
    wait_until_ready,
)
from tests.outside.test_recovery import cohorts

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "watermark", name: "Watermark network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
STALE_AFTER = 10.0  # seconds: a projector's watermark report no longer counts (tenant_views)


@pytest.fixture
def two_projectors(tmp_path: Path) -> Iterator[tuple[Served, Outage, str]]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    with fresh_database(server) as url, Outage.of(url) as relay:
        proxied = through(url, relay.port)
        port = free_port()
        served = Served(
            "production",
            f"http://127.0.0.1:{port}",
            kafka_environment(
                url,
                bootstrap,
                "watermark",
                MENTORING_KAFKA_TOPIC_PARTITIONS="4",
                MENTORING_CONSISTENCY_TIMEOUT="1",
            ),
            tmp_path,
        )
        try:
            start(served, "relay", "relay")
            start(served, "project-a", "project", MENTORING_DATABASE_URL=proxied)
            start(served, "project-b", "project")
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            for name in ("project-a", "project-b"):
                logged(served, name, re.compile(r"projector ready"))
            yield served, relay, url
        finally:
            relay.thaw()
            stop(served)


def write(served: Served, token: str, name: str) -> tuple[str, int]:
    """Plan a cohort: the answer's code (OK, or the error's) and the write's position."""
    body = served.post(PLAN_COHORT, {"name": name}, token=token).json()
    errors = body.get("errors") or []
    if not errors:
        return "OK", int(body["data"]["planCohort"]["position"])
    extensions = errors[0]["extensions"]
    assert extensions["code"] == "STALE", body  # never NOT_FOUND for a saved record
    return "STALE", int(extensions["position"])


def reporting(url: str) -> int:
    """How many projectors have reported a watermark (each does once it owns partitions)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM readmodels.projection_watermarks").fetchone()
    return int(row[0]) if row else 0


def test_a_write_on_a_stuck_projectors_partition_is_stale_not_missing(
    two_projectors: tuple[Served, Outage, str],
) -> None:
    served, relay, url = two_projectors
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    coordinator = served.token(tenant="watermark")
    served.saved(REGISTER_PIN, token=admin)  # STALE while the group still rebalances
    _, first = write(served, coordinator, "Before")
    assert cohorts(served, coordinator, first) == ["Before"]
    deadline = time.monotonic() + START_DEADLINE
    while reporting(url) < 2:  # both own partitions: the readiness signal of the group
        assert time.monotonic() < deadline, "the two projectors never both owned partitions"
        write(served, coordinator, "Warm-up")

    relay.freeze()  # A hangs in its next batch; its heartbeats go on
    frozen_at = time.monotonic()
    answers: list[str] = []
    positions: list[int] = []
    while time.monotonic() - frozen_at < STALE_AFTER + 8 or "STALE" not in answers:
        assert time.monotonic() - frozen_at < START_DEADLINE, answers
        code, position = write(served, coordinator, f"During {len(answers)}")
        answers.append(code)
        positions.append(position)
    print(f"\nwhile A was stuck: {answers.count('OK')} OK, {answers.count('STALE')} STALE")

    relay.thaw()
    names = cohorts(served, coordinator, max(positions))
    assert "Before" in names
    assert {f"During {n}" for n in range(len(answers))} <= set(names)
    served.alive()


def test_a_projector_that_stops_withdraws_its_watermark(
    two_projectors: tuple[Served, Outage, str],
) -> None:
    """Its report would otherwise count for 10 more seconds, holding every read back at its
    last position although the survivor now applies (and reports for) every partition."""
    served, _, url = two_projectors
    deadline = time.monotonic() + START_DEADLINE
    while reporting(url) < 2:
        assert time.monotonic() < deadline, "the two projectors never both owned partitions"
        time.sleep(0.2)  # poll interval
    leaving = served.processes.pop("project-b")
    leaving.send_signal(signal.SIGTERM)
    assert leaving.wait(timeout=60) == 0
    assert reporting(url) == 1
    served.alive()
