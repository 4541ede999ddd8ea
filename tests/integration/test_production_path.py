"""Store → Kafka → read models on real PostgreSQL and Kafka, including crashes."""

from __future__ import annotations

import signal
from collections import Counter, defaultdict
from datetime import date

from domain.pin import pin_id_for
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.store import MentoringStore
from tests.integration.conftest import ProductionPath, seed_groups, wait_until

GROUPS = 185  # 185 groups x 27 events = 4,995 events, plus the PIN's registration


def _assert_read_model_counts_each_event_once(production: ProductionPath, groups: int) -> None:
    assert production.scalar("SELECT count(*) FROM readmodels.mentoring_groups") == groups
    assert (
        production.scalar("SELECT sum(mentee_count) FROM readmodels.mentoring_groups") == 6 * groups
    )
    assert production.scalar("SELECT count(*) FROM readmodels.group_members") == 6 * groups
    assert production.scalar("SELECT count(*) FROM readmodels.mentees") == 6 * groups


def test_a_mutation_reaches_postgres_then_the_topic_in_order_then_the_read_model(
    production: ProductionPath, store: MentoringStore
) -> None:
    admin = TenantContext(pin_id_for("arec"), Role.ADMIN, "admin")
    ctx = TenantContext(pin_id_for("arec"), Role.COORDINATOR, "arec-coordinator")
    uc.register_pin(store, c.RegisterPin("arec", "AREC", ["Romanian"], ["Engineering"]), admin)
    cohort = uc.plan_cohort(store, c.PlanCohort("Pilot", date(2024, 1, 8), date(2024, 4, 30)), ctx)
    uc.start_cohort(store, c.StartCohort(cohort.id), ctx)
    closed = uc.close_cohort(store, c.CloseCohort(cohort.id), ctx)

    stored = production.sql("SELECT originator_id, originator_version, topic FROM mentoring_events")
    assert len(stored) == 4

    assert production.run("relay", "--drain").returncode == 0
    messages = production.read_topic()
    versions = defaultdict(list)
    for message in messages:
        versions[message.aggregate_id].append(message.aggregate_version)
    assert versions[str(cohort.id)] == [1, 2, 3]
    assert sorted(m.position for m in messages) == list(range(1, closed.position + 1))
    assert {m.tenant_id for m in messages} == {str(pin_id_for("arec"))}

    assert production.run("project", "--drain").returncode == 0
    assert production.sql("SELECT state FROM readmodels.cohorts WHERE id = %s", str(cohort.id)) == [
        ("closed",)
    ]


def test_a_relay_killed_while_publishing_loses_nothing_and_each_event_counts_once(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, GROUPS)
    relay = production.start("relay", MENTORING_RELAY_BATCH_SIZE="5")
    wait_until(lambda: production.relay_position() > head // 10, 60, "the relay is publishing")
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=10)
    killed_at = production.relay_position()
    assert 0 < killed_at < head, "the relay should have been killed while publishing"

    assert production.run("relay", "--drain").returncode == 0
    positions = Counter(m.position for m in production.read_topic())
    assert set(positions) == set(range(1, head + 1))  # every event at least once

    result = production.run("project", "--drain")
    assert result.returncode == 0, result.stderr
    _assert_read_model_counts_each_event_once(production, GROUPS)


def test_a_projector_killed_between_messages_counts_each_event_once(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, GROUPS)
    assert production.run("relay", "--drain").returncode == 0
    projector = production.start("project", MENTORING_PROJECTION_BATCH_SIZE="7")
    wait_until(
        lambda: production.projected_position() > head // 10, 60, "the projector is applying"
    )
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=10)
    assert production.projected_position() < head, "the projector should have been killed midway"

    result = production.run("project", "--drain")
    assert result.returncode == 0, result.stderr
    _assert_read_model_counts_each_event_once(production, GROUPS)


def test_two_relays_started_together_publish_nothing_twice(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, 40)
    first = production.start("relay", MENTORING_RELAY_BATCH_SIZE="5")
    second = production.start("relay", MENTORING_RELAY_BATCH_SIZE="5")
    wait_until(lambda: production.relay_position() == head, 60, "the relays published everything")
    for relay in (first, second):
        relay.send_signal(signal.SIGTERM)
    for relay in (first, second):
        relay.wait(timeout=20)

    positions = Counter(m.position for m in production.read_topic())
    assert set(positions) == set(range(1, head + 1))
    assert max(positions.values()) == 1


def test_a_standby_relay_takes_over_when_the_active_one_dies(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, 40)
    active = production.start("relay", MENTORING_RELAY_BATCH_SIZE="5")
    wait_until(lambda: production.relay_position() > 0, 60, "the first relay is active")
    standby = production.start("relay", MENTORING_RELAY_BATCH_SIZE="5")
    active.send_signal(signal.SIGKILL)
    active.wait(timeout=10)

    wait_until(lambda: production.relay_position() == head, 60, "the standby published the rest")
    assert standby.poll() is None
    assert set(m.position for m in production.read_topic()) == set(range(1, head + 1))


def test_rebuild_produces_the_read_models_the_projector_built(
    production: ProductionPath, store: MentoringStore
) -> None:
    seed_groups(store, 30)
    assert production.run("relay", "--drain").returncode == 0
    assert production.run("project", "--drain").returncode == 0
    incremental = production.digest()

    result = production.run("rebuild")
    assert result.returncode == 0, result.stderr
    assert "rebuilt tenant_views up to position" in result.stderr
    assert production.digest() == incremental

    # The projector goes on after a rebuild: it skips what the rebuild applied.
    seed_groups(store, 2, slug="cniea")
    assert production.run("relay", "--drain").returncode == 0
    assert production.run("project", "--drain").returncode == 0
    assert production.scalar("SELECT count(*) FROM readmodels.mentoring_groups") == 32
    assert production.scalar("SELECT sum(mentee_count) FROM readmodels.mentoring_groups") == 6 * 32
