"""Envelopes read straight from the stored JSON, without rebuilding domain events.

The relay publishes every stored event, so this runs once per event and its cost adds to
the Kafka producer's on the same interpreter lock. The stored state is parsed once
(orjson) and the store's transcoded values (``{"_type_": "uuid_hex", "_data_": ...}`` and
the like) become the values the envelope carries. The result is, to the byte, what the
mapper's domain event gives through ``to_envelope`` (tests/services/test_direct_envelope.py).
Anything this reading does not know (an upcast, a cipher or compressor, another
transcoding) is left to the mapper: ``read`` returns None.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from domain.envelope import EventEnvelope

# Stored fields the envelope carries outside its payload (the rest of the metadata is the
# notification's own: aggregate id and version).
ENVELOPE_FIELDS = frozenset(
    {"originator_topic", "timestamp", "tenant_id", "actor", "correlation_id"}
)
_NOT_PAYLOAD = ENVELOPE_FIELDS | {"originator_id", "originator_version"}
_HEX = re.compile(r"[0-9a-f]{32}")


class NeedsMapper(Exception):
    """A stored value this reading does not decode."""


def uuid_string(hex_digits: str) -> str:
    """The canonical form of a UUID stored as 32 hex digits (``str(UUID(hex=...))``)."""
    if _HEX.fullmatch(hex_digits):
        h = hex_digits
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(UUID(hex=hex_digits))


def published_value(stored: Any) -> Any:
    """A stored JSON value as the envelope carries it (what ``to_json_value`` gives for the
    mapper's decoded value): ids and dates as strings, personal data still sealed."""
    kind = type(stored)
    if kind is dict:
        if len(stored) == 2 and "_type_" in stored and "_data_" in stored:
            return _transcoded(stored["_type_"], stored["_data_"])
        return {key: published_value(value) for key, value in stored.items()}
    if kind is list:
        return [published_value(value) for value in stored]
    return stored  # str, int, float, bool or None


def _transcoded(kind: str, data: Any) -> Any:
    if kind == "uuid_hex":
        return uuid_string(data)
    if kind == "datetime_iso" or kind == "date_iso":
        return data
    if kind == "personal_data" and type(data) is dict and "ciphertext" in data:
        return {"subject_id": uuid_string(data["subject_id"]), "ciphertext": data["ciphertext"]}
    raise NeedsMapper(kind)


class StoredEnvelopes:
    """Reads envelopes from stored notifications; knows each event class once."""

    def __init__(self) -> None:
        self._classes: dict[str, _EventClass] = {}  # by topic

    def _event_class(self, topic: str) -> _EventClass:
        known = self._classes.get(topic)
        if known is None:
            event_class = resolve_topic(topic)
            known = _EventClass(
                event_class.__qualname__,
                int(getattr(event_class, "class_version", 1)),
                tuple(
                    f.name for f in dataclasses.fields(event_class) if f.name not in _NOT_PAYLOAD
                ),
            )
            self._classes[topic] = known
        return known

    def read(self, notification: Notification) -> EventEnvelope | None:
        """The envelope of ``notification``, or None where the mapper must decode it."""
        event_class = self._event_class(notification.topic)
        if event_class.version != 1:
            return None  # stored events of an older version are upcast by the mapper
        try:
            state = orjson.loads(notification.state)
            if not isinstance(state, dict) or "class_version" in state:
                return None
            return EventEnvelope(
                position=notification.id,
                tenant_id=str(published_value(state["tenant_id"])),
                aggregate_id=str(notification.originator_id),
                aggregate_version=notification.originator_version,
                event_type=event_class.name,
                schema_version=event_class.version,
                occurred_at=published_value(state["timestamp"]),
                actor=str(state["actor"]),
                correlation_id=str(state["correlation_id"]),
                # the class's fields, as the mapper's event has them (a stored key the class
                # no longer declares is not published)
                payload={name: published_value(state[name]) for name in event_class.payload},
            )
        except (NeedsMapper, KeyError, TypeError, ValueError, AttributeError):
            return None


class _EventClass(NamedTuple):
    name: str
    version: int
    payload: tuple[str, ...]  # names of the fields published in the payload
