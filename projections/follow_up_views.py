"""Follow-ups in each PIN's view: scheduled when a mentee joins a round, marked when recorded.

``SCHEDULE`` joins the tenant views' ``Mentee.JoinedRound`` handling; ``POLICY`` is this
table's own. Scheduling is written twice, side by side (SQL and its fold for a rebuild);
recording is declared (``FollowUps.update``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.envelope import EventEnvelope
from domain.follow_ups import Checkpoint, due_on
from projections.database import Executor
from projections.events import Mentee
from projections.handling import Handling, Policy
from projections.read_model import ReadModel, aggregate_id
from projections.tenant_tables import Cohorts

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold


class FollowUps(ReadModel):
    table = "follow_ups"
    key = ("mentee_id", "cohort_id", "months")
    columns = (
        "tenant_id",
        "mentee_id",
        "cohort_id",
        "months",
        "due_on",
        "recorded_on",
        "outcome_id",
        "seq",
    )
    sources = {"mentee_id": aggregate_id}
    defaults = {"recorded_on": None, "outcome_id": None}


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


def _schedule(tx: Executor, e: EventEnvelope) -> None:
    """The round's follow-ups, due after its end (the event's, or the cohort's for events
    that did not carry it); joining the same round again changes nothing."""
    ends_on = e.payload.get("ends_on")
    if not ends_on:
        row = tx.execute(
            "SELECT ends_on FROM cohorts WHERE id = ?", (e.payload["cohort_id"],)
        ).fetchone()
        ends_on = row["ends_on"] if row else None
    for values in _rows(e, ends_on):
        tx.execute(
            f"{FollowUps.insert_sql} ON CONFLICT (mentee_id, cohort_id, months) DO NOTHING",
            values,
        )


def _fold_schedule(f: Fold, e: EventEnvelope) -> None:
    """``_schedule`` in a rebuild."""
    ends_on = e.payload.get("ends_on")
    if not ends_on:
        cohort = f.rows[Cohorts.table].get(e.payload["cohort_id"])
        ends_on = cohort[Cohorts.columns.index("ends_on")] if cohort is not None else None
    rows = f.rows[FollowUps.table]
    for values in _rows(e, ends_on):
        key = (values[1], values[2], values[3])
        if key not in rows:
            tenant, mentee, cohort_id, months, due, seq = values
            rows[key] = [tenant, mentee, cohort_id, months, due, None, None, seq]


SCHEDULE = Handling(_schedule, _fold_schedule)

POLICY: Policy = {
    Mentee.FollowUpRecorded: FollowUps.update("recorded_on", "outcome_id"),
}
