"""Group proposals in each PIN's view: their table and the handling of a proposal's events.

They join the tenant-views projection (``projections.tenant_views.policy``), so proposals
are applied in the same transactions, tracked, rebuilt and dead-lettered like every other
read model.
"""

from __future__ import annotations

from typing import Any

from domain.envelope import EventEnvelope
from projections.events import GroupProposal
from projections.handling import Policy
from projections.read_model import Add, ReadModel, computed, constant, field, occurred_at, to_json


def _settings(e: EventEnvelope) -> str:
    """What the proposal was asked to solve, in short (no people's profiles)."""
    problem: dict[str, Any] = e.payload["problem"]
    return to_json(
        {
            "weights": problem["weights"],
            "min_size": problem["min_size"],
            "max_size": problem["max_size"],
            "mentees": len(problem["mentees"]),
            "mentors": len(problem["mentors"]),
            "pinned": problem["pinned"],
            "apart": problem["apart"],
        }
    )


class GroupProposals(ReadModel):
    table = "group_proposals"
    columns = (
        "id",
        "tenant_id",
        "cohort_id",
        "state",
        "result",
        "report",
        "settings",
        "proposed_at",
        "seq",
        "edits",
        "group_ids",
        "rejection_reason",
    )
    sources = {
        "state": constant("proposed"),
        "settings": computed(_settings),
        "proposed_at": occurred_at,
    }
    json = ("result", "report", "group_ids")
    defaults = {"edits": 0, "group_ids": "[]", "rejection_reason": None}


POLICY: Policy = {
    GroupProposal.Proposed: GroupProposals.insert,
    GroupProposal.Edited: GroupProposals.update("result", edits=Add(1)),
    GroupProposal.Accepted: GroupProposals.update("group_ids", state=constant("accepted")),
    GroupProposal.Rejected: GroupProposals.update(
        state=constant("rejected"), rejection_reason=field("reason")
    ),
}
