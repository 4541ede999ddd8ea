"""An event the projection cannot apply: it stops, says which, and /readyz reports it."""

from __future__ import annotations

import signal
import time
from dataclasses import replace

import psycopg
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from gateway.app import create_app
from gateway.bootstrap import build_platform, read_models
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


@pytest.mark.parametrize("on_poison", ["stop", "dead-letter"])
def test_a_database_fault_in_the_middle_of_a_batch_is_waited_out_not_a_poison_event(
    production: ProductionPath, store: MentoringStore, on_poison: str
) -> None:
    """A statement of a batch fails because of the database, not the event (here a lock it
    cannot get in time, as a dropped connection or a deadlock would): before, the projection
    stopped there as at a poison event, and ``mentoring project`` exited with 1. Now it
    reconnects and applies the batch once the database lets it."""
    head = seed_groups(store, 3)
    assert production.run("relay", "--drain").returncode == 0
    read_models(production.settings).close()  # the tables exist
    database = production.database_url.rsplit("/", 1)[1]
    with psycopg.connect(production.database_url) as holder:
        holder.execute(f"ALTER DATABASE {database} SET lock_timeout = '200ms'")
        holder.commit()
        holder.execute("LOCK TABLE readmodels.mentoring_groups IN ACCESS EXCLUSIVE MODE")
        projector = production.start("project", MENTORING_PROJECTION_ON_POISON=on_poison)
        production.wait_for_line(projector, "project: lost a connection")
        holder.rollback()  # the lock is released
        holder.execute(f"ALTER DATABASE {database} RESET lock_timeout")
        holder.commit()
    deadline = time.monotonic() + 120
    # Every partition applied to its end (the highest tracked position alone could be one
    # partition's while another is still behind).
    while (
        production.scalar("SELECT coalesce(sum(mentee_count), 0) FROM readmodels.mentoring_groups")
        != 18
        or production.projected_position() < head
    ):
        assert projector.poll() is None, production.stderr[projector.pid].text()[-3000:]
        assert time.monotonic() < deadline, "the projector never applied the batch"
        time.sleep(0.2)  # poll interval
    assert "stopped at event" not in production.stderr[projector.pid].text()
    assert production.sql("SELECT position FROM readmodels.dead_letters") == []
    projector.send_signal(signal.SIGTERM)
    assert projector.wait(timeout=60) == 0
