"""GraphQL of group formation: propose groups for a cohort, review, edit, accept or reject.

Coordinators only. The proposals' view is in ``gateway.api.matching_types``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
import strawberry

from domain.matching.profiles import KeptApart, Pinned, Weights
from domain.proposal import Move, ProposalState
from gateway.api.matching_types import GroupProposal, groups_formed, read_proposals
from gateway.errors import BadInputError
from gateway.extensions import ConsistentWith
from gateway.permissions import Coordinators
from gateway.resolvers import read_own, run_use_case
from gateway.types import Ctx, Group, optional_id, parse_id
from projections.matching import queries as mq
from services.matching import commands as mc
from services.matching import use_cases as mu
from services.matching.solver import DEFAULT_TIME_LIMIT
from services.use_cases import Changed

T = TypeVar("T")
MAX_PEOPLE = 100  # pins, exclusions and mentees named in one proposal request
_DEFAULTS = Weights()


@strawberry.input(description="How much each criterion counts, 0 to 100 (placed: 1 to 100).")
class WeightsInput:
    placed: int = _DEFAULTS.placed
    profession: int = _DEFAULTS.profession
    sub_field: int = _DEFAULTS.sub_field
    culture: int = _DEFAULTS.culture
    licence: int = _DEFAULTS.licence
    english_mix: int = _DEFAULTS.english_mix


@strawberry.input(description="Keep this mentee with this mentor.")
class PinInput:
    mentee_id: strawberry.ID
    mentor_id: strawberry.ID


@strawberry.input(description="Keep two people apart: a mentee and a mentor, or two mentees.")
class KeepApartInput:
    first_id: strawberry.ID
    second_id: strawberry.ID


@strawberry.input(description="Move a mentee into proposed group `toGroup`, or out (null).")
class MoveInput:
    mentee_id: strawberry.ID
    to_group: int | None = None


async def _own_proposal(info: Ctx, ident: object) -> GroupProposal:
    row = await read_own(info, mq.proposal, "group proposal", ident)
    return (await read_proposals(info, [row]))[0]


@strawberry.type
class GroupProposalPayload:
    proposal: GroupProposal
    position: int


@strawberry.type
class AcceptProposalPayload:
    proposal: GroupProposal
    groups: list[Group]
    position: int


@strawberry.type
class MatchingQuery:
    @strawberry.field(
        description="Group proposals of your PIN, newest first (coordinators).",
        permission_classes=[Coordinators],
        extensions=[ConsistentWith()],
    )
    async def group_proposals(
        self, info: Ctx, cohort_id: strawberry.ID | None = None, state: ProposalState | None = None
    ) -> list[GroupProposal]:
        rows = await info.context.read(
            mq.proposals,
            info.context.tenant,
            cohort_id=optional_id(cohort_id, "cohortId"),
            state=state.value if state else None,
        )
        return await read_proposals(info, rows)

    @strawberry.field(
        description="One group proposal with its explanations (coordinators).",
        permission_classes=[Coordinators],
        extensions=[ConsistentWith()],
    )
    async def group_proposal(self, info: Ctx, id: strawberry.ID) -> GroupProposal:
        return await _own_proposal(info, parse_id(id, "id"))


def _bounded(field: str, values: list[T]) -> list[T]:
    if len(values) > MAX_PEOPLE:
        raise BadInputError(f"{field} may hold at most {MAX_PEOPLE} entries.")
    return values


async def _proposal_payload(
    info: Ctx, use_case: Callable[..., Changed], command: object
) -> GroupProposalPayload:
    _, changed = await run_use_case(info, use_case, command)
    return GroupProposalPayload(
        proposal=await _own_proposal(info, changed.id), position=changed.position
    )


@strawberry.type
class MatchingMutation:
    @strawberry.mutation(
        description="Propose groups for a cohort from the mentees of your PIN in no group."
    )
    async def propose_groups(
        self,
        info: Ctx,
        cohort_id: strawberry.ID,
        weights: WeightsInput | None = None,
        pinned: list[PinInput] | None = None,
        keep_apart: list[KeepApartInput] | None = None,
        mentee_ids: list[strawberry.ID] | None = None,
        time_limit_seconds: float = DEFAULT_TIME_LIMIT,
    ) -> GroupProposalPayload:
        w = weights or WeightsInput()
        command = mc.ProposeGroups(
            cohort_id=parse_id(cohort_id, "cohortId"),
            weights=Weights(
                w.placed, w.profession, w.sub_field, w.culture, w.licence, w.english_mix
            ),
            pinned=[
                Pinned(parse_id(p.mentee_id, "menteeId"), parse_id(p.mentor_id, "mentorId"))
                for p in _bounded("pinned", pinned or [])
            ],
            apart=[
                KeptApart(parse_id(a.first_id, "firstId"), parse_id(a.second_id, "secondId"))
                for a in _bounded("keepApart", keep_apart or [])
            ],
            mentee_ids=(
                [parse_id(m, "menteeIds") for m in _bounded("menteeIds", mentee_ids)]
                if mentee_ids is not None
                else None
            ),
            time_limit=time_limit_seconds,
        )
        platform = info.context.platform
        # Read the index as fresh as the store: the caller's latest enrolments count.
        head = await anyio.to_thread.run_sync(platform.store.recorder.max_notification_id)
        await info.context.catch_up(head or 0)
        propose = functools.partial(
            mu.propose_groups, candidates=mq.ReadModelCandidates(platform.read_models)
        )
        return await _proposal_payload(info, propose, command)

    @strawberry.mutation(description="Move mentees between the proposed groups, or out.")
    async def edit_proposal(
        self, info: Ctx, proposal_id: strawberry.ID, moves: list[MoveInput]
    ) -> GroupProposalPayload:
        command = mc.EditProposal(
            parse_id(proposal_id, "proposalId"),
            [Move(parse_id(m.mentee_id, "menteeId"), m.to_group) for m in _bounded("moves", moves)],
        )
        return await _proposal_payload(info, mu.edit_proposal, command)

    @strawberry.mutation(description="Form the proposed groups (all or none).")
    async def accept_proposal(self, info: Ctx, proposal_id: strawberry.ID) -> AcceptProposalPayload:
        command = mc.AcceptProposal(parse_id(proposal_id, "proposalId"))
        _, changed = await run_use_case(info, mu.accept_proposal, command)
        proposal = await _own_proposal(info, changed.id)
        groups = await groups_formed(info, proposal.formed_group_ids)
        return AcceptProposalPayload(proposal=proposal, groups=groups, position=changed.position)

    @strawberry.mutation(description="Reject a proposal; it is kept, with the reason.")
    async def reject_proposal(
        self, info: Ctx, proposal_id: strawberry.ID, reason: str | None = None
    ) -> GroupProposalPayload:
        command = mc.RejectProposal(parse_id(proposal_id, "proposalId"), reason)
        return await _proposal_payload(info, mu.reject_proposal, command)
