"""Personal fields of published events: sealed on the bus, opened only to fill read models.

An envelope's payload carries each personal field as ``{"subject_id", "ciphertext"}``. The
projection opens it with a function the wiring passes in (projections do not know the key
store), which gives the plain text, or ``[erased]`` once the person's key is destroyed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from domain.envelope import EventEnvelope

OpenPersonal = Callable[[Mapping[str, Any]], str]
"""The plain text of one sealed personal field."""

SEALED_KEYS = frozenset({"subject_id", "ciphertext"})


class PersonalDataUnavailable(Exception):
    """The projection met personal data but was built without a way to open it."""


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and value.keys() == SEALED_KEYS


def _open(value: Any, open_personal: OpenPersonal | None) -> Any:
    if is_sealed(value):
        if open_personal is None:
            raise PersonalDataUnavailable(
                "This projection was built without the key store, so it cannot open personal "
                "data (pass personal= to TenantViews)."
            )
        return {"subject_id": value["subject_id"], "value": open_personal(value)}
    if isinstance(value, Mapping):
        return {k: _open(v, open_personal) for k, v in value.items()}
    if isinstance(value, list):
        return [_open(v, open_personal) for v in value]
    return value


def opened(envelope: EventEnvelope, open_personal: OpenPersonal | None) -> EventEnvelope:
    """The envelope with each sealed personal field as ``{"subject_id", "value"}``.

    Only for applying it to read models; it is never published or stored as it is.
    """
    if not any(is_sealed(v) or isinstance(v, (Mapping, list)) for v in envelope.payload.values()):
        return envelope
    return replace(envelope, payload=_open(envelope.payload, open_personal))
