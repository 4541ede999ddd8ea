"""The published form of a stored event: what the bus (in-process or Kafka) carries.

Every envelope names its tenant, aggregate, version, type, schema version, time, actor,
correlation id and store position; the payload holds the event's own fields as JSON values.
Personal fields travel in the form storage gives them (see ``PersonalData``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class EventEnvelope:
    position: int
    tenant_id: str
    aggregate_id: str
    aggregate_version: int
    event_type: str
    schema_version: int
    occurred_at: str
    actor: str
    correlation_id: str
    payload: dict[str, Any]

    def to_json(self) -> bytes:
        """Compact UTF-8 JSON, keys sorted. Runs once per published event, and once per
        event consumed (``from_json``), hence orjson (docs/adr/0009-orjson-envelopes.md);
        vars(), not asdict(), which would deep-copy the payload."""
        return orjson.dumps(vars(self), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, data: bytes | str) -> EventEnvelope:
        return cls(**orjson.loads(data))
