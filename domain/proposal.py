"""A proposal of groups for a cohort: proposed, edited by the coordinator, accepted or rejected.

Nothing is decided until the coordinator accepts: accepting forms every proposed group with
``form_group`` and ``Group.add_mentee``, so the rules of the programme (group sizes, mentor
capacity, one group per mentee and round, one PIN) are checked again on the current state.
Rejected proposals are kept, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.cohort import Cohort
from domain.errors import InvalidValue, InvariantViolation
from domain.group import Group, form_group
from domain.matching.explanations import Evaluation, GroupExplanation, evaluate
from domain.matching.problem import MatchingProblem, violations
from domain.matching.profiles import ProposedGroup
from domain.people import Mentee, Mentor
from domain.records import Record
from domain.values import require_text

MAX_MOVES = 100


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SolverReport(Record):
    """How the groups were found: the method, its status and how close to the best it is."""

    method: str  # "milp" (exact integer program) or "greedy"
    status: str  # "optimal", "time_limit" (greedy fallback), "no_candidates"
    score: int
    greedy_score: int
    bound: float | None  # the best score possible, as far as the solver proved
    gap: float | None  # (bound - score) / bound; 0 when proven optimal
    seconds: float
    time_limit: float


@dataclass(frozen=True)
class Move:
    """An edit: put a mentee into proposed group ``to_group`` (1-based), or none (``None``)."""

    mentee_id: UUID
    to_group: int | None


def group_name(explained: GroupExplanation) -> str:
    """A group's name from what its people share: "Engineering · Romanian · group 1"."""
    language = explained.languages[0].name if explained.languages else "mixed languages"
    profession = explained.profession.name
    if explained.sub_field is not None:
        profession = f"{profession} / {explained.sub_field.name}"
    return f"{profession[:120]} · {language[:60]} · group {explained.number}"


class GroupProposal(TenantAggregate):
    """Groups proposed for one cohort of a PIN, with their explanations."""

    @classmethod
    def propose(
        cls,
        cohort: Cohort,
        problem: MatchingProblem,
        groups: Sequence[ProposedGroup],
        report: SolverReport,
    ) -> GroupProposal:
        cohort.require_open()
        if not problem.mentees:
            raise InvariantViolation(
                f"No mentee is waiting for a group in '{cohort.name}'; nothing to propose."
            )
        broken = violations(problem, groups)
        if broken:
            raise InvariantViolation("The groups found break a rule: " + " ".join(broken[:3]))
        return cls(
            id=uuid4(),
            tenant_id=cohort.tenant_id,
            cohort_id=cohort.id,
            problem=problem.to_dict(),
            result=evaluate(problem, groups).to_dict(),
            report=report.to_dict(),
        )

    @event("Proposed")
    def __init__(
        self,
        id: UUID,
        tenant_id: UUID,
        cohort_id: UUID,
        problem: dict[str, Any],
        result: dict[str, Any],
        report: dict[str, Any],
    ) -> None:
        self.tenant_id = tenant_id
        self.cohort_id = cohort_id
        self.problem = MatchingProblem.from_dict(problem)
        self.evaluation = Evaluation.from_dict(result)
        self.report = SolverReport.from_dict(report)
        self.state = ProposalState.PROPOSED
        self.group_ids: list[UUID] = []
        self.rejection_reason: str | None = None

    @property
    def groups(self) -> list[ProposedGroup]:
        return [g.group for g in self.evaluation.groups]

    def require_proposed(self) -> None:
        if self.state != ProposalState.PROPOSED:
            raise InvariantViolation(
                f"The proposal is already {self.state.value}; propose groups again instead."
            )

    def edit(self, moves: Sequence[Move]) -> None:
        """Move mentees between proposed groups (or out of them); explanations are redone."""
        self.require_proposed()
        if not moves:
            raise InvalidValue("moves must name at least one mentee to move.")
        if len(moves) > MAX_MOVES:
            raise InvalidValue(f"moves may hold at most {MAX_MOVES} entries.")
        members = [list(g.mentee_ids) for g in self.groups]
        for move in moves:
            if move.mentee_id not in self.problem.mentee_by_id:
                raise InvalidValue(f"mentee {move.mentee_id} is not part of this proposal.")
            for group in members:
                if move.mentee_id in group:
                    group.remove(move.mentee_id)
            if move.to_group is not None:
                if not 1 <= move.to_group <= len(members):
                    raise InvalidValue(
                        f"to_group must be a group of the proposal, 1 to {len(members)}."
                    )
                members[move.to_group - 1].append(move.mentee_id)
        groups = [
            ProposedGroup(g.mentor_id, tuple(sorted(m)))
            for g, m in zip(self.groups, members, strict=True)
            if m
        ]
        broken = violations(self.problem, groups, edited=True)
        if broken:
            raise InvariantViolation("The edit would break a rule: " + " ".join(broken[:3]))
        self._edited(
            moves=[{"mentee_id": str(m.mentee_id), "to_group": m.to_group} for m in moves],
            result=evaluate(self.problem, groups).to_dict(),
        )

    @event("Edited")
    def _edited(self, moves: list[dict[str, Any]], result: dict[str, Any]) -> None:
        self.evaluation = Evaluation.from_dict(result)

    def accept(
        self, cohort: Cohort, mentors: Mapping[UUID, Mentor], mentees: Mapping[UUID, Mentee]
    ) -> list[Group]:
        """Form the proposed groups in ``cohort`` through the normal domain operations."""
        self.require_proposed()
        if cohort.id != self.cohort_id:
            raise InvariantViolation("The proposal belongs to another cohort.")
        if not self.evaluation.groups:
            raise InvariantViolation("The proposal has no group to form.")
        formed = []
        for explained in self.evaluation.groups:
            group = form_group(cohort, mentors[explained.mentor_id], group_name(explained))
            for mentee_id in explained.mentee_ids:
                group.add_mentee(cohort, mentees[mentee_id])
            formed.append(group)
        self._accepted(group_ids=[g.id for g in formed])
        return formed

    @event("Accepted")
    def _accepted(self, group_ids: list[UUID]) -> None:
        self.state = ProposalState.ACCEPTED
        self.group_ids = list(group_ids)

    def reject(self, reason: str | None) -> None:
        self.require_proposed()
        self._rejected(reason=require_text("reason", reason, max_length=500) if reason else None)

    @event("Rejected")
    def _rejected(self, reason: str | None) -> None:
        self.state = ProposalState.REJECTED
        self.rejection_reason = reason
