"""Lag that cannot hide: a frozen projector shows, per partition, and ``/readyz`` says 503.

The production path (relay, one projector, gateway) on the real PostgreSQL and Kafka. The
projector is frozen (SIGSTOP: it neither applies nor commits, and no report of its own can be
trusted). Writes go on. Before, ``/readyz`` kept answering 200 "ready" from the projection's
own tracking. Now the gateway measures each partition the way Kafka's consumer-group tooling
does, committed offset against end offset, and a partition whose lag has not moved for
``MENTORING_PROJECTION_STALL_SECONDS`` makes it 503 "stalled", with the lag of every partition in
the answer and in ``/metrics``. Thawed, the projector catches up and the gateway is ready again.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka.admin import KafkaAdminClient

from tests.conftest import fresh_database, require_service
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    environment,
    free_port,
    kafka_environment,
    logged,
    start,
    stop,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "stall", name: "Stall network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) { position }
}"""
STALL_SECONDS = 2


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Served]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    with fresh_database(server) as url:
        port = free_port()
        served = Served(
            "production",
            f"http://127.0.0.1:{port}",
            kafka_environment(
                url,
                bootstrap,
                "stall",
                MENTORING_KAFKA_TOPIC_PARTITIONS="3",
                MENTORING_CONSISTENCY_TIMEOUT="2",
                MENTORING_PROJECTION_STALL_SECONDS=str(STALL_SECONDS),
            ),
            tmp_path,
        )
        try:
            start(served, "relay", "relay")
            start(served, "project", "project")
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            logged(served, "project", re.compile(r"projector ready"))
            yield served
        finally:
            project = served.processes.get("project")
            if project is not None and project.poll() is None:
                os.kill(project.pid, signal.SIGCONT)
            stop(served)


def readiness(served: Served, wanted: int) -> dict[str, Any]:
    """Poll /readyz until it answers ``wanted``; its last answer."""
    deadline = time.monotonic() + START_DEADLINE
    with httpx.Client(base_url=served.base_url, timeout=10) as http:
        while True:
            answer = http.get("/readyz")
            if answer.status_code == wanted or time.monotonic() > deadline:
                assert answer.status_code == wanted, answer.text
                body: dict[str, Any] = answer.json()
                return body
            time.sleep(0.2)


def test_a_frozen_projector_makes_the_gateway_unready_and_shows_its_lag(
    production: Served,
) -> None:
    served = production
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    coordinator = served.token(tenant="stall")
    served.saved(REGISTER_PIN, token=admin)
    served.saved(PLAN_COHORT, {"name": "Before"}, token=coordinator)
    ready = readiness(served, 200)
    assert ready["status"] == "ready", ready
    assert len(ready["partitions"]) == 3, ready

    os.kill(served.processes["project"].pid, signal.SIGSTOP)
    written = 6
    first_write = time.time()
    for n in range(written):
        served.post(PLAN_COHORT, {"name": f"During {n}"}, token=coordinator)  # STALE: unseen
    last_write = time.time()

    stalled = readiness(served, 503)
    answered = time.time()
    assert stalled["status"] == "stalled", stalled
    lags = {p["partition"]: p["lag"] for p in stalled["partitions"]}
    assert set(lags) == {0, 1, 2}
    assert sum(lags.values()) >= written, stalled
    assert any(p["stalled_seconds"] >= STALL_SECONDS for p in stalled["partitions"]), stalled
    # The oldest unapplied event is one of the writes made while the projector was frozen.
    oldest = stalled["oldest_unapplied_seconds"]
    assert answered - last_write - 1 <= oldest <= answered - first_write + 1, stalled
    with httpx.Client(base_url=served.base_url, timeout=10) as http:
        metrics = http.get("/metrics").text
    shown = re.findall(
        r'mentoring_projection_partition_lag\{[^}]*partition="(\d)"[^}]*\} (\S+)', metrics
    )
    assert sum(float(value) for _, value in shown) >= written, shown
    (age,) = re.findall(r"mentoring_projection_oldest_unapplied_seconds\{[^}]*\} (\S+)", metrics)
    assert float(age) >= oldest, metrics  # older still, a moment later

    os.kill(served.processes["project"].pid, signal.SIGCONT)
    ready = readiness(served, 200)
    assert ready["status"] == "ready", ready
    assert all(p["lag"] == 0 for p in ready["partitions"]), ready
    assert ready["oldest_unapplied_seconds"] == 0.0, ready
    served.alive()


def test_asking_for_readiness_never_creates_the_topic(tmp_path: Path) -> None:
    """A gateway that starts before the relay reports no partitions, and leaves the topic to
    the relay (which creates it with the configured partition count)."""
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    topic = f"unborn.{uuid.uuid4().hex[:8]}"
    with fresh_database(server) as url:
        port = free_port()
        served = Served(
            "production",
            f"http://127.0.0.1:{port}",
            environment(
                MENTORING_DATABASE_URL=url,
                MENTORING_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
                MENTORING_KAFKA_TOPIC=topic,
                MENTORING_KAFKA_CONSUMER_GROUP=f"unborn-{uuid.uuid4().hex[:8]}",
            ),
            tmp_path,
        )
        try:
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            for _ in range(3):
                ready = readiness(served, 200)
                assert ready.get("partitions", []) == [], ready
        finally:
            stop(served)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        assert topic not in admin.list_topics()
    finally:
        admin.close()
