"""``mentoring relay`` and ``mentoring project``: the two sides of Kafka on the production path.

Both install their signal handlers first, then check the settings, then import and connect;
each logs "... ready" once it is connected and a SIGTERM would stop it in order.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated

import typer

from gateway.cli import startup

if TYPE_CHECKING:
    from services.settings import Settings
    from services.store import MentoringStore

log = logging.getLogger("mentoring.cli")

DrainOption = Annotated[bool, typer.Option(help="Work off what is pending, then exit.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v")]


def relay(drain: DrainOption = False, verbose: VerboseOption = False) -> None:
    """Publish every stored event to Kafka, in store order (one active relay; others stand by).

    A lost PostgreSQL or Kafka is waited out: the relay reconnects with backoff and, since its
    lock may have gone with its session, competes for it again (a standby may have taken
    over). It exits only when it cannot start, with one line."""
    stopping = startup.stop_on_signals()
    from services.settings import Secret

    settings = startup.settings(Secret.PERSONAL_DATA)
    bootstrap = startup.require_kafka(settings)
    startup.configure_logging(verbose)
    startup.configure_tracing("relay")
    from services.store import build_store

    lost = startup.connection_errors()
    try:
        store = build_store(settings)
    except lost as error:
        startup.fail(f"relay: cannot reach the event store ({startup.one_line(error)}).", 1)
    metrics = None if drain else startup.serve_metrics(settings, "relay")  # a standby too
    log.info("relay ready%s", f" (metrics on port {metrics})" if metrics else "")
    backoff = startup.Backoff()
    try:
        while not stopping.is_set():
            try:
                _relay_session(settings, store, bootstrap, stopping, drain, backoff)
                return
            except lost as error:
                if drain:
                    startup.fail(f"relay: lost a connection ({startup.one_line(error)}).", 1)
                delay = backoff.next()
                log.warning(
                    "relay: lost a connection (%s); reconnecting in %.0f s",
                    startup.one_line(error),
                    delay,
                )
                stopping.wait(delay)
    finally:
        store.close()


def _relay_session(
    settings: Settings,
    store: MentoringStore,
    bootstrap: str,
    stopping: threading.Event,
    drain: bool,
    backoff: startup.Backoff,
) -> None:
    """Lead (or stand by), then publish until stopped; a lost connection ends the session."""
    from services.kafka_bus import KafkaBus, ensure_topic
    from services.relay import Relay
    from services.relay_coordination import coordinator_for

    coordinator = coordinator_for(settings, store)
    try:
        if not coordinator.lead(stopping):
            return
        ensure_topic(
            bootstrap,
            settings.kafka_topic,
            settings.kafka_topic_partitions,
            settings.kafka_replication_factor,
        )
        bus = KafkaBus(bootstrap, settings.kafka_topic)
        try:
            follower = Relay(store, bus, coordinator, settings.relay_batch_size)
            if drain:
                published = follower.pump()
                typer.echo(
                    f"published {published} event(s); position {follower.published_position}",
                    err=True,
                )
                return
            while not stopping.is_set():
                follower.pump()
                backoff.reset()
                coordinator.wait_for_events(
                    1.0 if settings.uses_postgres else settings.relay_poll_interval
                )
        finally:
            with suppress(Exception):
                bus.close()
    finally:
        with suppress(Exception):  # a dead session ends with its connection
            coordinator.close()


def project(drain: DrainOption = False, verbose: VerboseOption = False) -> None:
    """Build the read models from Kafka (a consumer group; scale up to the partition count).

    A lost PostgreSQL or Kafka is waited out: the projector leaves the group without
    committing, reconnects with backoff and resumes from the committed offsets (tracking
    skips what it applied twice). A consumer that fetches nothing for 10 s while its
    partitions hold messages and the broker answers is replaced the same way. It exits on a
    poison event, or when it cannot start, with one line."""
    stopping = startup.stop_on_signals()
    from services.settings import OnPoison, Secret

    settings = startup.settings(Secret.PERSONAL_DATA)
    bootstrap = startup.require_kafka(settings)
    startup.configure_logging(verbose)
    startup.configure_tracing("projector")
    from projections.database import open_read_models
    from projections.kafka_projector import ConsumerStalled, KafkaProjector, member_name
    from projections.tenant_views import TenantViews
    from services.kafka_bus import ensure_topic
    from services.person_keys import build_person_keys
    from services.personal_data import PersonalDataCipher
    from services.relay_coordination import published_position

    lost = startup.connection_errors()
    try:
        read_models = open_read_models(
            settings.read_models_url,
            settings.read_schema,
            pool_size=settings.postgres_pool_size,
            max_overflow=settings.postgres_max_overflow,
            timeout=settings.postgres_connect_timeout,
        )
        keys = build_person_keys(settings)  # the projector opens personal fields to fill views
    except lost as error:
        startup.fail(f"project: cannot reach the database ({startup.one_line(error)}).", 1)
    views = TenantViews(
        read_models,
        dead_letter=settings.projection_on_poison == OnPoison.DEAD_LETTER,
        in_process=False,
        personal=PersonalDataCipher(keys).text,
    )
    metrics = None if drain else startup.serve_metrics(settings, "project")
    log.info("projector ready%s", f" (metrics on port {metrics})" if metrics else "")
    backoff, applied, member = startup.Backoff(), 0, member_name()
    try:
        while not stopping.is_set():
            projector = None
            try:
                ensure_topic(  # never let the broker auto-create it with its default count
                    bootstrap,
                    settings.kafka_topic,
                    settings.kafka_topic_partitions,
                    settings.kafka_replication_factor,
                )
                projector = KafkaProjector(
                    views,
                    bootstrap_servers=bootstrap,
                    topic=settings.kafka_topic,
                    group_id=settings.kafka_consumer_group,
                    relay_position=published_position(settings),
                    max_records=settings.projection_batch_size,
                    on_progress=backoff.reset,
                    member=member,
                )
                applied += projector.run(stopping, drain=drain)
                break
            except ConsumerStalled as error:  # the broker answers: a new consumer at once
                log.warning("project: the consumer stalled (%s); joining afresh", error)
            except lost as error:
                if drain:
                    startup.fail(f"project: lost a connection ({startup.one_line(error)}).", 1)
                delay = backoff.next()
                log.warning(
                    "project: lost a connection (%s); reconnecting in %.0f s",
                    startup.one_line(error),
                    delay,
                )
                stopping.wait(delay)
            except Exception:
                startup.fail(str(views.status.error or "project: stopped"), 1)
            finally:
                if projector is not None:
                    with suppress(Exception):  # leaves the group; offsets stay as committed
                        projector.close()
        typer.echo(f"applied {applied} event(s); position {views.status.position}", err=True)
    finally:
        read_models.close()
        keys.close()
