"""How every command starts: signals, logging, checked settings; nothing heavy is imported here.

A command imports what it uses inside its function, after these, so ``mentoring --help`` and a
signal handler come before scipy, strawberry, FastAPI or Kafka are loaded.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, NoReturn

import typer

log = logging.getLogger("mentoring.cli")

if TYPE_CHECKING:
    from gateway.bootstrap import Platform
    from services.settings import Secret, Settings


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop the command with ``message`` as one plain line on stderr: no markup, no traceback."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings(*uses: Secret) -> Settings:
    """The settings from the environment; stops the command, before any work, when they are
    invalid or when production lacks a secret of ``uses`` (``services.settings.load_settings``).
    """
    from services.settings import ConfigurationError, load_settings

    try:
        return load_settings(*uses)
    except ConfigurationError as error:
        fail(str(error))


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM or SIGINT sets, so long-running commands stop in order.

    Long-running commands call it first, so a signal that comes while they import and
    connect still ends in an orderly stop (exit 0).
    """
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    return stopping


def configure_logging(verbose: bool = False) -> None:
    """Log lines to stderr; and ``kill -USR1 PID`` prints every thread's stack there, for a
    process that seems stuck."""
    stream = sys.__stderr__
    if stream is not None:
        with suppress(ValueError, OSError):  # a stream with no file descriptor
            faulthandler.register(signal.SIGUSR1, file=stream, all_threads=True)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # the Kafka client narrates every connection at INFO
        logging.getLogger("kafka").setLevel(logging.WARNING)


def configure_tracing(service: str) -> None:
    """Export this process's spans with OTLP when an endpoint is configured; off by default.

    OpenTelemetry's own variables configure it: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
    ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) turns it on, ``OTEL_SERVICE_NAME`` overrides
    ``mentoring-<service>``, ``OTEL_SDK_DISABLED=true`` keeps it off, and the exporter's and
    batch processor's other ``OTEL_*`` variables apply as documented. Spans still queued at
    exit are flushed.
    """
    import os

    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if not endpoint or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    import atexit

    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"mentoring-{service}"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)
    log.info("tracing: exporting spans of %s with OTLP to %s", name, endpoint)


def require_kafka(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        fail("Set MENTORING_KAFKA_BOOTSTRAP_SERVERS (host:port of Kafka).")
    return settings.kafka_bootstrap_servers


def kafka_process(service: str, verbose: bool) -> tuple[threading.Event, Settings]:
    """How ``relay`` and ``project`` start: signal handlers first, then the settings (Kafka
    required), logging and tracing; returns the event a signal sets, and the settings."""
    stopping = stop_on_signals()
    from services.settings import Secret

    checked = settings(Secret.PERSONAL_DATA)
    require_kafka(checked)
    configure_logging(verbose)
    configure_tracing(service)
    return stopping, checked


def wait_out(
    role: str, error: BaseException, backoff: Backoff, stopping: threading.Event, drain: bool
) -> None:
    """A lost connection: wait (with backoff) before reconnecting; a drain stops instead."""
    if drain:
        fail(f"{role}: lost a connection ({one_line(error)}).", 1)
    delay = backoff.next()
    log.warning("%s: lost a connection (%s); reconnecting in %.0f s", role, one_line(error), delay)
    stopping.wait(delay)


@contextmanager
def platform(*, invalid_value_code: str = "BAD_INPUT") -> Iterator[Platform]:
    """The platform, for a command that runs use cases; service and domain errors become one
    line (``CODE: message``) and exit status 2 for bad input, else 1.

    ``invalid_value_code``: the code an invalid value (a domain error without one) prints.
    """
    from services.settings import Secret

    checked = settings(Secret.PERSONAL_DATA)
    from domain.errors import DomainError, InvalidValue
    from gateway.bootstrap import build_platform
    from services.errors import BadInput, ServiceError

    built = build_platform(checked)
    try:
        yield built
    except (ServiceError, DomainError) as error:
        default = invalid_value_code if isinstance(error, InvalidValue) else "INVARIANT_VIOLATION"
        fail(
            f"{getattr(error, 'code', default)}: {error}",
            2 if isinstance(error, (BadInput, InvalidValue)) else 1,
        )
    finally:
        built.close()


METRICS_PORTS = {"relay": 9811, "project": 9812}
"""Each role's own /metrics port when MENTORING_METRICS_PORT is unset (not 9100, which is
node_exporter's)."""


def serve_metrics(settings: Settings, role: str) -> int:
    """Start /metrics for ``role`` and return its port.

    With MENTORING_METRICS_PORT unset, the role's own port, or any free one when another
    process on the host has it (a standby relay, a second projector): the port is logged. A
    port that was set and is taken stops the command with one line that names the setting."""
    from prometheus_client import start_http_server

    chosen = settings.metrics_port
    port = METRICS_PORTS[role] if chosen is None else chosen
    try:
        server, _ = start_http_server(port)
    except OSError as error:
        if chosen is not None:
            fail(
                f"{role}: cannot serve metrics on MENTORING_METRICS_PORT={chosen} "
                f"({error.strerror or error}); choose another port, or 0 for any free one."
            )
        server, _ = start_http_server(0)
        log.info(
            "%s: metrics port %d is taken (another process on this host?); using %d",
            role,
            port,
            server.server_port,
        )
    return int(server.server_port)


class Backoff:
    """Waits between reconnection attempts: 1 s, doubling up to 10 s; reset on success."""

    def __init__(self, first: float = 1.0, most: float = 10.0) -> None:
        self.first, self.most, self.delay = first, most, first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay

    def reset(self) -> None:
        self.delay = self.first


def one_line(error: BaseException) -> str:
    """An error as one short line (a driver's message may span several)."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:200]


def connection_errors() -> tuple[type[BaseException], ...]:
    """What a lost PostgreSQL or Kafka raises: faults that heal when the service is back."""
    import psycopg
    from eventsourcing import persistence
    from kafka.errors import KafkaError

    return (
        psycopg.OperationalError,
        psycopg.InterfaceError,
        persistence.OperationalError,
        persistence.InterfaceError,
        KafkaError,
    )
