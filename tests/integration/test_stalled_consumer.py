"""A consumer that stops fetching while its partitions hold messages is given up and rebuilt.

After a broker froze under load, one projector of two once kept its partitions and fetched
nothing from them, with no error, until it was restarted by hand. The projector now watches
for that state: the broker answers, the assigned partitions hold messages, and polls fetch
none of them for ``STALL_AFTER`` seconds. Here the state is made on real Kafka by pausing
the consumer's partitions (the client then fetches nothing, as in the stall), and the
projector must give the consumer up on its own; a new one resumes from the committed offsets.
"""

from __future__ import annotations

import threading
import time

import pytest

from gateway import bootstrap
from gateway.bootstrap.production import kafka_projector
from projections.kafka_projector import STALL_AFTER, ConsumerStalled, KafkaProjector
from projections.tenant_views import TenantViews
from services.store import MentoringStore
from tests.integration.conftest import ProductionPath, seed_groups


def projector(production: ProductionPath, views: TenantViews, **extra: object) -> KafkaProjector:
    batches_of_50 = production.settings.model_copy(update={"projection_batch_size": 50})
    return kafka_projector(batches_of_50, views, **extra)  # type: ignore[arg-type]


def mentees(production: ProductionPath) -> int:
    value = production.scalar(
        "SELECT coalesce(sum(mentee_count), 0) FROM readmodels.mentoring_groups"
    )
    return int(value)  # type: ignore[call-overload]


def test_a_consumer_that_fetches_nothing_while_messages_wait_is_given_up_and_rebuilt(
    production: ProductionPath, store: MentoringStore
) -> None:
    seed_groups(store, 6)  # 162 events, more than one batch of 50 per partition
    assert production.run("relay", "--drain").returncode == 0
    read_models = bootstrap.read_models(production.settings)
    views = bootstrap.tenant_views(production.settings, read_models, store.personal_data.text)
    stopping = threading.Event()
    first: KafkaProjector | None = None

    def pause_after_the_first_batch() -> None:
        assert first is not None
        consumer = first._consumer  # the stall: assigned partitions that fetch nothing
        consumer.pause(*consumer.assignment())

    first = projector(production, views, on_progress=pause_after_the_first_batch)
    began = time.monotonic()
    try:
        with pytest.raises(ConsumerStalled, match="none fetched"):
            first.run(stopping)
        gave_up_after = time.monotonic() - began
    finally:
        first.close()
    assert STALL_AFTER <= gave_up_after < STALL_AFTER + 20, gave_up_after
    assert mentees(production) < 36  # the first batch only

    second = projector(production, views)
    try:
        second.run(stopping, drain=True)
    finally:
        second.close()
        read_models.close()
    assert mentees(production) == 36
