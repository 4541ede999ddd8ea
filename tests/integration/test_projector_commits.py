"""The projector commits its Kafka offsets asynchronously, and never ahead of the read models.

Each poll is applied in one read-model transaction; the offsets of its messages are then
committed without waiting for the broker's answer (a commit that is lost only redelivers
messages that tracking skips). What must hold, on real Kafka and PostgreSQL: at any moment,
every message below the group's committed offset is applied; the commits land while the
projector runs; and a poll whose transaction fails commits nothing of it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from domain.envelope import EventEnvelope
from gateway import bootstrap
from gateway.bootstrap.production import kafka_projector
from projections.kafka_projector import KafkaProjector
from projections.tenant_views import TenantViews
from services.store import MentoringStore
from tests.integration.conftest import ProductionPath, seed_groups, wait_until


def positions_by_offset(production: ProductionPath) -> dict[int, dict[int, int]]:
    """partition -> offset -> store position, for every message on the topic."""
    consumer = KafkaConsumer(
        bootstrap_servers=production.bootstrap_servers, enable_auto_commit=False
    )
    partitions = [
        TopicPartition(production.topic, p)
        for p in consumer.partitions_for_topic(production.topic) or ()
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    found: dict[int, dict[int, int]] = {tp.partition: {} for tp in partitions}
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                position = EventEnvelope.from_json(record.value).position
                found[record.partition][record.offset] = position
    consumer.close()
    return found


class Offsets:
    """The group's committed offsets, as the broker holds them (read by a consumer that
    names the group but never joins it)."""

    def __init__(self, production: ProductionPath) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=production.bootstrap_servers,
            group_id=production.group,
            enable_auto_commit=False,
        )
        numbers = self._consumer.partitions_for_topic(production.topic) or set()
        self._partitions = [TopicPartition(production.topic, n) for n in sorted(numbers)]

    def committed(self) -> dict[int, int]:
        found = {tp.partition: self._consumer.committed(tp) for tp in self._partitions}
        return {part: offset for part, offset in found.items() if offset is not None}

    def close(self) -> None:
        self._consumer.close()


def assert_not_ahead(
    committed: Mapping[int, int], messages: dict[int, dict[int, int]], views: TenantViews
) -> None:
    """Every message below a committed offset is applied (its position tracked)."""
    tracked = views.tracked_parts(list(committed))
    for part, offset in committed.items():
        below = [position for at, position in messages[part].items() if at < offset]
        assert max(below, default=0) <= tracked[part], (part, offset, tracked[part])


class Watched(TenantViews):
    """Checks the committed offsets against the read models before each poll is applied;
    with ``fail_at``, that poll's transaction fails as a dropped connection would."""

    def __init__(
        self,
        *args: object,
        offsets: Offsets,
        messages: dict[int, dict[int, int]],
        fail_at: int | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.offsets, self.messages, self.fail_at, self.polls = offsets, messages, fail_at, 0

    def handle_batches(self, batches: Mapping[int, Sequence[EventEnvelope]]) -> None:
        self.polls += 1
        assert_not_ahead(self.offsets.committed(), self.messages, self)
        if self.polls == self.fail_at:
            raise psycopg.OperationalError("the connection was dropped (a test's fault)")
        super().handle_batches(batches)


def projector(production: ProductionPath, views: TenantViews) -> KafkaProjector:
    many_polls = production.settings.model_copy(update={"projection_batch_size": 10})
    return kafka_projector(many_polls, views)


def mentees(production: ProductionPath) -> int:
    value = production.scalar(
        "SELECT coalesce(sum(mentee_count), 0) FROM readmodels.mentoring_groups"
    )
    return int(value)  # type: ignore[call-overload]


def test_offsets_are_committed_while_running_and_never_ahead_of_the_read_models(
    production: ProductionPath, store: MentoringStore
) -> None:
    seed_groups(store, 3)
    assert production.run("relay", "--drain").returncode == 0
    messages = positions_by_offset(production)
    ends = {part: max(found) + 1 for part, found in messages.items() if found}
    offsets = Offsets(production)
    read_models = bootstrap.read_models(production.settings)
    views = Watched(
        read_models,
        in_process=False,
        personal=store.personal_data.text,
        offsets=offsets,
        messages=messages,
    )
    stopping = threading.Event()
    running = projector(production, views)
    thread = threading.Thread(target=running.run, args=(stopping,), daemon=True)
    thread.start()
    try:
        # the asynchronous commits reach the broker while the projector runs on
        wait_until(lambda: offsets.committed() == ends, 60, "the offsets committed to the end")
        assert thread.is_alive()
        assert mentees(production) == 18
        assert views.polls > len(ends)  # more than one poll per partition
        assert_not_ahead(offsets.committed(), messages, views)
    finally:
        stopping.set()
        thread.join(30)
        running.close()
        offsets.close()
        read_models.close()


def test_a_poll_whose_transaction_fails_commits_nothing_of_it(
    production: ProductionPath, store: MentoringStore
) -> None:
    seed_groups(store, 3)
    assert production.run("relay", "--drain").returncode == 0
    messages = positions_by_offset(production)
    offsets = Offsets(production)
    read_models = bootstrap.read_models(production.settings)
    views = Watched(
        read_models,
        in_process=False,
        personal=store.personal_data.text,
        offsets=offsets,
        messages=messages,
        fail_at=4,
    )
    first = projector(production, views)
    try:
        with pytest.raises(psycopg.OperationalError, match="a test's fault"):
            first.run(threading.Event())
    finally:
        first.close()  # leaves the group; commits still in flight may be lost
    assert_not_ahead(offsets.committed(), messages, views)
    assert mentees(production) < 18

    views.fail_at = None  # the database is back: a new projector goes on from the commits
    second = projector(production, views)
    try:
        second.run(threading.Event(), drain=True)
    finally:
        second.close()
        read_models.close()
    assert mentees(production) == 18  # every event applied once
    ends = {part: max(found) + 1 for part, found in messages.items() if found}
    assert offsets.committed() == ends  # a projector that drains leaves the offsets at the end
    offsets.close()
