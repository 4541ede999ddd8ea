"""The embedded platform: event store, bus, relay, projections and read models, built once.

The app, ``mentoring serve`` and the commands that run use cases (``match``, ``erase``,
``export``, ``retention``, ``demo``), the tests' fixtures and bench build it here. Each builder
imports what it builds when it is called: importing this module loads none of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.audit.trail import AuditTrail
    from gateway.tenant_versions import TenantVersions
    from projections.database import ReadModels, RebuildableReadModels
    from projections.privacy.personal import OpenPersonal
    from projections.tenant_views import TenantViews
    from services.group_lag import GroupLag, PartitionLag
    from services.relay import Relay
    from services.settings import Settings
    from services.store import MentoringStore

log = logging.getLogger(__name__)


class ProjectionPosition:
    """In embedded mode the bus keeps nothing: the relay resumes where the projection is."""

    def __init__(self, views: TenantViews) -> None:
        self._views = views

    def get(self) -> int:
        return self._views.status.position

    def set(self, position: int) -> None:
        """Nothing to record: the projection committed the position with its effects."""


@dataclass
class Platform:
    settings: Settings
    store: MentoringStore
    read_models: ReadModels
    views: TenantViews
    relay: Relay | None
    """The in-process relay (embedded bus); None when separate processes relay to Kafka."""
    audit: AuditTrail | None = None
    """The audit trail; it follows the store in a thread here only when embedded."""
    versions: TenantVersions | None = None
    """A version per PIN, for the result cache (gateway/tenant_versions.py)."""
    _group_lag: GroupLag | None = field(default=None, repr=False)
    _lag_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish_pending(self) -> None:
        """Embedded: publish the stored events to the projections now, not at the relay's next
        poll, so the caller reads its own writes; with Kafka the relay process does it."""
        if self.relay is not None:
            try:
                self.relay.pump()
            except Exception:
                log.exception("relay: publishing failed; its own thread retries")

    def catch_up(self, position: int) -> bool:
        """Publish pending events now and wait (bounded) until projections reach ``position``."""
        self.publish_pending()
        return self.views.wait_for(position, self.settings.consistency_timeout)

    def lag(self) -> tuple[int, float]:
        """How far the read models are behind the event store: (positions, seconds)."""
        return self.views.lag(self.store.recorder.max_notification_id() or 0)

    def partition_lag(self) -> list[PartitionLag]:
        """Kafka's view of the projectors' lag, per partition ([] when embedded: no Kafka)."""
        bootstrap = self.settings.kafka_bootstrap_servers
        if not bootstrap:
            return []
        from services.group_lag import GroupLag  # Kafka's client: only when there is Kafka

        with self._lag_lock:
            if self._group_lag is None:
                self._group_lag = GroupLag(
                    bootstrap, self.settings.kafka_topic, self.settings.kafka_consumer_group
                )
            try:
                return self._group_lag.measure()
            except Exception:
                self._group_lag.close()
                self._group_lag = None
                raise

    def start(self) -> None:
        if self.relay is not None:
            self.relay.start(self.settings.relay_poll_interval)
            if self.audit is not None:
                self.audit.start(self.settings.relay_poll_interval)

    def stop(self) -> None:
        if self.audit is not None:
            self.audit.stop()
        if self.relay is not None:
            self.relay.stop()

    def close(self) -> None:
        self.stop()
        if self._group_lag is not None:
            self._group_lag.close()
        self.read_models.close()
        self.store.close()


def read_models(settings: Settings) -> RebuildableReadModels:
    """The read-model database the settings name, pooled as they say."""
    from projections.database import open_read_models

    return open_read_models(
        settings.read_models_url,
        settings.read_schema,
        pool_size=settings.postgres_pool_size,
        max_overflow=settings.postgres_max_overflow,
        timeout=settings.postgres_connect_timeout,
        reader_role=settings.read_role,
        reader_password=settings.read_role_password,
    )


def tenant_views(settings: Settings, models: ReadModels, personal: OpenPersonal) -> TenantViews:
    """The tenant projection over ``models``; it applies every event itself when embedded,
    and its share of the partitions when projectors consume Kafka."""
    from projections.tenant_views import TenantViews
    from services.settings import OnPoison

    return TenantViews(
        models,
        dead_letter=settings.projection_on_poison == OnPoison.DEAD_LETTER,
        in_process=not settings.kafka_bootstrap_servers,
        personal=personal,
    )


def build_platform(settings: Settings | None = None) -> Platform:
    """The platform the settings describe: embedded (an in-process bus and relay), or the
    gateway of the production path (Kafka; the relay and projectors run as processes)."""
    from gateway.audit.trail import AuditTrail
    from gateway.tenant_versions import TenantVersions, noting
    from services.bus import InProcessBus
    from services.relay import Relay
    from services.settings import Settings
    from services.store import build_store

    settings = settings or Settings()
    store = build_store(settings)
    models = read_models(settings)
    views = tenant_views(settings, models, store.personal_data.text)
    audit = AuditTrail(settings, store, models)
    versions = TenantVersions(models, in_process=not settings.kafka_bootstrap_servers)
    if settings.kafka_bootstrap_servers:
        return Platform(settings, store, models, views, None, audit, versions=versions)
    bus = InProcessBus()
    bus.subscribe(noting(views.handle, versions))
    relay = Relay(store, bus, ProjectionPosition(views), settings.relay_batch_size)
    return Platform(settings, store, models, views, relay, audit, versions=versions)


@contextmanager
def audit_trail(settings: Settings) -> Iterator[AuditTrail]:
    """The audit trail of a process that runs no platform (``mentoring audit``, ``report``,
    ``statistics``): over its own store and read models, closed afterwards."""
    from gateway.audit.trail import AuditTrail
    from services.store import build_store

    store = build_store(settings)
    models = read_models(settings)
    try:
        yield AuditTrail(settings, store, models)
    finally:
        models.close()
        store.close()
