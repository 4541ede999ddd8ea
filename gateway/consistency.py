"""Read-your-writes without holding a thread: waits for a store position, on the event loop.

A query with ``consistentWith: N`` (and every mutation, for its own events) waits until the
read models include position ``N``. Waiting in worker threads let a few callers take every
thread (eight requests of 30 aliased waits made ``/healthz`` answer in 7 s), so here a wait
is a future: one poller per gateway process watches the projection's watermark and wakes
every waiter that it reached. Waits are bounded three ways: in time (the request's own
deadline, however many fields wait), in number per caller, and in range (a position past the
event store's last one can never be reached and is refused at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import anyio.to_thread

from gateway.bootstrap import Platform
from gateway.errors import BadInputError
from services.errors import ServiceError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.01
FAILING_POLL_SECONDS = 0.25  # while the database does not answer
MAX_WAITS_PER_CALLER = 8


class Stale(ServiceError):
    """The read models have not caught up; ``position`` (when given) is what to wait for."""

    code = "STALE"

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.extensions = {} if position is None else {"position": position}


class ConsistencyWaits:
    """The waits of one gateway process (one event loop) for positions of the store."""

    def __init__(self, platform: Platform, per_caller: int = MAX_WAITS_PER_CALLER) -> None:
        self._platform = platform
        self._per_caller = per_caller
        self._reached = 0  # highest watermark seen: every position up to it is readable
        self._head = 0  # highest store position seen
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._by_caller: Counter[str] = Counter()
        self._poller: asyncio.Task[None] | None = None

    async def reach(self, position: int, caller: str, deadline: float) -> bool:
        """Wait until the read models include ``position``; False when ``deadline``
        (``time.monotonic()``) passes first. BAD_INPUT for a position the store never
        gave out; STALE at once when ``caller`` already waits too often."""
        if position <= self._reached:
            return True
        if position > self._head:
            self._head = await anyio.to_thread.run_sync(self._store_head)
            if position > self._head:
                raise BadInputError(
                    f"Position {position} is past the last stored change ({self._head}); "
                    "pass the `position` a write returned."
                )
        if self._by_caller[caller] >= self._per_caller:
            raise Stale(
                f"Too many reads waiting for consistency at once (at most {self._per_caller} "
                "per caller); retry when they are answered."
            )
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((position, waiter))
        self._by_caller[caller] += 1
        self._start_poller()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), max(0.0, deadline - time.monotonic()))
            return True
        except TimeoutError:
            return False
        finally:
            self._by_caller[caller] -= 1
            if not self._by_caller[caller]:
                del self._by_caller[caller]
            self._waiters = [(p, w) for p, w in self._waiters if w is not waiter]

    def _store_head(self) -> int:
        return self._platform.store.recorder.max_notification_id() or 0

    def _start_poller(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        """Follow the watermark while anyone waits; wake each waiter it reaches."""
        failing = False
        while self._waiters:
            pause = POLL_SECONDS
            try:
                self._reached = max(self._reached, await self._watermark())
                failing = False
            except Exception:
                if not failing:  # once per outage, not every poll
                    log.exception("consistency: could not read the projection watermark")
                failing, pause = True, FAILING_POLL_SECONDS
            for position, waiter in self._waiters:
                if position <= self._reached and not waiter.done():
                    waiter.set_result(None)
            await asyncio.sleep(pause)

    async def _watermark(self) -> int:
        """Every position up to this one is readable."""
        views = self._platform.views
        if self._platform.relay is not None:  # embedded: this process projects, in memory
            return views.watermark()
        # Projector processes report their watermarks in the database: one thread, one poll.
        return await anyio.to_thread.run_sync(views.watermark)
