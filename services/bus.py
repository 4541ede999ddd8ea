"""The bus port: where the relay hands stored events, and where projections listen.

Two adapters: the in-process bus here (embedded mode) and Kafka (production). Delivery
is at-least-once on both, so subscribers must deduplicate by store position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from domain.envelope import EventEnvelope

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[EventEnvelope]], None]


class EventBus(Protocol):
    """What the relay needs of a bus. Consumers subscribe by the means of each adapter."""

    def publish(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Deliver ``envelopes`` (in store order); return once the bus has accepted them."""


class InProcessBus:
    """Hands every batch to the subscribers synchronously, in the publishing thread."""

    def __init__(self) -> None:
        self._handlers: list[BatchHandler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: BatchHandler) -> None:
        with self._lock:
            self._handlers.append(handler)

    def publish(self, envelopes: Sequence[EventEnvelope]) -> None:
        if not envelopes:
            return
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            handler(envelopes)
