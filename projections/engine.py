"""The projection engine: applies published events to read models, exactly once in effect.

Events arrive per bus partition in store order (the in-process bus has one partition; Kafka
has several, each ordered). Each batch is applied in one transaction together with the
partition's tracking position, so an event delivered twice takes effect once. An event the
projection cannot apply stops it with an error naming the event (retried when delivered
again, reported by ``/readyz``), or, configured so, is skipped into ``dead_letters``.
What each event does is the projection's handling, by event type (``projections.handling``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from prometheus_client import Counter, Gauge

from domain.envelope import EventEnvelope
from projections.database import Executor, ReadModels
from projections.handling import FoldFn, Handler, Handling
from projections.privacy.personal import OpenPersonal, opened
from projections.tracking import Tracking

log = logging.getLogger(__name__)

APPLIED = Counter("mentoring_projection_events_total", "Events applied", ["projection"])
SKIPPED = Counter(
    "mentoring_projection_duplicates_total", "Events skipped as already applied", ["projection"]
)
POISON = Counter(
    "mentoring_projection_poison_events_total",
    "Events a projection could not apply",
    ["projection"],
)
LAG_EVENTS = Gauge(
    "mentoring_projection_lag_events", "Messages on the bus not yet applied", ["projection"]
)
LAG_SECONDS = Gauge(
    "mentoring_projection_lag_seconds",
    "Age of the newest applied event while messages are pending",
    ["projection"],
)
POSITION = Gauge(
    "mentoring_projection_position", "Store position of the last applied event", ["projection"]
)


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` is the read-model database going away (or a deadlock, or a cancelled
    statement): a fault that heals, never a reason to stop at an event."""
    import psycopg

    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


class PoisonEvent(Exception):
    """An event the projection cannot apply; the message names it.

    ``index`` is its place in the batch: the events before it are good.
    """

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index

    @classmethod
    def at(cls, projection: str, e: EventEnvelope, index: int, error: Exception) -> PoisonEvent:
        """The poison event ``e``, ``index``-th of its batch, that ``error`` stopped."""
        return cls(
            f"{projection} stopped at event {e.event_type} at position {e.position} "
            f"(aggregate {e.aggregate_id}): {error!r}",
            index,
        )


class Projection(Tracking):
    """Applies published events to read models with its handling, exactly once in effect."""

    def __init__(
        self,
        db: ReadModels,
        handling: Mapping[str, Handling],
        *,
        recorded: Handler | None = None,
        dead_letter: bool = False,
        in_process: bool = True,
        personal: OpenPersonal | None = None,
    ) -> None:
        """``handling``: what each event type does; others are of no use to the projection.

        ``recorded``: what every handled event adds first, whatever becomes of it (the
        activity feed). ``in_process``: this object applies every event (embedded bus, one
        partition); otherwise projector processes apply them and report watermarks.
        ``personal`` opens the sealed personal fields of events (the key store, passed in by
        the wiring).
        """
        super().__init__(db, in_process=in_process)
        self._handling = handling
        self._recorded = recorded
        self._scrub_after = frozenset(t for t, h in handling.items() if h.scrub)
        self._personal = personal
        self._dead_letter = dead_letter

    def folds(self) -> dict[str, FoldFn] | None:
        """Each event type's fold for a rebuild, or None if some handling has none."""
        folds = {t: h.fold for t, h in self._handling.items() if h.fold is not None}
        return folds if len(folds) == len(self._handling) else None

    def handle(self, envelopes: Sequence[EventEnvelope], part: int = 0) -> None:
        """Apply a batch of one partition, in order; positions already applied are skipped."""
        try:
            outcome = self._apply_alone(envelopes, part)
        except Exception as error:
            self._stopped(error)
            raise
        self._done(envelopes, *outcome)

    def handle_batches(self, batches: Mapping[int, Sequence[EventEnvelope]]) -> None:
        """Apply the batches of several partitions (one poll) in one transaction, each
        partition's tracking with them, its statements pipelined where the database can.

        If an event cannot be applied, that transaction leaves nothing behind, and each
        partition's batch is applied again in a transaction of its own: every partition
        without a poison event takes effect, and so do the events before the poison event
        in its own; then the projection stops with the error naming it, as ``handle`` does.
        A lost connection (or another fault of the database) raises for the caller to
        reconnect, and nothing of the poll is applied.
        """
        if not self._dead_letter:  # a savepoint per event needs each statement's outcome
            begin: Callable[[], AbstractContextManager[Executor]] = getattr(
                self._db, "bulk", self._db.transaction
            )
        else:
            begin = self._db.transaction
        try:
            with begin() as tx:
                tracked = self._tracked_parts(tx, list(batches))
                touched: set[str] = set()
                outcome = {
                    part: self.apply_batch(
                        tx, envelopes, part, tracked=tracked[part], touched=touched
                    )
                    for part, envelopes in batches.items()
                }
                bump_versions(tx, touched)
        except Exception as error:
            if lost_connection(error) and not _aborted_pipeline(error):
                raise  # the database's fault: the caller reconnects and tries again
            self._handle_one_by_one(batches)
            return
        for part, envelopes in batches.items():
            self._done(envelopes, *outcome[part])

    def _handle_one_by_one(self, batches: Mapping[int, Sequence[EventEnvelope]]) -> None:
        """Each partition's batch in its own transaction; the first poison event raises once
        the other partitions are applied."""
        failure: Exception | None = None
        for part, envelopes in batches.items():
            try:
                outcome = self._apply_alone(envelopes, part)
            except Exception as error:
                if lost_connection(error):
                    raise
                failure = failure or error
                continue
            self._done(envelopes, *outcome)
        if failure is not None:
            self._stopped(failure)
            raise failure

    def _apply_alone(self, envelopes: Sequence[EventEnvelope], part: int) -> tuple[int, int, int]:
        """``apply_batch`` in a transaction of its own; at a poison event, the events before
        it are applied in another, and PoisonEvent raises."""
        try:
            with self._db.transaction() as tx:
                return self.apply_batch(tx, envelopes, part)
        except PoisonEvent as poison:
            if poison.index:  # stop at the poison event, not before it
                with self._db.transaction() as tx:
                    self._position = max(
                        self._position, self.apply_batch(tx, envelopes[: poison.index], part)[0]
                    )
            raise

    def _stopped(self, error: Exception) -> None:
        """Record why the projection stopped (unless the database went away)."""
        if lost_connection(error):
            return  # not the projection's fault: the caller reconnects and tries again
        self._error = str(error) if isinstance(error, PoisonEvent) else f"{self.name}: {error!r}"
        POISON.labels(self.name).inc()
        log.error("projection %s", self._error)
        self._report(error=self._error)

    def _done(
        self, envelopes: Sequence[EventEnvelope], position: int, applied: int, skipped: int
    ) -> None:
        """After a batch committed: metrics, scrubbing, status, and waking the waiters."""
        APPLIED.labels(self.name).inc(applied)
        SKIPPED.labels(self.name).inc(skipped)
        if applied and any(e.event_type in self._scrub_after for e in envelopes):
            self._scrub()
        if self._error is not None:
            self._report(error=None)
        with self._changed:
            self._position = max(self._position, position)
            self._error = None
            self._changed.notify_all()
        POSITION.labels(self.name).set(self._position)

    def apply_batch(
        self,
        tx: Executor,
        envelopes: Sequence[EventEnvelope],
        part: int,
        *,
        tracked: int | None = None,
        touched: set[str] | None = None,
    ) -> tuple[int, int, int]:
        """Apply ``envelopes`` in ``tx`` and move the partition's tracking; no commit.

        ``tracked``: the partition's tracked position, if already read in ``tx``.
        ``touched``: where to add the PINs of the applied events, for the caller to move
        their versions last (``bump_versions``); without it, they are moved here.
        Returns (tracked position, events applied, events skipped as duplicates).
        """
        current: EventEnvelope | None = None
        applied = skipped = 0
        position = self._tracked(tx, part) if tracked is None else tracked
        last: EventEnvelope | None = None
        tenants: set[str] = set() if touched is None else touched
        try:
            for index, current in enumerate(envelopes):  # noqa: B007 - read after the loop
                if current.position <= position:
                    skipped += 1
                    continue
                self._apply(tx, current)
                position, last, applied = current.position, current, applied + 1
                tenants.add(str(current.tenant_id))
        except Exception as error:
            if lost_connection(error):
                raise  # the database went away: nothing is wrong with the event
            assert current is not None
            raise PoisonEvent.at(self.name, current, index, error) from error
        if touched is None:
            bump_versions(tx, tenants)
        if last is not None:
            tx.execute(
                "INSERT INTO projection_tracking (projection, part, position, occurred_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection, part) DO UPDATE "
                "SET position = excluded.position, occurred_at = excluded.occurred_at",
                (self.name, part, position, last.occurred_at),
            )
        return position, applied, skipped

    def _scrub(self) -> None:
        """Leave no old bytes of purged rows in the database's free space or log."""
        scrub = getattr(self._db, "scrub", None)
        if scrub is not None:
            try:
                scrub()
            except Exception:
                log.exception("projection %s: could not scrub the read models", self.name)

    def _apply(self, tx: Executor, envelope: EventEnvelope) -> None:
        handling = self._handling.get(envelope.event_type)
        if handling is None:
            return  # an event this projection has no use for
        if self._recorded is not None:
            self._recorded(tx, envelope)
        handler = handling.apply
        if not self._dead_letter:
            handler(tx, opened(envelope, self._personal))
            return
        tx.execute("SAVEPOINT apply_event")
        try:
            handler(tx, opened(envelope, self._personal))
        except Exception as error:
            if lost_connection(error):
                raise  # the database's fault, not the event's: nothing to dead-letter
            tx.execute("ROLLBACK TO SAVEPOINT apply_event")
            POISON.labels(self.name).inc()
            log.error(
                "projection %s skipped event %s at position %s into dead_letters: %r",
                self.name,
                envelope.event_type,
                envelope.position,
                error,
            )
            tx.execute(
                "INSERT INTO dead_letters (projection, position, event_type, aggregate_id, error, "
                "envelope) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self.name,
                    envelope.position,
                    envelope.event_type,
                    envelope.aggregate_id,
                    repr(error),
                    envelope.to_json().decode(),
                ),
            )
        tx.execute("RELEASE SAVEPOINT apply_event")


def bump_versions(tx: Executor, tenants: set[str]) -> None:
    """Move the version of each PIN in ``tenants`` (gateway/tenant_versions.py). Last in the
    transaction and in one order, so that projectors applying the same PINs' events at once
    wait for each other here rather than deadlock."""
    for tenant in sorted(tenants):
        tx.execute(
            "INSERT INTO tenant_versions (tenant_id, version) VALUES (?, 1) "
            "ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_versions.version + 1",
            (tenant,),
        )


def _aborted_pipeline(error: BaseException) -> bool:
    """Whether ``error`` only says that an earlier statement of a pipeline failed."""
    import psycopg

    return isinstance(error, psycopg.errors.PipelineAborted)
