"""Processes of every role started at the same moment on one host and one fresh database.

Two gateway replicas in Kubernetes, a standby relay, a second projector: each starts with
default settings, sets up what it needs, and stays up. Before, the second gateway died in
``CREATE TABLE IF NOT EXISTS`` ("tuple concurrently updated", or a duplicate key in
``pg_type``), and the second relay or projector on ``/metrics`` port 9100 ("Address already in
use"). Then one change goes through the whole path: written on one gateway, published by the
active relay, applied by a projector, read on another gateway.
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_database, require_service
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    _tail,
    environment,
    free_port,
    start,
    stop,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "replica", name: "Replica network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation {
  planCohort(input: {name: "Spring", startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
COHORT = "query($id: ID!, $at: Int) { cohort(id: $id, consistentWith: $at) { id name } }"
GATEWAYS, RELAYS, PROJECTORS = 3, 2, 2
READY = re.compile(r"(relay|projector) ready \(metrics on port (\d+)\)")


@pytest.fixture
def database() -> Iterator[tuple[str, str]]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    with fresh_database(server) as url:
        yield url, bootstrap


def production(url: str, bootstrap: str, logs: Path, port: int) -> Served:
    suffix = uuid.uuid4().hex[:8]
    return Served(
        "production",
        f"http://127.0.0.1:{port}",
        environment(  # MENTORING_METRICS_PORT unset, as on a host with default settings
            MENTORING_DATABASE_URL=url,
            MENTORING_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            MENTORING_KAFKA_TOPIC=f"replicas.{suffix}",
            MENTORING_KAFKA_TOPIC_PARTITIONS="2",
            MENTORING_KAFKA_CONSUMER_GROUP=f"replicas-{suffix}",
            MENTORING_CONSISTENCY_TIMEOUT="10",
        ),
        logs,
    )


def metrics_port(served: Served, name: str) -> int:
    """The /metrics port the process names in its ready line; fail if it exits first."""
    process, log = served.processes[name], served.logs / f"{name}.log"
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        found = READY.search(log.read_text(errors="replace")) if log.exists() else None
        if found:
            return int(found.group(2))
        if process.poll() is not None:
            pytest.fail(f"`{name}` exited with {process.returncode}:\n{_tail(log)}")
        time.sleep(0.1)
    pytest.fail(f"`{name}` was not ready in time:\n{_tail(log)}")


def test_every_role_starts_at_once_and_a_change_goes_through(
    database: tuple[str, str], tmp_path: Path
) -> None:
    url, bootstrap = database
    ports = [free_port() for _ in range(GATEWAYS)]
    served = production(url, bootstrap, tmp_path, ports[0])  # starts and stops them all
    gateways = [
        Served("production", f"http://127.0.0.1:{port}", served.env, tmp_path) for port in ports
    ]
    try:
        for i in range(RELAYS):
            start(served, f"relay-{i}", "relay")
        for i in range(PROJECTORS):
            start(served, f"project-{i}", "project")
        for i, port in enumerate(ports):
            start(served, f"serve-{i}", "serve", "--port", str(port))
        for i, gateway in enumerate(gateways):
            gateway.processes = {f"serve-{i}": served.processes[f"serve-{i}"]}
            wait_until_ready(gateway, f"serve-{i}")
        workers = [f"relay-{i}" for i in range(RELAYS)] + [
            f"project-{i}" for i in range(PROJECTORS)
        ]
        metrics = {name: metrics_port(served, name) for name in workers}
        assert len(set(metrics.values())) == len(workers), metrics
        for name, port in metrics.items():
            answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
            assert answer.status_code == 200, (name, answer.status_code)

        admin = served.token(role="admin", tenant=None, subject="platform-admin")
        gateways[0].data(REGISTER_PIN, token=admin)
        coordinator = served.token(tenant="replica")
        planned = gateways[1].data(PLAN_COHORT, token=coordinator)["planCohort"]
        variables = {"id": planned["cohort"]["id"], "at": planned["position"]}
        cohort = gateways[2].data(COHORT, variables, token=coordinator)["cohort"]
        assert cohort["name"] == "Spring"

        served.alive()
        for log in tmp_path.glob("*-*.log"):
            assert "Traceback" not in log.read_text(errors="replace"), _tail(log, 80)
    finally:
        stop(served)


def test_a_metrics_port_that_is_taken_is_named_in_one_line(
    database: tuple[str, str], tmp_path: Path
) -> None:
    url, bootstrap = database
    served = production(url, bootstrap, tmp_path, free_port())
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))  # noqa: S104 - where /metrics binds
        holder.listen()
        taken = holder.getsockname()[1]
        for role in ("relay", "project"):
            served.env["MENTORING_METRICS_PORT"] = str(taken)
            ran = served.cli(role, timeout=120)
            assert ran.returncode == 2, (ran.returncode, ran.stderr[-2000:])
            lines = ran.stderr.strip().splitlines()
            assert lines[-1].startswith(f"{role}: cannot serve metrics on ")
            assert f"MENTORING_METRICS_PORT={taken}" in lines[-1]
            assert "Traceback" not in ran.stderr
