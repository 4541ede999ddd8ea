"""The ``mentoring`` command: serve the gateway, seed the demo, issue local tokens."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import psycopg
import typer
import uvicorn
from kafka.errors import KafkaError
from prometheus_client import start_http_server
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from domain.envelope import EventEnvelope
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import Platform, build_platform
from gateway.cli_audit import audit_app, report
from gateway.cli_match import match
from gateway.cli_privacy import erase_app, export, retention
from gateway.schema import build_schema
from projections.audit_log import carry_over_audit_log
from projections.database import open_read_models
from projections.kafka_projector import KafkaProjector
from projections.rebuild import rebuild_tenant_views
from projections.tenant_views import TenantViews
from services.context import Role
from services.demo import NETWORKS, seed_demo
from services.kafka_bus import KafkaBus, ensure_topic
from services.person_keys import build_person_keys
from services.personal_data import PersonalDataCipher
from services.relay import Relay
from services.relay_coordination import coordinator_for, published_position
from services.settings import OnPoison, Settings
from services.store import build_store

app = typer.Typer(
    help="Group mentoring of skilled immigrants: the platform's command line.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # the Kafka client narrates every connection at INFO
        logging.getLogger("kafka").setLevel(logging.WARNING)


def _serve(platform: Platform, host: str, port: int) -> None:
    # No access log: a line per request costs more than a cached answer; errors are logged.
    uvicorn.run(create_app(platform), host=host, port=port, log_level="info", access_log=False)


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve GraphQL over the configured store (MENTORING_DATABASE_URL)."""
    _logging(verbose)
    platform = build_platform()
    err.print(f"GraphQL at http://{host}:{port}/graphql")
    _serve(platform, host, port)


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve GraphQL after seeding.")
    ] = True,
) -> None:
    """Seed the programme of the pilot and the roll-out, then serve it (idempotent)."""
    _logging(False)
    platform = build_platform()
    with err.status("Seeding the demo programme..."):
        summary = seed_demo(platform.store)
        platform.catch_up(platform.store.recorder.max_notification_id() or 0)
    if not serve:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        platform.close()
        return
    settings = platform.settings
    err.print("Coordinator tokens (valid 8 hours); paste one into GraphiQL's Headers tab:")
    for network in NETWORKS:
        token = issue_token(
            settings,
            role=Role.COORDINATOR,
            tenant=network.slug,
            subject=f"{network.slug}-coordinator",
        )
        # Plain output: the whole token must survive copy and paste.
        typer.echo(f'{network.slug:6} {{"Authorization": "Bearer {token}"}}', err=True)
    state = "already seeded" if summary.already_seeded else "seeded"
    err.print(f"Demo {state}. GraphiQL: http://{host}:{port}/graphql")
    err.print(
        "Paste a header above into GraphiQL's Headers tab, then try: { cohorts { totalCount } }"
    )
    _serve(platform, host, port)


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="Role the token grants.")] = Role.COORDINATOR,
    tenant: Annotated[
        str | None, typer.Option(help="PIN slug (required for coordinator and mentor).")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Pseudonymous actor id (a mentor's id for mentors).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.", min=60)] = 8 * 3600,
) -> None:
    """Print a signed bearer token for local use (HS256, MENTORING_JWT_SECRET)."""
    settings = Settings()
    try:
        typer.echo(
            issue_token(
                settings,
                role=role,
                tenant=tenant,
                subject=subject or f"{tenant or 'platform'}-{role}",
                ttl_seconds=ttl,
            )
        )
    except ValueError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so long-running commands stop cleanly."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    return stopping


def _require_kafka(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        err.print("[red]Set MENTORING_KAFKA_BOOTSTRAP_SERVERS (host:port of Kafka).[/red]")
        raise typer.Exit(2)
    return settings.kafka_bootstrap_servers


@app.command()
def relay(
    drain: Annotated[bool, typer.Option(help="Publish what is pending, then exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Publish every stored event to Kafka, in store order (one active relay; others stand by)."""
    _logging(verbose)
    settings = Settings()
    bootstrap = _require_kafka(settings)
    stopping = _stop_on_signals()
    store = build_store(settings)
    coordinator = coordinator_for(settings, store)
    if not drain:
        start_http_server(settings.metrics_port)  # a standby reports too
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
            err.print(f"published {published} event(s); position {follower.published_position}")
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
        err.print(f"[red]relay: lost a connection ({error}); exiting to restart cleanly.[/red]")
        raise typer.Exit(1) from None
    finally:
        coordinator.close()
        store.close()


@app.command()
def project(
    drain: Annotated[bool, typer.Option(help="Consume until caught up, then exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Build the read models from Kafka (a consumer group; scale up to the partition count)."""
    _logging(verbose)
    settings = Settings()
    bootstrap = _require_kafka(settings)
    stopping = _stop_on_signals()
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
    if not drain:
        start_http_server(settings.metrics_port)
    try:
        applied = projector.run(stopping, drain=drain)
        err.print(f"applied {applied} event(s); position {views.status.position}")
    except (psycopg.OperationalError, KafkaError) as error:
        err.print(f"[red]project: lost a connection ({error}); exiting to restart cleanly.[/red]")
        raise typer.Exit(1) from None
    except Exception:
        err.print(f"[red]{views.status.error}[/red]")
        raise typer.Exit(1) from None
    finally:
        projector.close()
        read_models.close()
        keys.close()


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` in the repository is its copy."""
    sdl = build_schema().as_str() + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl)


@app.command()
def rebuild(
    projection: Annotated[
        str, typer.Argument(help="The projection to rebuild (tenant_views).")
    ] = TenantViews.name,
) -> None:
    """Rebuild read models from the event store and swap them in at once (progress shown)."""
    _logging(False)
    if projection != TenantViews.name:
        err.print(f"[red]Unknown projection {projection!r}; known: {TenantViews.name}.[/red]")
        raise typer.Exit(2)
    settings = Settings()
    store = build_store(settings)
    live = open_read_models(settings.read_models_url, settings.read_schema)
    head = store.recorder.max_notification_id() or 0

    def read_after(position: int, limit: int) -> list[EventEnvelope]:
        notifications = store.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )
        return [store.envelope(n) for n in notifications]

    started = time.monotonic()
    with Progress(
        TextColumn("rebuilding {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} / {task.total:,} positions"),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(projection, total=head)
        final = rebuild_tenant_views(
            live,
            read_after,
            lambda position: progress.update(task, completed=position),
            carry_over=carry_over_audit_log,
            personal=store.personal_data.text,
        )
    live.close()
    store.close()
    err.print(f"rebuilt {projection} up to position {final} in {time.monotonic() - started:.1f} s")


app.add_typer(audit_app, name="audit")
app.add_typer(match, name="match")
app.add_typer(erase_app, name="erase")
app.command()(export)
app.command()(retention)
app.command()(report)


if __name__ == "__main__":
    app()
