"""The tenant-views projection: each PIN's cohorts, groups, sessions, people and outcomes.

Events arrive per bus partition in store order (the in-process bus has one partition; Kafka
has several, each ordered). Each batch is applied in one transaction together with the
partition's tracking position, so an event delivered twice takes effect once. An event the
projection cannot apply stops it with an error naming the event (retried when delivered
again, reported by ``/readyz``), or, configured so, is skipped into ``dead_letters``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge

from domain.envelope import EventEnvelope
from projections import follow_up_views as follow_ups
from projections.database import Executor, ReadModels
from projections.personal import OpenPersonal, opened

log = logging.getLogger(__name__)

Handler = Callable[[Executor, EventEnvelope], None]
HANDLERS: dict[str, Handler] = {}
# Event types after which the read-model database is scrubbed (erasures: no old bytes kept).
SCRUB_AFTER: set[str] = set()
FLOOR = -1  # tracking row that bounds every partition from below (set by a rebuild)
WATERMARK_FRESHNESS = 10.0  # seconds after which a projector's watermark no longer counts

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


def handles(event_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[event_type] = handler
        return handler

    return register


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    error: str | None


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` is the read-model database going away (or a deadlock, or a cancelled
    statement): a fault that heals, never a reason to stop at an event."""
    import psycopg

    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def _aborted_pipeline(error: BaseException) -> bool:
    """Whether ``error`` only says that an earlier statement of a pipeline failed."""
    import psycopg

    return isinstance(error, psycopg.errors.PipelineAborted)


class PoisonEvent(Exception):
    """An event the projection cannot apply; the message names it.

    ``index`` is its place in the batch: the events before it are good.
    """

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class TenantViews:
    """Applies published events to the tenant read models, exactly once in effect."""

    name = "tenant_views"

    def __init__(
        self,
        db: ReadModels,
        *,
        dead_letter: bool = False,
        in_process: bool = True,
        personal: OpenPersonal | None = None,
    ) -> None:
        """``in_process``: this object applies every event (embedded bus, one partition).

        Otherwise projector processes apply them and report watermarks. ``personal`` opens
        the sealed personal fields of events (the key store, passed in by the wiring).
        """
        self._db = db
        self._personal = personal
        self._dead_letter = dead_letter
        self._in_process = in_process
        self._changed = threading.Condition()
        self._error: str | None = None
        self._position = self.stored_position()

    def _tracked(self, tx: Executor, part: int) -> int:
        row = tx.execute(
            "SELECT max(position) AS position FROM projection_tracking "
            "WHERE projection = ? AND part IN (?, ?)",
            (self.name, part, FLOOR),
        ).fetchone()
        return int(row["position"]) if row and row["position"] is not None else 0

    def version(self) -> int:
        """Changes whenever the read models change (the sum of the tracked positions)."""
        if self._in_process:
            return self._position
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT coalesce(sum(position), 0) AS version FROM projection_tracking "
                "WHERE projection = ?",
                (self.name,),
            ).fetchone()
        return int(row["version"])

    def tracked(self, part: int) -> int:
        """The store position applied last in bus partition ``part``."""
        with self._db.reading() as tx:
            return self._tracked(tx, part)

    def _tracked_parts(self, tx: Executor, parts: Sequence[int]) -> dict[int, int]:
        """``_tracked`` of several partitions, in one statement."""
        wanted = [*parts, FLOOR]
        rows = tx.execute(
            "SELECT part, position FROM projection_tracking WHERE projection = ? "
            f"AND part IN ({', '.join('?' * len(wanted))})",
            (self.name, *wanted),
        ).fetchall()
        found = {int(row["part"]): int(row["position"]) for row in rows}
        floor = found.get(FLOOR, 0)
        return {part: max(found.get(part, 0), floor) for part in parts}

    def tracked_parts(self, parts: Sequence[int]) -> dict[int, int]:
        """``tracked`` of several bus partitions, read together."""
        with self._db.reading() as tx:
            return self._tracked_parts(tx, parts)

    def stored_position(self) -> int:
        """The highest store position applied, as committed in the database."""
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT max(position) AS position FROM projection_tracking WHERE projection = ?",
                (self.name,),
            ).fetchone()
        return int(row["position"]) if row and row["position"] is not None else 0

    @property
    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.name, self._position, self._error)

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
        if applied and any(e.event_type in SCRUB_AFTER for e in envelopes):
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
            raise PoisonEvent(
                f"{self.name} stopped at event {current.event_type} at position "
                f"{current.position} (aggregate {current.aggregate_id}): {error!r}",
                index,
            ) from error
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

    def _report(self, *, error: str | None) -> None:
        """Record a stop (or its end) where the gateway's /readyz sees it."""
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO projection_status (projection, error, updated_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE "
                    "SET error = excluded.error, updated_at = excluded.updated_at",
                    (self.name, error, _now()),
                )
        except Exception:
            log.exception("projection %s: could not record its status", self.name)

    def report_lag(self, lag_events: int, lag_seconds: float) -> None:
        """Record the projector's lag behind the bus (Kafka consumer lag)."""
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO projection_status (projection, lag_events, lag_seconds, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection) DO UPDATE SET "
                "lag_events = excluded.lag_events, lag_seconds = excluded.lag_seconds, "
                "updated_at = excluded.updated_at",
                (self.name, lag_events, lag_seconds, _now()),
            )

    def lag(self, head: int) -> tuple[int, float]:
        """(store positions, seconds) the read models are behind the store's ``head``.

        Positions have gaps, so the first figure bounds the number of pending events from
        above; the second is the age of the newest applied event while any are pending.
        """
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT position, occurred_at FROM projection_tracking WHERE projection = ? "
                "ORDER BY position DESC LIMIT 1",
                (self.name,),
            ).fetchone()
        position = int(row["position"]) if row else 0
        behind = max(0, head - position)
        if not behind or not row or not row["occurred_at"]:
            return behind, 0.0
        age = datetime.now(UTC) - datetime.fromisoformat(row["occurred_at"])
        return behind, max(0.0, age.total_seconds())

    def reported(self) -> dict[str, Any] | None:
        """The last status a projector recorded (any process), or None."""
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT error, lag_events, lag_seconds, updated_at FROM projection_status "
                "WHERE projection = ?",
                (self.name,),
            ).fetchone()
        return dict(row) if row else None

    def _apply(self, tx: Executor, envelope: EventEnvelope) -> None:
        handler = HANDLERS.get(envelope.event_type)
        if handler is None:
            return  # an event this projection has no use for
        tx.execute(
            "INSERT INTO activity_feed (tenant_id, position, event_type, aggregate_id, "
            "occurred_at) VALUES (?, ?, ?, ?, ?)",
            (
                envelope.tenant_id,
                envelope.position,
                envelope.event_type,
                envelope.aggregate_id,
                envelope.occurred_at,
            ),
        )
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

    def report_watermark(self, member: str, watermark: int) -> None:
        """Record that every event up to ``watermark`` is applied, as ``member`` sees it."""
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO projection_watermarks (projection, member, watermark, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection, member) DO UPDATE SET "
                "watermark = excluded.watermark, updated_at = excluded.updated_at",
                (self.name, member, watermark, _now()),
            )

    def withdraw_watermark(self, member: str) -> None:
        """Forget ``member``'s report: it no longer applies anything (it closed)."""
        with self._db.transaction() as tx:
            tx.execute(
                "DELETE FROM projection_watermarks WHERE projection = ? AND member = ?",
                (self.name, member),
            )

    def watermark(self) -> int:
        """The store position up to which every event is applied, as far as known.

        In-process: the last applied position (one ordered partition). With projector
        processes: the lowest watermark any of them reported in the last seconds.
        """
        if self._in_process:
            return self._position
        fresh = (datetime.now(UTC) - timedelta(seconds=WATERMARK_FRESHNESS)).isoformat()
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT min(watermark) AS watermark FROM projection_watermarks "
                "WHERE projection = ? AND updated_at > ?",
                (self.name, fresh),
            ).fetchone()
        return int(row["watermark"]) if row and row["watermark"] is not None else 0

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every event up to ``position`` is applied; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.watermark() < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.01 if not self._in_process else 0.05))
        return True


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


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(values: Any) -> str:
    return json.dumps(values, ensure_ascii=False)


def _personal(value: Any) -> str | None:
    """A personal field as the projection opened it (``projections.personal.opened``)."""
    return None if value is None else str(value["value"])


def _bump(
    tx: Executor,
    e: EventEnvelope,
    metric: str,
    *,
    cohort_id: str | None = None,
    profession: str = "",
    by: int = 1,
) -> None:
    """Add ``by`` to a programme statistic of the event's PIN."""
    tx.execute(
        "INSERT INTO network_stats (tenant_id, cohort_id, profession, metric, value) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, cohort_id, profession, metric) "
        "DO UPDATE SET value = network_stats.value + excluded.value",
        (e.tenant_id, cohort_id or "", profession, metric, by),
    )


# Facts that never change once recorded (a person's profession, a group's cohort), kept in
# memory so that the statistics need no query per event. Bounded, least recently used out
# first: a few MB at most, however many events pass (a projector's memory stays flat; the
# bound was 500,000 entries, some 200 MB, and grew about 0.5 KB per event until then).
_FACTS: OrderedDict[tuple[str, str], str] = OrderedDict()
_MAX_FACTS = 20_000


_FACTS_LOCK = threading.Lock()


def _remember(kind: str, ident: str, value: str) -> str:
    with _FACTS_LOCK:
        _FACTS[kind, ident] = value
        _FACTS.move_to_end((kind, ident))
        while len(_FACTS) > _MAX_FACTS:
            _FACTS.popitem(last=False)
    return value


def _known(kind: str, ident: str) -> str | None:
    with _FACTS_LOCK:
        value = _FACTS.get((kind, ident))
        if value is not None:
            _FACTS.move_to_end((kind, ident))
    return value


def _profession(tx: Executor, table: str, person_id: str) -> str:
    """The profession of a mentee or mentor, recorded by an earlier event of the same person."""
    known = _known(table, person_id)
    if known is not None:
        return known
    row = tx.execute(f"SELECT profession FROM {table} WHERE id = ?", (person_id,)).fetchone()
    return _remember(table, person_id, str(row["profession"])) if row else ""


def _group_cohort(tx: Executor, group_id: str) -> str:
    known = _known("group", group_id)
    if known is not None:
        return known
    row = tx.execute("SELECT cohort_id FROM mentoring_groups WHERE id = ?", (group_id,)).fetchone()
    return _remember("group", group_id, str(row["cohort_id"])) if row else ""


@handles("Pin.Registered")
def _pin_registered(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO pins (tenant_id, slug, name, communities, professions, seq) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            e.tenant_id,
            p["slug"],
            p["name"],
            _json(p["communities"]),
            _json(p["professions"]),
            e.position,
        ),
    )


@handles("Pin.ProfileUpdated")
def _pin_updated(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "UPDATE pins SET name = ?, communities = ?, professions = ? WHERE tenant_id = ?",
        (p["name"], _json(p["communities"]), _json(p["professions"]), e.tenant_id),
    )


@handles("Mentor.Enrolled")
def _mentor_enrolled(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    _remember("mentors", e.aggregate_id, p["profession"])
    _remember("mentees", e.aggregate_id, "")
    tx.execute(
        "INSERT INTO mentors (id, tenant_id, name, email, profession, languages, "
        "cultural_background, licence_status, capacity, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            _personal(p["name"]),
            _personal(p["email"]),
            p["profession"],
            _json(p["languages"]),
            p["cultural_background"],
            p["licence_status"],
            p["capacity"],
            e.position,
        ),
    )


@handles("Mentee.Enrolled")
def _mentee_enrolled(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    _remember("mentees", e.aggregate_id, p["profession"])
    _remember("mentors", e.aggregate_id, "")
    tx.execute(
        "INSERT INTO mentees (id, tenant_id, name, email, profession, origin, languages, "
        "english_level, goals, enrolled_on, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            _personal(p["name"]),
            _personal(p["email"]),
            p["profession"],
            p["origin"],
            _json(p["languages"]),
            p["english_level"],
            _personal(p["goals"]),
            p["enrolled_on"],
            e.position,
        ),
    )


@handles("Person.TrainingCompleted")
def _training_completed(tx: Executor, e: EventEnvelope) -> None:
    for table, metric in (("mentees", "mentee_trainings"), ("mentors", "mentor_trainings")):
        profession = _profession(tx, table, e.aggregate_id)
        if profession:
            _bump(tx, e, metric, profession=profession)
    tx.execute(
        "INSERT INTO trainings (tenant_id, person_id, version, name, completed_on) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            e.tenant_id,
            e.aggregate_id,
            e.aggregate_version,
            e.payload["name"],
            e.payload["completed_on"],
        ),
    )


@handles("Mentee.OutcomeRecorded")
def _outcome_recorded(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    profession = _profession(tx, "mentees", e.aggregate_id)
    earlier = tx.execute(
        "SELECT count(*) AS n FROM outcomes WHERE mentee_id = ? AND coalesce(cohort_id, '') = ?",
        (e.aggregate_id, p["cohort_id"] or ""),
    ).fetchone()
    if not earlier["n"]:
        _bump(tx, e, "mentees_moved_forward", cohort_id=p["cohort_id"], profession=profession)
    _bump(tx, e, f"outcome_{p['kind']}", cohort_id=p["cohort_id"], profession=profession)
    tx.execute(
        "INSERT INTO outcomes (id, tenant_id, mentee_id, kind, occurred_on, evidence, cohort_id, "
        "seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["outcome_id"],
            e.tenant_id,
            e.aggregate_id,
            p["kind"],
            p["occurred_on"],
            _personal(p["evidence"]),
            p["cohort_id"],
            e.position,
        ),
    )


@handles("Mentee.JoinedRound")
def _joined_round(tx: Executor, e: EventEnvelope) -> None:
    profession = _profession(tx, "mentees", e.aggregate_id)
    _bump(tx, e, "mentees_served", cohort_id=e.payload["cohort_id"], profession=profession)
    follow_ups.schedule(tx, e)


handles("Mentee.FollowUpRecorded")(follow_ups.recorded)


@handles("Cohort.Planned")
def _cohort_planned(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO network_cohorts (cohort_id, tenant_id, name, starts_on) VALUES (?, ?, ?, ?)",
        (e.aggregate_id, e.tenant_id, p["name"], p["starts_on"]),
    )
    tx.execute(
        "INSERT INTO cohorts (id, tenant_id, name, starts_on, ends_on, planned_sessions, "
        "min_group_size, max_group_size, state, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planning', ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            p["name"],
            p["starts_on"],
            p["ends_on"],
            p["planned_sessions"],
            p["min_group_size"],
            p["max_group_size"],
            e.position,
        ),
    )


def _set_cohort_state(state: str) -> Handler:
    def handler(tx: Executor, e: EventEnvelope) -> None:
        tx.execute("UPDATE cohorts SET state = ? WHERE id = ?", (state, e.aggregate_id))

    return handler


handles("Cohort.Started")(_set_cohort_state("running"))
handles("Cohort.Closed")(_set_cohort_state("closed"))


@handles("Group.Formed")
def _group_formed(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    _remember("group", e.aggregate_id, p["cohort_id"])
    _bump(tx, e, "groups", cohort_id=p["cohort_id"])
    tx.execute(
        "INSERT INTO mentoring_groups (id, tenant_id, cohort_id, name, mentor_id, min_size, "
        "max_size, planned_sessions, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            p["cohort_id"],
            p["name"],
            p["mentor_id"],
            p["min_size"],
            p["max_size"],
            p["planned_sessions"],
            e.position,
        ),
    )


@handles("Group.MenteeAdded")
def _mentee_added(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "INSERT INTO group_members (tenant_id, group_id, mentee_id, seq) VALUES (?, ?, ?, ?)",
        (e.tenant_id, e.aggregate_id, e.payload["mentee_id"], e.position),
    )
    tx.execute(
        "UPDATE mentoring_groups SET mentee_count = mentee_count + 1 WHERE id = ?",
        (e.aggregate_id,),
    )


@handles("Group.MenteeRemoved")
def _mentee_removed(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "DELETE FROM group_members WHERE group_id = ? AND mentee_id = ?",
        (e.aggregate_id, e.payload["mentee_id"]),
    )
    tx.execute(
        "UPDATE mentoring_groups SET mentee_count = mentee_count - 1 WHERE id = ?",
        (e.aggregate_id,),
    )


@handles("Group.SessionScheduled")
def _session_scheduled(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO group_sessions (tenant_id, group_id, number, scheduled_on, agenda) "
        "VALUES (?, ?, ?, ?, ?)",
        (e.tenant_id, e.aggregate_id, p["number"], p["scheduled_on"], p["agenda"]),
    )


@handles("Group.SessionHeld")
def _session_held(tx: Executor, e: EventEnvelope) -> None:
    _bump(tx, e, "sessions_held", cohort_id=_group_cohort(tx, e.aggregate_id))
    tx.execute(
        "UPDATE group_sessions SET held = 1 WHERE group_id = ? AND number = ?",
        (e.aggregate_id, e.payload["number"]),
    )
    tx.execute(
        "UPDATE mentoring_groups SET sessions_held = sessions_held + 1 WHERE id = ?",
        (e.aggregate_id,),
    )


@handles("Group.AttendanceRecorded")
def _attendance_recorded(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    before = tx.execute(
        "SELECT present FROM attendance WHERE group_id = ? AND number = ? AND mentee_id = ?",
        (e.aggregate_id, p["number"], p["mentee_id"]),
    ).fetchone()
    cohort_id = _group_cohort(tx, e.aggregate_id)
    if before is None:
        _bump(tx, e, "attendance_recorded", cohort_id=cohort_id)
    present_change = int(p["present"]) - (int(before["present"]) if before else 0)
    if present_change:
        _bump(tx, e, "attendance_present", cohort_id=cohort_id, by=present_change)
    tx.execute(
        "INSERT INTO attendance (tenant_id, group_id, number, mentee_id, present) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, number, mentee_id) "
        "DO UPDATE SET present = excluded.present",
        (e.tenant_id, e.aggregate_id, p["number"], p["mentee_id"], int(p["present"])),
    )


@handles("SharedActivity.Hosted")
def _activity_hosted(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO shared_activities (id, tenant_id, title, held_on, description, capacity, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            p["title"],
            p["held_on"],
            p["description"],
            p["capacity"],
            e.position,
        ),
    )


@handles("SharedActivity.ParticipantRegistered")
def _participant_registered(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO activity_registrations (activity_id, person_id, person_tenant_id, kind, seq) "
        "VALUES (?, ?, ?, ?, ?)",
        (e.aggregate_id, p["person_id"], p["person_tenant_id"], p["kind"], e.position),
    )


@handles("SharedActivity.RegistrationCancelled")
def _registration_cancelled(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "DELETE FROM activity_registrations WHERE activity_id = ? AND person_id = ?",
        (e.aggregate_id, e.payload["person_id"]),
    )


@handles("ApiKey.Issued")
def _api_key_issued(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    tx.execute(
        "INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, expires_at, created_at, "
        "seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            p["name"],
            p["role"],
            p["secret_hash"],
            p["expires_at"],
            e.occurred_at,
            e.position,
        ),
    )


@handles("ApiKey.Revoked")
def _api_key_revoked(tx: Executor, e: EventEnvelope) -> None:
    tx.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?", (e.aggregate_id,))
