"""The tenant-views projection: each PIN's cohorts, groups, sessions, people and outcomes.

Each batch is applied in one transaction together with the projection's position, so an
event delivered twice (the bus is at-least-once) takes effect once. An event the
projection cannot apply stops it with an error naming the event; it is retried when
delivered again, and the status is reported by ``/readyz``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.envelope import EventEnvelope
from projections.database import Executor, SQLiteReadModels

log = logging.getLogger(__name__)

Handler = Callable[[Executor, EventEnvelope], None]
HANDLERS: dict[str, Handler] = {}


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


class TenantViews:
    """Applies published events to the tenant read models, exactly once in effect."""

    name = "tenant_views"

    def __init__(self, db: SQLiteReadModels) -> None:
        self._db = db
        self._changed = threading.Condition()
        self._error: str | None = None
        with db.transaction() as tx:
            tx.execute(
                "CREATE TABLE IF NOT EXISTS projection_tracking "
                "(projection TEXT PRIMARY KEY, position INTEGER NOT NULL)"
            )
            self._position = self._tracked(tx)

    def _tracked(self, tx: Executor) -> int:
        row = tx.execute(
            "SELECT position FROM projection_tracking WHERE projection = ?", (self.name,)
        ).fetchone()
        return int(row[0]) if row else 0

    @property
    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.name, self._position, self._error)

    def handle(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Apply a batch in store order; positions already applied are skipped."""
        current: EventEnvelope | None = None
        try:
            with self._db.transaction() as tx:
                position = self._tracked(tx)
                for current in envelopes:
                    if current.position <= position:
                        continue
                    handler = HANDLERS.get(current.event_type)
                    if handler is not None:
                        handler(tx, current)
                    position = current.position
                tx.execute(
                    "INSERT INTO projection_tracking (projection, position) VALUES (?, ?) "
                    "ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
                    (self.name, position),
                )
        except Exception as error:
            where = (
                f"event {current.event_type} at position {current.position} "
                f"(aggregate {current.aggregate_id})"
                if current
                else "a batch"
            )
            self._error = f"{self.name} stopped at {where}: {error}"
            log.error("projection %s", self._error)
            raise
        with self._changed:
            self._position = position
            self._error = None
            self._changed.notify_all()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every event up to ``position`` is applied; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True


def _json(values: Any) -> str:
    return json.dumps(values, ensure_ascii=False)


def _personal(value: Any) -> str | None:
    """The stored form of a personal field (plain text until per-person encryption)."""
    return None if value is None else str(value["value"])


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


@handles("Cohort.Planned")
def _cohort_planned(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
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
    tx.execute("UPDATE cohorts SET group_count = group_count + 1 WHERE id = ?", (p["cohort_id"],))


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
    tx.execute(
        "UPDATE cohorts SET mentee_count = mentee_count + 1 "
        "WHERE id = (SELECT cohort_id FROM mentoring_groups WHERE id = ?)",
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
    tx.execute(
        "UPDATE cohorts SET mentee_count = mentee_count - 1 "
        "WHERE id = (SELECT cohort_id FROM mentoring_groups WHERE id = ?)",
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
    tx.execute(
        "UPDATE shared_activities SET registration_count = registration_count + 1 WHERE id = ?",
        (e.aggregate_id,),
    )


@handles("SharedActivity.RegistrationCancelled")
def _registration_cancelled(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "DELETE FROM activity_registrations WHERE activity_id = ? AND person_id = ?",
        (e.aggregate_id, e.payload["person_id"]),
    )
    tx.execute(
        "UPDATE shared_activities SET registration_count = registration_count - 1 WHERE id = ?",
        (e.aggregate_id,),
    )
