"""One change traced end to end: gateway, event, Kafka headers, projector's log.

A client sends a mutation with a W3C ``traceparent`` header. The gateway answers with a
``traceparent`` of the same trace; the stored event carries the trace id as its correlation id
(before, it was empty for every event); the Kafka message carries it in a ``traceparent``
header, read here by a plain consumer; and the projector logs it when it applies the event. A
request without the header starts a trace of its own, named in the answer, and its events carry
that one.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.conftest import fresh_database, require_service
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    free_port,
    kafka_environment,
    logged,
    start,
    stop,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "traced", name: "Traced network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


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
                "traced",
                MENTORING_KAFKA_TOPIC_PARTITIONS="2",
                MENTORING_CONSISTENCY_TIMEOUT="10",
            ),
            tmp_path,
        )
        try:
            start(served, "relay", "relay")
            start(served, "project", "project", "--verbose")
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            logged(served, "project", re.compile(r"projector ready"))
            yield served
        finally:
            stop(served)


def plan(served: Served, name: str, traceparent: str | None) -> tuple[str, dict[str, Any]]:
    """The answer's traceparent header, and its planCohort payload."""
    token = served.token(tenant="traced")
    headers = {"Authorization": f"Bearer {token}"}
    if traceparent:
        headers["traceparent"] = traceparent
    with served.client() as http:
        answer = http.post(
            "/graphql",
            json={"query": PLAN_COHORT, "variables": {"name": name}},
            headers=headers,
        )
    body = answer.json()
    assert "errors" not in body, body
    return answer.headers["traceparent"], body["data"]["planCohort"]


def messages(served: Served) -> dict[int, tuple[dict[str, str], dict[str, Any]]]:
    """Every message on the topic by store position: its headers and its envelope."""
    env = served.env
    consumer = KafkaConsumer(
        bootstrap_servers=env["MENTORING_KAFKA_BOOTSTRAP_SERVERS"], enable_auto_commit=False
    )
    topic = env["MENTORING_KAFKA_TOPIC"]
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: dict[int, tuple[dict[str, str], dict[str, Any]]] = {}
        deadline = time.monotonic() + START_DEADLINE
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    envelope = json.loads(record.value)
                    headers = {k: v.decode() for k, v in record.headers}
                    found[int(envelope["position"])] = (headers, envelope)
        return found
    finally:
        consumer.close()


def test_a_change_carries_its_trace_from_the_request_to_the_projectors_log(
    production: Served,
) -> None:
    served = production
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    served.data(REGISTER_PIN, token=admin)
    trace = secrets.token_hex(16)
    answered, given = plan(served, "Traced", f"00-{trace}-{secrets.token_hex(8)}-01")
    started, untraced = plan(served, "Untraced", None)
    own = TRACEPARENT.fullmatch(answered)
    assert own, answered
    assert own.group(1) == trace  # the same trace; the gateway's own span in it
    new = TRACEPARENT.fullmatch(started)
    assert new, started
    assert new.group(1) != trace

    published = messages(served)
    headers, envelope = published[given["position"]]
    assert envelope["correlation_id"] == trace
    assert headers["traceparent"].startswith(f"00-{trace}-")
    assert headers["event_type"] == "Cohort.Planned"
    assert published[untraced["position"]][1]["correlation_id"] == new.group(1)
    logged(served, "project", re.compile(rf"applied .*traces .*{trace}"))
