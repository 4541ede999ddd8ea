"""The Kafka adapter of the bus port: the relay's producer, and creating the events topic."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from domain.envelope import EventEnvelope

log = logging.getLogger(__name__)


def headers(envelope: EventEnvelope) -> list[tuple[str, bytes]]:
    """Headers a consumer can route on without parsing the payload."""
    return [
        ("tenant", envelope.tenant_id.encode()),
        ("event_type", envelope.event_type.encode()),
        ("schema_version", str(envelope.schema_version).encode()),
        ("position", str(envelope.position).encode()),
        *(
            [("traceparent", f"00-{envelope.correlation_id}-{envelope.position:016x}-01".encode())]
            if _TRACE_ID.fullmatch(envelope.correlation_id)
            else []
        ),
    ]


_TRACE_ID = re.compile(r"[0-9a-f]{32}")
"""A correlation id that is a W3C trace id (the request's that stored the event)."""


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
        futures = [
            self._producer.send(
                self.topic,
                key=envelope.aggregate_id.encode(),
                value=envelope.to_json(),
                headers=headers(envelope),
            )
            for envelope in envelopes
        ]
        self._producer.flush(timeout=self._timeout)
        for future in futures:
            future.get(timeout=self._timeout)  # raises the broker's error, if any

    def close(self) -> None:
        self._producer.close(timeout=self._timeout)
