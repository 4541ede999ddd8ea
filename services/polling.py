"""A step run again and again in a background thread: the relay's, the audit follower's."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
RETRY_AFTER = 1.0  # seconds to wait after a failed step, on top of the poll interval


class Polling:
    """Runs ``step`` every ``poll_interval`` seconds until stopped. A step that fails is
    logged with ``failure`` and run again after a pause: the thread keeps following."""

    def __init__(self, name: str, step: Callable[[], object], failure: str) -> None:
        self._name = name
        self._step = step
        self._failure = failure
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def run(self, stopping: threading.Event, poll_interval: float) -> None:
        """The loop, in the caller's thread, until ``stopping`` is set."""
        while not stopping.is_set():
            try:
                self._step()
            except Exception:
                log.exception(self._failure)
                stopping.wait(RETRY_AFTER)
            stopping.wait(poll_interval)

    def start(self, poll_interval: float) -> None:
        """The loop in a daemon thread of its own, until ``stop`` (once: a second start is
        ignored)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self.run, args=(self._stopping, poll_interval), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
