"""``mentoring relay`` and ``mentoring project``: the two sides of Kafka on the production path.

Both install their signal handlers first, then check the settings, then import and connect
(through ``gateway.bootstrap.production``); each logs "... ready" once it is connected and a
SIGTERM would stop it in order.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack, suppress
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
    stopping, settings = startup.kafka_process("relay", verbose)
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
                _relay_session(settings, store, stopping, drain, backoff)
                return
            except lost as error:
                startup.wait_out("relay", error, backoff, stopping, drain)
    finally:
        store.close()


def _relay_session(
    settings: Settings,
    store: MentoringStore,
    stopping: threading.Event,
    drain: bool,
    backoff: startup.Backoff,
) -> None:
    """Lead (or stand by), then publish until stopped; a lost connection ends the session."""
    from gateway.bootstrap.production import kafka_relay, relay_coordinator

    with relay_coordinator(settings, store) as coordinator:
        if not coordinator.lead(stopping):
            return
        with kafka_relay(settings, store, coordinator) as follower:
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


def project(drain: DrainOption = False, verbose: VerboseOption = False) -> None:
    """Build the read models from Kafka (a consumer group; scale up to the partition count).

    A lost PostgreSQL or Kafka is waited out: the projector leaves the group without
    committing, reconnects with backoff and resumes from the committed offsets (tracking
    skips what it applied twice). A consumer that fetches nothing for 10 s while its
    partitions hold messages and the broker answers is replaced the same way. It exits on a
    poison event, or when it cannot start, with one line."""
    stopping, settings = startup.kafka_process("projector", verbose)
    from gateway.bootstrap.production import kafka_projector, projection
    from projections.kafka_projector import ConsumerStalled, member_name

    lost = startup.connection_errors()
    with ExitStack() as opened:
        try:
            views = opened.enter_context(projection(settings))
        except lost as error:
            startup.fail(f"project: cannot reach the database ({startup.one_line(error)}).", 1)
        metrics = None if drain else startup.serve_metrics(settings, "project")
        log.info("projector ready%s", f" (metrics on port {metrics})" if metrics else "")
        backoff, applied, member = startup.Backoff(), 0, member_name()
        while not stopping.is_set():
            projector = None
            try:
                projector = kafka_projector(
                    settings, views, on_progress=backoff.reset, member=member
                )
                applied += projector.run(stopping, drain=drain)
                break
            except ConsumerStalled as error:  # the broker answers: a new consumer at once
                log.warning("project: the consumer stalled (%s); joining afresh", error)
            except lost as error:
                startup.wait_out("project", error, backoff, stopping, drain)
            except Exception:
                startup.fail(str(views.status.error or "project: stopped"), 1)
            finally:
                if projector is not None:
                    with suppress(Exception):  # leaves the group; offsets stay as committed
                        projector.close()
        typer.echo(f"applied {applied} event(s); position {views.status.position}", err=True)
