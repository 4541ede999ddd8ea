"""Commands of group formation: propose groups for a cohort, edit, accept or reject a proposal."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.matching.profiles import KeptApart, Pinned, Weights
from domain.proposal import Move
from services.matching.solver import DEFAULT_TIME_LIMIT


@dataclass(frozen=True)
class ProposeGroups:
    """Propose groups for the mentees of the PIN still without a group.

    ``mentee_ids`` narrows the proposal to those mentees; by default it covers every
    mentee of the PIN who is in no group.
    """

    cohort_id: UUID
    weights: Weights = field(default_factory=Weights)
    pinned: list[Pinned] = field(default_factory=list)
    apart: list[KeptApart] = field(default_factory=list)
    mentee_ids: list[UUID] | None = None
    time_limit: float = DEFAULT_TIME_LIMIT


@dataclass(frozen=True)
class EditProposal:
    proposal_id: UUID
    moves: list[Move]


@dataclass(frozen=True)
class AcceptProposal:
    proposal_id: UUID


@dataclass(frozen=True)
class RejectProposal:
    proposal_id: UUID
    reason: str | None = None
