"""The projector process: a Kafka consumer group feeding a projection.

The batches of all partitions one poll brings are applied with their partitions' tracking in
one read-model transaction; the Kafka offsets of what it applied are committed afterwards,
asynchronously, so a crash in between (or a commit that is lost) redelivers messages that the
projection then skips. Scale out by running more projectors, up to the partition count.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, KafkaTimeoutError
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from domain.envelope import EventEnvelope
from projections.engine import LAG_EVENTS, LAG_SECONDS
from projections.tenant_views import TenantViews

log = logging.getLogger(__name__)
_TRACER = trace.get_tracer(__name__)

LAG_REPORT_INTERVAL = 2.0
MEASURE_INTERVAL = 0.1  # seconds between lag and watermark measurements while busy
METADATA_MAX_AGE_MS = 5_000
SESSION_TIMEOUT_MS = 6000
MEASURE_TIMEOUT_MS = 2000
"""How long a lag measurement waits for the broker (Kafka's default, 30 s, would stop
consuming that long after a broker restart); a measurement that times out is skipped."""
STALL_AFTER = 10.0
"""Seconds a consumer may leave pending messages unfetched while the broker answers before
the projector gives it up and joins the group afresh (see ConsumerStalled)."""


class ConsumerStalled(KafkaError):  # type: ignore[misc]
    """The consumer fetches nothing although its partitions hold messages and the broker
    answers: a state the client does not leave by itself (seen after a broker froze under
    load). Retriable: the projector closes the consumer and builds a new one."""

    retriable = True


class KafkaProjector:
    def __init__(
        self,
        views: TenantViews,
        *,
        bootstrap_servers: str,
        topic: str,
        group_id: str,
        relay_position: Callable[[], int],
        max_records: int = 500,
        on_progress: Callable[[], None] = lambda: None,
        member: str | None = None,
    ) -> None:
        """``relay_position``: the store position the relay has published up to;
        ``on_progress``: called after each committed batch; ``member``: the name its
        watermark reports go by (a process that reconnects keeps its own, so its report
        before the fault does not linger beside the new one)."""
        self._views = views
        self._on_progress = on_progress
        self._relay_position = relay_position
        self._member = member or member_name()
        self._topic = topic
        self._max_records = max_records
        self._consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=f"mentoring-projector-{views.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_records,
            # A member that died is noticed within 6 s (the broker's least), not kafka-python's
            # default 45 s, so its partitions pass on within about 10 s; heartbeats run in
            # their own thread, so a long batch does not count against it.
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=SESSION_TIMEOUT_MS // 3,
            # A group that formed before this client knew the topic's partitions (a topic
            # just created) is assigned nothing ("No partition metadata for topic"); it
            # rebalances at the next metadata refresh, so refresh within seconds, not 5 min.
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        self._last_occurred_at: str | None = None
        self._last_measured = 0.0
        self._last_report = 0.0
        self._pending_since: float | None = None
        # offsets committed asynchronously whose commit has not been confirmed yet
        self._unconfirmed: dict[TopicPartition, OffsetAndMetadata] = {}

    def run(self, stopping: threading.Event, *, drain: bool = False) -> int:
        """Consume until ``stopping`` (with ``drain``: until caught up); return events applied."""
        applied = 0
        while not stopping.is_set():
            batches = self._consumer.poll(timeout_ms=500, max_records=self._max_records)
            if batches:
                applied += self._apply(batches)
                self._on_progress()
            # Lag and watermark cost a few round trips: measure them on a timer while busy.
            now = time.monotonic()
            if batches and now - self._last_measured < MEASURE_INTERVAL:
                continue
            self._last_measured = now
            try:
                lag = self._report_lag()
            except KafkaTimeoutError as error:  # the broker is away: consuming waits it out
                log.warning("projector: could not measure the lag (%s); consuming on", error)
                lag = None
            self._watch(now, lag, fetched=bool(batches))
            if drain and not batches and lag == 0 and self._consumer.assignment():
                break
        self._confirm_commits()
        return applied

    def _apply(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> int:
        """Apply one poll's batches in one transaction, then commit their offsets without
        waiting: only offsets of events the committed transaction holds, so a commit never
        runs ahead of the read models (one that is lost redelivers what tracking skips)."""
        parts: dict[int, list[EventEnvelope]] = {}
        spans: list[Span] = []
        for partition, records in batches.items():
            envelopes = [EventEnvelope.from_json(record.value) for record in records]
            parts[partition.partition] = envelopes
            if _tracing():
                spans.extend(_spans(records, envelopes))
        try:
            self._views.handle_batches(parts)
        finally:
            for span in spans:
                span.end()
        applied = 0
        for part, envelopes in parts.items():
            if envelopes and log.isEnabledFor(logging.DEBUG):
                traces = sorted({e.correlation_id for e in envelopes if e.correlation_id})
                log.debug(
                    "applied %d event(s) of partition %d up to position %d; traces %s",
                    len(envelopes),
                    part,
                    envelopes[-1].position,
                    ", ".join(traces[:20]) or "none",
                )
            applied += len(envelopes)
            if envelopes:
                self._last_occurred_at = envelopes[-1].occurred_at
        offsets = {
            partition: OffsetAndMetadata(records[-1].offset + 1, "", -1)
            for partition, records in batches.items()
            if records
        }
        self._unconfirmed.update(offsets)
        self._consumer.commit_async(offsets, callback=self._committed)
        return applied

    def _committed(
        self, offsets: dict[TopicPartition, OffsetAndMetadata], response: object
    ) -> None:
        """An asynchronous commit ended: forget what it confirmed; a failure only logs (the
        next commit carries the newer offsets, and tracking skips what comes again)."""
        if isinstance(response, BaseException):
            log.warning("projector: an offset commit failed (%s); committing on", response)
            return
        for partition, offset in offsets.items():
            if self._unconfirmed.get(partition) == offset:
                del self._unconfirmed[partition]

    def _confirm_commits(self) -> None:
        """On the way out: commit what was applied and not yet confirmed, waiting for it, so a
        projector that stops (or drains) leaves the group's offsets where it stopped."""
        owned = self._consumer.assignment()  # a partition passed on is its new owner's
        offsets = {tp: offset for tp, offset in self._unconfirmed.items() if tp in owned}
        if not offsets:
            return
        try:
            self._consumer.commit(offsets, timeout_ms=MEASURE_TIMEOUT_MS)
        except KafkaError as error:  # tracking skips what the next owner is given again
            log.warning("projector: could not commit the last offsets (%s)", error)
        else:
            self._unconfirmed.clear()

    def _watch(self, now: float, lag: int | None, *, fetched: bool) -> None:
        """Raise ConsumerStalled when the broker answers, the assigned partitions hold
        messages, and polls have fetched none of them for STALL_AFTER seconds."""
        if fetched or not lag:  # progress, nothing pending, or the broker did not answer
            self._pending_since = None
        elif self._pending_since is None:
            self._pending_since = now
        elif now - self._pending_since >= STALL_AFTER:
            raise ConsumerStalled(
                f"{lag} message(s) pending on the assigned partitions and none fetched "
                f"for {now - self._pending_since:.0f} s"
            )

    def _report_lag(self) -> int | None:
        """Messages pending on the assigned partitions (None before the first assignment).

        Also reports the watermark: every event up to it is applied. The relay's position is
        read first: the events up to it were acknowledged, so they lie below the end offsets
        read next. The watermark covers every partition of the topic, owned or not: one read
        to its end (by this member, or committed by the group) holds no unapplied event up to
        that position; any other, none after its tracked position. So while a partition has
        no live owner (a member died, the group has not rebalanced yet), its events are
        pending, and a read of them answers STALE, not NOT_FOUND.
        """
        assigned = self._consumer.assignment()
        if not assigned:
            return None
        published = self._relay_position()
        numbers = self._consumer.partitions_for_topic(self._topic) or set()
        everything = {TopicPartition(self._topic, n) for n in numbers} | set(assigned)
        ends = self._consumer.end_offsets(sorted(everything), timeout_ms=MEASURE_TIMEOUT_MS)
        done: dict[TopicPartition, int] = {}
        for tp in sorted(everything):
            # this member's position; or the group's (applied, then committed): for a
            # partition owned elsewhere, or one whose position this consumer has not resolved
            offset = (
                self._consumer.position(tp, timeout_ms=MEASURE_TIMEOUT_MS)
                if tp in assigned
                else None
            )
            if offset is None:
                offset = self._consumer.committed(tp, timeout_ms=MEASURE_TIMEOUT_MS)
            done[tp] = offset or 0
        behind = [tp.partition for tp in sorted(everything) if ends[tp] > done[tp]]
        tracked = self._views.tracked_parts(behind) if behind else {}
        watermark = min([published, *tracked.values()])
        self._views.report_watermark(self._member, watermark)
        lag = int(sum(max(0, ends[tp] - done[tp]) for tp in assigned))
        seconds = 0.0
        if lag and self._last_occurred_at:
            newest = datetime.fromisoformat(self._last_occurred_at)
            seconds = max(0.0, (datetime.now(UTC) - newest).total_seconds())
        LAG_EVENTS.labels(self._views.name).set(lag)
        LAG_SECONDS.labels(self._views.name).set(seconds)
        now = time.monotonic()
        if now - self._last_report >= LAG_REPORT_INTERVAL:
            self._views.report_lag(lag, seconds)
            self._last_report = now
        return lag

    def close(self) -> None:
        """Leave the group, and withdraw the watermark report (if the database still answers):
        the members that own the partitions now report for them."""
        try:
            self._consumer.close()
        finally:
            with suppress(Exception):
                self._views.withdraw_watermark(self._member)


def member_name() -> str:
    """A name for one projector in the group's watermark reports: host, process, and more."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _tracing() -> bool:
    """Whether this process records spans (an SDK tracer provider is installed)."""
    return not isinstance(
        trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
    )


def _spans(records: list[ConsumerRecord], envelopes: list[EventEnvelope]) -> list[Span]:
    """One span per message, child of the span that published it (its ``traceparent``
    header): the events are applied together, in one transaction, so the spans share it."""
    spans = []
    for record, envelope in zip(records, envelopes, strict=True):
        carrier = {key: value.decode("latin-1") for key, value in record.headers or []}
        spans.append(
            _TRACER.start_span(
                f"apply {envelope.event_type}",
                context=propagate.extract(carrier),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "process",
                    "messaging.destination.name": record.topic,
                    "messaging.destination.partition.id": str(record.partition),
                    "messaging.kafka.offset": record.offset,
                    "messaging.batch.message_count": len(records),
                    "mentoring.position": envelope.position,
                },
            )
        )
    return spans
