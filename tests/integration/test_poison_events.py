"""An event the projection cannot apply: it stops, says which, and /readyz reports it."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from kafka import KafkaProducer

from gateway.app import create_app
from gateway.bootstrap import build_platform
from services.kafka_bus import headers
from services.store import MentoringStore
from tests.integration.conftest import ProductionPath, seed_groups


def _publish_poison(production: ProductionPath, head: int) -> str:
    """A message that looks right but lacks the fields its type needs."""
    [last] = [m for m in production.read_topic() if m.position == head]
    poison = replace(last, position=head + 1, event_type="Group.MenteeAdded", payload={})
    producer = KafkaProducer(bootstrap_servers=production.bootstrap_servers)
    producer.send(
        production.topic,
        key=poison.aggregate_id.encode(),
        value=poison.to_json(),
        headers=headers(poison),
    )
    producer.flush()
    producer.close()
    return f"Group.MenteeAdded at position {head + 1}"


def test_a_poison_event_stops_the_projection_and_the_gateway_reports_it(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, 3)
    assert production.run("relay", "--drain").returncode == 0
    named = _publish_poison(production, head)

    result = production.run("project", "--drain")

    assert result.returncode == 1
    assert named in result.stderr
    assert production.projected_position() == head  # everything before it was applied
    platform = build_platform(production.settings)
    with TestClient(create_app(platform)) as client:
        ready = client.get("/readyz").json()
        metrics = client.get("/metrics").text
    platform.close()
    assert ready["status"] == "degraded"
    assert named in ready["projections"]["tenant_views"]["error"]
    assert 'mentoring_projection_lag_events{projection="tenant_views"}' in metrics


def test_configured_to_dead_letter_the_projection_skips_a_poison_event_and_goes_on(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, 3)
    assert production.run("relay", "--drain").returncode == 0
    _publish_poison(production, head)

    result = production.run("project", "--drain", MENTORING_PROJECTION_ON_POISON="dead-letter")

    assert result.returncode == 0, result.stderr
    assert production.sql("SELECT position, event_type FROM readmodels.dead_letters") == [
        (head + 1, "Group.MenteeAdded")
    ]
    assert production.scalar("SELECT sum(mentee_count) FROM readmodels.mentoring_groups") == 18
