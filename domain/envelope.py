"""The published form of a stored event: what the bus (in-process or Kafka) carries.

Every envelope names its tenant, aggregate, version, type, schema version, time, actor,
correlation id and store position; the payload holds the event's own fields as JSON values.
Personal fields travel in the form storage gives them (see ``PersonalData``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


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
        # vars(), not asdict(): asdict deep-copies the payload, and this runs once per event.
        return json.dumps(vars(self), separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> EventEnvelope:
        return cls(**json.loads(data))
