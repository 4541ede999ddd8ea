"""Relay and projector wait out a PostgreSQL outage and carry on, with no supervisor.

``mentoring relay`` and ``mentoring project`` reach the real PostgreSQL through a relay the
test cuts (tests/faults.py): every connection closes and new ones are refused, as in a restart.
Before, both exited ("lost a connection; exiting to restart cleanly"). Now each logs one line,
reconnects with backoff, and the change written during the outage (saved by the gateway, which
reaches the database directly) is published and projected once the database is back: the
same processes, still running, and no traceback in their logs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database, require_service
from tests.faults import Outage
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    _tail,
    free_port,
    kafka_environment,
    logged,
    start,
    stop,
    through,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "recovery", name: "Recovery network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
COHORTS = """query($at: Int) {
  cohorts(first: 100, consistentWith: $at) { edges { node { name } } pageInfo { hasNextPage } }
}"""
WORKERS = ("relay", "project")


@pytest.fixture
def production(tmp_path: Path) -> Iterator[tuple[Served, Outage]]:
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
                "recovery",
                MENTORING_KAFKA_TOPIC_PARTITIONS="2",
                MENTORING_CONSISTENCY_TIMEOUT="10",
            ),
            tmp_path,
        )
        try:
            for worker in WORKERS:
                start(served, worker, worker, MENTORING_DATABASE_URL=proxied)
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            for worker in WORKERS:
                logged(served, worker, re.compile(r"(relay|projector) ready"))
            yield served, relay
        finally:
            stop(served)


def cohorts(served: Served, token: str, at: int) -> list[str]:
    """The PIN's cohorts once the read models hold position ``at`` (STALE: asked again)."""
    deadline = time.monotonic() + START_DEADLINE
    while True:
        body: dict[str, Any] = served.post(COHORTS, {"at": at}, token=token).json()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if codes != ["STALE"] or time.monotonic() > deadline:
            assert not codes, body
            assert not body["data"]["cohorts"]["pageInfo"]["hasNextPage"], "more than a page"
            return sorted(edge["node"]["name"] for edge in body["data"]["cohorts"]["edges"])


def test_relay_and_projector_reconnect_after_the_database_comes_back(
    production: tuple[Served, Outage],
) -> None:
    served, relay = production
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    coordinator = served.token(tenant="recovery")
    served.data(REGISTER_PIN, token=admin)
    before = served.data(PLAN_COHORT, {"name": "Before"}, token=coordinator)["planCohort"]
    assert cohorts(served, coordinator, before["position"]) == ["Before"]

    relay.cut()
    for worker in WORKERS:
        logged(served, worker, re.compile(r"lost a connection .*; reconnecting in \d+ s"))
    during = served.post(PLAN_COHORT, {"name": "During"}, token=coordinator).json()
    error = (during.get("errors") or [{}])[0]
    assert error.get("extensions", {}).get("code") == "STALE", during  # saved, not yet seen
    position = error["extensions"]["position"]
    served.alive()

    relay.restore()
    assert cohorts(served, coordinator, position) == ["Before", "During"]
    served.alive()  # the same processes: nobody restarted them
    for worker in WORKERS:
        text = (served.logs / f"{worker}.log").read_text(errors="replace")
        assert "Traceback" not in text, _tail(served.logs / f"{worker}.log", 60)
