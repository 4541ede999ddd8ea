"""The Kafka adapter of the bus port: the relay's producer, and creating the events topic."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode

from domain.envelope import EventEnvelope
from services import tracing

log = logging.getLogger(__name__)
_TRACER = trace.get_tracer(__name__)


def headers(envelope: EventEnvelope, traceparent: str | None = None) -> list[tuple[str, bytes]]:
    """Headers a consumer can route on without parsing the payload; ``traceparent`` names the
    span that published the message (by default, the request that stored the event)."""
    parent = traceparent or tracing.traceparent(envelope.correlation_id, envelope.position)
    return [
        ("tenant", envelope.tenant_id.encode()),
        ("event_type", envelope.event_type.encode()),
        ("schema_version", str(envelope.schema_version).encode()),
        ("position", str(envelope.position).encode()),
        *([("traceparent", parent.encode())] if parent else []),
    ]


def ensure_topic(bootstrap_servers: str, topic: str, partitions: int, replication: int) -> None:
    """Create the events topic with ``partitions`` if it does not exist yet."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="mentoring-admin")
    try:
        admin.create_topics(
            {topic: {"num_partitions": partitions, "replication_factor": replication}},
            wait_for_metadata=True,
        )
        log.info("created topic %s with %s partitions", topic, partitions)
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


class KafkaBus:
    """Publishes envelopes to one topic, key = aggregate id (order per aggregate).

    ``publish`` returns only when the broker acknowledged every message (acks=all,
    idempotent producer), so the relay records its position after the acknowledgement.
    """

    def __init__(self, bootstrap_servers: str, topic: str, *, timeout: float = 30) -> None:
        self.topic = topic
        self._timeout = timeout
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id="mentoring-relay",
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            batch_size=256 * 1024,
            compression_type=None,
        )

    def publish(self, envelopes: Sequence[EventEnvelope]) -> None:
        spans = [self._span(envelope) for envelope in envelopes] if tracing.enabled() else []
        futures = [
            self._producer.send(
                self.topic,
                key=envelope.aggregate_id.encode(),
                value=envelope.to_json(),
                headers=headers(envelope, _traceparent(spans[i]) if spans else None),
            )
            for i, envelope in enumerate(envelopes)
        ]
        try:
            self._producer.flush(timeout=self._timeout)
            for future in futures:
                future.get(timeout=self._timeout)  # raises the broker's error, if any
        except Exception as error:
            for span in spans:
                span.record_exception(error)
                span.set_status(StatusCode.ERROR, str(error))
            raise
        finally:
            for span in spans:
                span.end()

    def _span(self, envelope: EventEnvelope) -> Span:
        """The span of one message's publication, in the trace of the request that stored it."""
        return _TRACER.start_span(
            f"publish {self.topic}",
            context=tracing.parent(envelope.correlation_id),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": self.topic,
                "mentoring.event_type": envelope.event_type,
                "mentoring.position": envelope.position,
            },
        )

    def close(self) -> None:
        self._producer.close(timeout=self._timeout)


def _traceparent(span: Span) -> str:
    context = span.get_span_context()
    return f"00-{tracing.correlation(context.trace_id, context.span_id)}-01"
