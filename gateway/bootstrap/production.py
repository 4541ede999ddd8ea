"""The production path's processes: the relay that publishes the store to Kafka, and the
projectors that apply the topic to the read models (``mentoring relay``, ``mentoring project``).

Each builder imports Kafka's client when it is called, and closes what it opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from gateway.bootstrap.platform import read_models, tenant_views

if TYPE_CHECKING:
    from projections.kafka_projector import KafkaProjector
    from projections.tenant_views import TenantViews
    from services.relay import Relay
    from services.relay_coordination import RelayCoordinator
    from services.settings import Settings
    from services.store import MentoringStore


def ensure_topic(settings: Settings) -> None:
    """Create the topic with the configured partitions if it is missing (never let the
    broker auto-create it with its default count)."""
    from services.kafka_bus import ensure_topic as create_if_missing

    create_if_missing(
        settings.kafka_bootstrap_servers or "",
        settings.kafka_topic,
        settings.kafka_topic_partitions,
        settings.kafka_replication_factor,
    )


@contextmanager
def relay_coordinator(settings: Settings, store: MentoringStore) -> Iterator[RelayCoordinator]:
    """Who leads the relays (one publishes, the others stand by); released afterwards."""
    from services.relay_coordination import coordinator_for

    coordinator = coordinator_for(settings, store)
    try:
        yield coordinator
    finally:
        with suppress(Exception):  # a dead session ends with its connection
            coordinator.close()


@contextmanager
def kafka_relay(
    settings: Settings, store: MentoringStore, coordinator: RelayCoordinator
) -> Iterator[Relay]:
    """The relay that publishes ``store``'s events to the topic, recording its position with
    ``coordinator``; its producer is closed afterwards."""
    from services.kafka_bus import KafkaBus
    from services.relay import Relay

    ensure_topic(settings)
    bus = KafkaBus(settings.kafka_bootstrap_servers or "", settings.kafka_topic)
    try:
        yield Relay(store, bus, coordinator, settings.relay_batch_size)
    finally:
        with suppress(Exception):
            bus.close()


@contextmanager
def projection(settings: Settings) -> Iterator[TenantViews]:
    """The tenant projection as a projector process builds it: the read models, and the key
    store that opens personal fields to fill them; both closed afterwards."""
    from services.privacy.person_keys import build_person_keys
    from services.privacy.personal_data import PersonalDataCipher

    models = read_models(settings)
    keys = build_person_keys(settings)
    try:
        yield tenant_views(settings, models, PersonalDataCipher(keys).text)
    finally:
        models.close()
        keys.close()


def kafka_projector(
    settings: Settings,
    views: TenantViews,
    *,
    on_progress: Callable[[], None] = lambda: None,
    member: str | None = None,
) -> KafkaProjector:
    """A member of the projectors' consumer group, applying its partitions to ``views``."""
    from projections.kafka_projector import KafkaProjector
    from services.relay_coordination import published_position

    ensure_topic(settings)
    return KafkaProjector(
        views,
        bootstrap_servers=settings.kafka_bootstrap_servers or "",
        topic=settings.kafka_topic,
        group_id=settings.kafka_consumer_group,
        relay_position=published_position(settings),
        max_records=settings.projection_batch_size,
        on_progress=on_progress,
        member=member,
    )
