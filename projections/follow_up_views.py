"""Follow-ups in each PIN's view: scheduled when a mentee joins a round, marked when recorded.

The live handlers (``schedule`` runs within the tenant views' ``Mentee.JoinedRound`` handler,
``recorded`` is the ``Mentee.FollowUpRecorded`` handler) and their batch forms for a rebuild
(``fold_schedule``, ``fold_recorded``) side by side, statement for statement. This module
imports no projection, so the tenant views can import it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.envelope import EventEnvelope
from domain.follow_ups import Checkpoint, due_on
from projections.database import Executor

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold

COHORT_ENDS_ON = 4  # the column of ``ends_on`` in a fold's cohort rows (``rebuild_fold``)


def _rows(e: EventEnvelope, ends_on: Any) -> list[tuple[Any, ...]]:
    """The three follow-ups of the round the event's mentee joined, ending on ``ends_on``."""
    if not ends_on:
        return []
    end = date.fromisoformat(str(ends_on))
    cohort_id = e.payload["cohort_id"]
    return [
        (e.tenant_id, e.aggregate_id, cohort_id, c.value, str(due_on(end, c)), e.position)
        for c in Checkpoint
    ]


def schedule(tx: Executor, e: EventEnvelope) -> None:
    """``Mentee.JoinedRound``: the round's follow-ups, due after its end (the event's, or the
    cohort's for events that did not carry it); joining the same round again changes nothing."""
    ends_on = e.payload.get("ends_on")
    if not ends_on:
        row = tx.execute(
            "SELECT ends_on FROM cohorts WHERE id = ?", (e.payload["cohort_id"],)
        ).fetchone()
        ends_on = row["ends_on"] if row else None
    for values in _rows(e, ends_on):
        tx.execute(
            "INSERT INTO follow_ups (tenant_id, mentee_id, cohort_id, months, due_on, seq) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (mentee_id, cohort_id, months) DO NOTHING",
            values,
        )


def recorded(tx: Executor, e: EventEnvelope) -> None:
    """``Mentee.FollowUpRecorded``: the follow-up is done, with its outcome or none."""
    p = e.payload
    tx.execute(
        "UPDATE follow_ups SET recorded_on = ?, outcome_id = ? "
        "WHERE mentee_id = ? AND cohort_id = ? AND months = ?",
        (p["recorded_on"], p["outcome_id"], e.aggregate_id, p["cohort_id"], p["months"]),
    )


def fold_schedule(f: Fold, e: EventEnvelope) -> None:
    """``schedule`` in a rebuild."""
    ends_on = e.payload.get("ends_on")
    if not ends_on:
        cohort = f.rows["cohorts"].get(e.payload["cohort_id"])
        ends_on = cohort[COHORT_ENDS_ON] if cohort is not None else None
    rows = f.rows["follow_ups"]
    for values in _rows(e, ends_on):
        key = (values[1], values[2], values[3])
        if key not in rows:
            tenant, mentee, cohort_id, months, due, seq = values
            rows[key] = [tenant, mentee, cohort_id, months, due, None, None, seq]


def fold_recorded(f: Fold, e: EventEnvelope) -> None:
    """``recorded`` in a rebuild."""
    p = e.payload
    row = f.rows["follow_ups"].get((e.aggregate_id, p["cohort_id"], p["months"]))
    if row is not None:
        row[5], row[6] = p["recorded_on"], p["outcome_id"]
