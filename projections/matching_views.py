"""Group proposals in each PIN's view: the handlers of the proposal's events.

They join the tenant-views projection (``projections.tenant_views.HANDLERS``), so proposals
are applied in the same transactions, tracked, rebuilt and dead-lettered like every other
read model.
"""

from __future__ import annotations

import json
from typing import Any

from domain.envelope import EventEnvelope
from projections.database import Executor
from projections.tenant_views import handles


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@handles("GroupProposal.Proposed")
def _proposed(tx: Executor, e: EventEnvelope) -> None:
    p = e.payload
    problem = p["problem"]
    settings = {
        "weights": problem["weights"],
        "min_size": problem["min_size"],
        "max_size": problem["max_size"],
        "mentees": len(problem["mentees"]),
        "mentors": len(problem["mentors"]),
        "pinned": problem["pinned"],
        "apart": problem["apart"],
    }
    tx.execute(
        "INSERT INTO group_proposals (id, tenant_id, cohort_id, state, result, report, "
        "settings, proposed_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.aggregate_id,
            e.tenant_id,
            p["cohort_id"],
            "proposed",
            _json(p["result"]),
            _json(p["report"]),
            _json(settings),
            e.occurred_at,
            e.position,
        ),
    )


@handles("GroupProposal.Edited")
def _edited(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "UPDATE group_proposals SET result = ?, edits = edits + 1 WHERE id = ?",
        (_json(e.payload["result"]), e.aggregate_id),
    )


@handles("GroupProposal.Accepted")
def _accepted(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "UPDATE group_proposals SET state = ?, group_ids = ? WHERE id = ?",
        ("accepted", _json(e.payload["group_ids"]), e.aggregate_id),
    )


@handles("GroupProposal.Rejected")
def _rejected(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "UPDATE group_proposals SET state = ?, rejection_reason = ? WHERE id = ?",
        ("rejected", e.payload["reason"], e.aggregate_id),
    )
