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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.conftest import fresh_database, require_service
from tests.otlp import Receiver
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
SERVER, PRODUCER, CONSUMER = 2, 4, 5  # OTLP's span kinds


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Served]:
    with platform(tmp_path) as served:
        yield served


@pytest.fixture
def exporting(tmp_path: Path) -> Iterator[tuple[Served, Receiver]]:
    """The same processes, each exporting its spans with OTLP to a receiver of the test's."""
    with (
        Receiver() as receiver,
        platform(
            tmp_path,
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY="100",  # ms between batches (5 s by default)
        ) as served,
    ):
        yield served, receiver


@contextmanager
def platform(tmp_path: Path, **env: str) -> Iterator[Served]:
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
                **env,
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
    assert envelope["correlation_id"] == f"{trace}-{own.group(2)}"  # the gateway's span
    assert headers["traceparent"] == f"00-{trace}-{own.group(2)}-01"
    assert headers["event_type"] == "Cohort.Planned"
    assert published[untraced["position"]][1]["correlation_id"] == f"{new[1]}-{new[2]}"
    logged(served, "project", re.compile(rf"applied .*traces .*{trace}"))


def test_the_processes_export_one_trace_of_a_change_with_otlp(
    exporting: tuple[Served, Receiver],
) -> None:
    """Gateway, use case, relay and projector spans of one mutation: one trace, each span the
    child of the one before, sent by each process to the configured OTLP endpoint."""
    served, receiver = exporting
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    served.data(REGISTER_PIN, token=admin)
    trace, caller = secrets.token_hex(16), secrets.token_hex(8)
    answered, _ = plan(served, "Exported", f"00-{trace}-{caller}-01")
    own = TRACEPARENT.fullmatch(answered)
    assert own, answered

    topic = served.env["MENTORING_KAFKA_TOPIC"]
    names = {"POST /graphql", "use case plan_cohort", f"publish {topic}", "apply Cohort.Planned"}
    spans = receiver.wait_for(trace, names, START_DEADLINE)
    assert names <= set(spans), spans
    request, use_case = spans["POST /graphql"], spans["use case plan_cohort"]
    publish, apply = spans[f"publish {topic}"], spans["apply Cohort.Planned"]
    assert [request.service, use_case.service, publish.service, apply.service] == [
        "mentoring-gateway",
        "mentoring-gateway",
        "mentoring-relay",
        "mentoring-projector",
    ]
    assert (request.kind, request.parent_span_id) == (SERVER, caller)  # the client's span
    assert request.span_id == own.group(2)  # the one the answer names
    assert use_case.parent_span_id == request.span_id
    assert (publish.kind, publish.parent_span_id) == (PRODUCER, request.span_id)
    assert publish.attributes["messaging.destination.name"] == topic
    assert (apply.kind, apply.parent_span_id) == (CONSUMER, publish.span_id)
    assert apply.attributes["mentoring.position"] == publish.attributes["mentoring.position"]


def test_no_span_is_exported_unless_an_endpoint_is_configured(production: Served) -> None:
    """Off by default: no OTLP exporter runs, and the answers still name their trace."""
    served = production
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    served.data(REGISTER_PIN, token=admin)
    answered, _ = plan(served, "Quiet", None)
    assert TRACEPARENT.fullmatch(answered), answered
    for name in ("serve", "relay", "project"):
        assert "tracing: exporting" not in (served.logs / f"{name}.log").read_text()
