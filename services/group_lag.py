"""The projectors' lag as Kafka sees it: per partition, committed offset against end offset.

This is what Kafka's own ``kafka-consumer-groups --describe`` reports, and it needs no
projector to be alive: a projector that is frozen, blocked or dead commits nothing, so its
partitions show lag that does not move. A partition is *stalled* when it has lag and its
committed offset has not moved for ``stall_after`` seconds; the gateway's ``/readyz`` then
answers 503.

It also reports the age of the oldest event the group has not applied: the message at a
lagging partition's committed offset is read (once per offset) and its ``occurred_at`` is the
moment the change was made. A write made that long ago is not in the read models yet.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient


@dataclass(frozen=True)
class PartitionLag:
    partition: int
    committed: int
    """The group's committed offset (the next message to apply)."""
    end: int
    stalled_seconds: float
    """How long it has had lag without its committed offset moving (0: none, or moving)."""
    oldest_unapplied_seconds: float | None = None
    """How long ago the oldest event not yet applied here occurred (None: no lag, or it could
    not be read within the time the measurement allows)."""

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


class GroupLag:
    def __init__(
        self, bootstrap_servers: str, topic: str, group: str, *, timeout: float = 1.0
    ) -> None:
        self._topic, self._group = topic, group
        timeout_ms = int(timeout * 1000)
        self._admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="mentoring-gateway-lag",
            request_timeout_ms=max(timeout_ms, 1000),
        )
        reader: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": "mentoring-gateway-lag",
            "group_id": None,
            "enable_auto_commit": False,
            # Asking for a topic's partitions must not create it with the broker's default
            # count before the relay creates it with the configured one.
            "allow_auto_create_topics": False,
            "request_timeout_ms": max(timeout_ms, 1000) + 1000,
        }
        self._offsets = KafkaConsumer(**reader)
        self._peek = KafkaConsumer(
            **reader,
            auto_offset_reset="earliest",  # the offset was deleted: the oldest kept is next
            fetch_max_wait_ms=50,
            max_partition_fetch_bytes=64 * 1024,
        )
        self._peek_within = timeout / 2
        self._moved: dict[int, tuple[int, float]] = {}
        """partition -> (committed offset, when it was last seen to move or to be caught up)"""
        self._occurred: dict[int, tuple[int, datetime]] = {}
        """partition -> (committed offset, when the event at that offset occurred)"""

    def measure(self) -> list[PartitionLag]:
        """Every partition of the topic, whoever owns it (or nobody)."""
        numbers = self._offsets.partitions_for_topic(self._topic) or set()
        partitions = [TopicPartition(self._topic, p) for p in sorted(numbers)]
        if not partitions:
            return []
        ends = self._offsets.end_offsets(partitions)
        starts = self._offsets.beginning_offsets(partitions)
        committed = self._admin.list_group_offsets({self._group: partitions}).get(self._group, {})
        now = time.monotonic()
        peek_until = now + self._peek_within
        found = []
        for tp in partitions:
            meta = committed.get(tp)
            offset = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
            last, since = self._moved.get(tp.partition, (offset, now))
            if offset != last or offset >= ends[tp]:
                since = now
            self._moved[tp.partition] = (offset, since)
            stalled = now - since if ends[tp] > offset else 0.0
            age = None
            if ends[tp] > offset:
                occurred = self._occurred_at(tp, offset, peek_until)
                if occurred is not None:
                    age = round(max(0.0, (datetime.now(UTC) - occurred).total_seconds()), 3)
            found.append(PartitionLag(tp.partition, offset, ends[tp], round(stalled, 3), age))
        return found

    def _occurred_at(self, tp: TopicPartition, offset: int, until: float) -> datetime | None:
        """When the event at ``offset`` of ``tp`` occurred (read once per offset; None if the
        broker does not hand it over before ``until``)."""
        known = self._occurred.get(tp.partition)
        if known is not None and known[0] == offset:
            return known[1]
        self._peek.assign([tp])
        self._peek.seek(tp, offset)
        while (left := until - time.monotonic()) > 0:
            for record in self._peek.poll(timeout_ms=int(left * 1000) + 1, max_records=1).get(
                tp, []
            ):
                occurred = datetime.fromisoformat(json.loads(record.value)["occurred_at"])
                if occurred.tzinfo is None:
                    occurred = occurred.replace(tzinfo=UTC)
                self._occurred[tp.partition] = (offset, occurred)
                return occurred
        return None

    def close(self) -> None:
        self._admin.close()
        self._offsets.close()
        self._peek.close()
