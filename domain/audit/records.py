"""A stored event as the audit trail sees it, and its canonical leaf encoding.

The leaf is the event *exactly as stored*: originator id, version, topic and the state bytes
the store holds. Personal fields sit in those bytes in their stored form (ciphertext once
per-person encryption lands), so erasing a person's key changes nothing that was hashed.
The store position is not part of the leaf: positions have gaps; a leaf's index in a tree is
the number of events before it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.audit.merkle import leaf_hash

LEAF_FORMAT = 1
GLOBAL_TREE = "global"


@dataclass(frozen=True)
class EventRecord:
    """One stored event: where it is (position, tenant) and what was stored."""

    position: int
    tenant_id: str
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes

    def leaf_bytes(self) -> bytes:
        """Length-prefixed, so no two different events encode alike."""
        topic = self.topic.encode()
        return b"".join(
            (
                LEAF_FORMAT.to_bytes(1, "big"),
                self.originator_id.bytes,
                self.originator_version.to_bytes(8, "big"),
                len(topic).to_bytes(4, "big"),
                topic,
                len(self.state).to_bytes(8, "big"),
                self.state,
            )
        )

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf_bytes())

    @property
    def event_type(self) -> str:
        return self.topic.rpartition(":")[2]

    def describe(self) -> str:
        """How an auditor finds the event: position, aggregate, version and type."""
        return (
            f"store position {self.position} ({self.event_type}, aggregate "
            f"{self.originator_id} version {self.originator_version}, tenant {self.tenant_id})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "tenant_id": self.tenant_id,
            "originator_id": str(self.originator_id),
            "originator_version": self.originator_version,
            "topic": self.topic,
            "state": base64.b64encode(self.state).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventRecord:
        return cls(
            position=int(data["position"]),
            tenant_id=str(data["tenant_id"]),
            originator_id=UUID(data["originator_id"]),
            originator_version=int(data["originator_version"]),
            topic=str(data["topic"]),
            state=base64.b64decode(data["state"]),
        )
