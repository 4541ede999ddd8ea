"""The relay: follows the event store's notification log and hands each event to the bus.

At-least-once: the position is recorded only after the bus accepted a batch, so a crash
in between publishes that batch again; subscribers deduplicate by position. SQLite
cannot push new events, so the embedded relay polls.
"""

from __future__ import annotations

import threading
from typing import Protocol

from services.bus import EventBus
from services.polling import Polling
from services.store import MentoringStore


class RelayPosition(Protocol):
    def get(self) -> int:
        """The store position of the last event the bus accepted (0 if none)."""

    def set(self, position: int) -> None:
        """Record that every event up to ``position`` was accepted by the bus."""


class Relay:
    """Publishes the store's events to ``bus`` in store order, batch by batch."""

    def __init__(
        self,
        store: MentoringStore,
        bus: EventBus,
        position: RelayPosition,
        batch_size: int = 500,
    ) -> None:
        self._store = store
        self._bus = bus
        self._position = position
        self._batch_size = batch_size
        self._lock = threading.Lock()
        # A failing subscriber is retried at the next poll and reports itself (projection
        # status, /readyz): the relay keeps following the log.
        self._polling = Polling("relay", self.pump, "relay: publishing failed; retrying")
        self.published_position = position.get()

    def pump(self) -> int:
        """Publish every pending event; return how many were published."""
        published = 0
        with self._lock:
            while True:
                notifications = self._store.recorder.select_notifications(
                    start=self.published_position,
                    limit=self._batch_size,
                    inclusive_of_start=False,
                )
                if not notifications:
                    return published
                envelopes = [self._store.envelope(n) for n in notifications]
                self._bus.publish(envelopes)
                self.published_position = notifications[-1].id
                self._position.set(self.published_position)
                published += len(envelopes)

    def start(self, poll_interval: float) -> None:
        """Poll in a background thread until ``stop``."""
        self._polling.start(poll_interval)

    def stop(self) -> None:
        self._polling.stop()
