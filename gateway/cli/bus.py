"""``mentoring relay`` and ``mentoring project``: the two sides of Kafka on the production path.

Both install their signal handlers first, then check the settings, then import and connect;
each logs "... ready" once it is connected and a SIGTERM would stop it in order.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from gateway.cli import startup

log = logging.getLogger("mentoring.cli")

DrainOption = Annotated[bool, typer.Option(help="Work off what is pending, then exit.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v")]


def relay(drain: DrainOption = False, verbose: VerboseOption = False) -> None:
    """Publish every stored event to Kafka, in store order (one active relay; others stand by)."""
    stopping = startup.stop_on_signals()
    from services.settings import Secret

    settings = startup.settings(Secret.PERSONAL_DATA)
    bootstrap = startup.require_kafka(settings)
    startup.configure_logging(verbose)
    import psycopg
    from kafka.errors import KafkaError

    from services.kafka_bus import KafkaBus, ensure_topic
    from services.relay import Relay
    from services.relay_coordination import coordinator_for
    from services.store import build_store

    store = build_store(settings)
    coordinator = coordinator_for(settings, store)
    metrics = None if drain else startup.serve_metrics(settings, "relay")  # a standby too
    log.info("relay ready%s", f" (metrics on port {metrics})" if metrics else "")
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
            coordinator.wait_for_events(
                1.0 if settings.uses_postgres else settings.relay_poll_interval
            )
        bus.close()
    except (psycopg.OperationalError, KafkaError) as error:
        # The lock may be gone with the session: stop, and let the supervisor restart us;
        # the position recorded after the last acknowledged batch makes that safe.
        startup.fail(f"relay: lost a connection ({error}); exiting to restart cleanly.", 1)
    finally:
        coordinator.close()
        store.close()


def project(drain: DrainOption = False, verbose: VerboseOption = False) -> None:
    """Build the read models from Kafka (a consumer group; scale up to the partition count)."""
    stopping = startup.stop_on_signals()
    from services.settings import OnPoison, Secret

    settings = startup.settings(Secret.PERSONAL_DATA)
    bootstrap = startup.require_kafka(settings)
    startup.configure_logging(verbose)
    import psycopg
    from kafka.errors import KafkaError

    from projections.database import open_read_models
    from projections.kafka_projector import KafkaProjector
    from projections.tenant_views import TenantViews
    from services.kafka_bus import ensure_topic
    from services.person_keys import build_person_keys
    from services.personal_data import PersonalDataCipher
    from services.relay_coordination import published_position

    read_models = open_read_models(
        settings.read_models_url,
        settings.read_schema,
        pool_size=settings.postgres_pool_size,
        max_overflow=settings.postgres_max_overflow,
        timeout=settings.postgres_connect_timeout,
    )
    keys = build_person_keys(settings)  # the projector opens personal fields to fill views
    views = TenantViews(
        read_models,
        dead_letter=settings.projection_on_poison == OnPoison.DEAD_LETTER,
        in_process=False,
        personal=PersonalDataCipher(keys).text,
    )
    ensure_topic(  # never let the broker auto-create it with its default partition count
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
    )
    metrics = None if drain else startup.serve_metrics(settings, "project")
    log.info("projector ready%s", f" (metrics on port {metrics})" if metrics else "")
    try:
        applied = projector.run(stopping, drain=drain)
        typer.echo(f"applied {applied} event(s); position {views.status.position}", err=True)
    except (psycopg.OperationalError, KafkaError) as error:
        startup.fail(f"project: lost a connection ({error}); exiting to restart cleanly.", 1)
    except Exception:
        startup.fail(str(views.status.error), 1)
    finally:
        projector.close()
        read_models.close()
        keys.close()
