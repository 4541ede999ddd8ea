"""GraphQL of group formation: propose groups for a cohort, review, edit, accept or reject.

Coordinators only. A proposal names people by id in the read model; their names are read
once per request from the caller's own PIN.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar
from uuid import UUID

import anyio.to_thread
import strawberry

from domain.matching import Criterion, KeptApart, Pinned, Weights
from domain.matching_explanations import Evaluation, GroupExplanation, Shared, UnplacedReason
from domain.proposal import Move, ProposalState, SolverReport, group_name
from gateway.errors import BadInputError
from gateway.resolvers import consistent, found, run_use_case
from gateway.types import Cohort, Ctx, Group, parse_id
from projections import matching_queries as mq
from projections import queries as q
from services import matching_use_cases as mu
from services.context import Role, TenantContext
from services.matching import commands as mc
from services.matching.solver import DEFAULT_TIME_LIMIT
from services.use_cases import Changed

for _vocabulary in (ProposalState, UnplacedReason):
    strawberry.enum(_vocabulary)

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


@strawberry.type
class WeightsView:
    placed: int
    profession: int
    sub_field: int
    culture: int
    licence: int
    english_mix: int


@strawberry.type(description="Points per criterion, with the weights applied.")
class ScoreBreakdown:
    placed: int
    profession: int
    sub_field: int
    culture: int
    licence: int
    english_mix: int
    total: int

    @classmethod
    def of(cls, points: Mapping[Criterion, int]) -> ScoreBreakdown:
        return cls(
            placed=points.get(Criterion.PLACED, 0),
            profession=points.get(Criterion.PROFESSION, 0),
            sub_field=points.get(Criterion.SUB_FIELD, 0),
            culture=points.get(Criterion.CULTURE, 0),
            licence=points.get(Criterion.LICENCE, 0),
            english_mix=points.get(Criterion.ENGLISH_MIX, 0),
            total=sum(points.values()),
        )


@strawberry.type
class SolverReportView:
    method: str = strawberry.field(description="milp (exact), or milp+greedy after a time limit.")
    status: str
    score: int
    greedy_score: int = strawberry.field(description="The greedy baseline's score.")
    bound: float | None = strawberry.field(description="The best score possible, as proven.")
    gap: float | None = strawberry.field(description="(bound - score) / bound; 0 is optimal.")
    seconds: float
    time_limit_seconds: float


@strawberry.type
class SharedAttribute:
    name: str
    mentees: int = strawberry.field(description="How many of the group's mentees share it.")


@strawberry.type
class ProposalPerson:
    id: strawberry.ID
    name: str | None


@strawberry.type
class ProposedGroup:
    number: int
    name: str = strawberry.field(description="The name the group gets when accepted.")
    mentor: ProposalPerson
    mentees: list[ProposalPerson]
    size: int
    under_minimum_size: bool
    languages: list[SharedAttribute]
    profession: SharedAttribute
    sub_field: SharedAttribute | None
    culture: SharedAttribute
    licence_path: int = strawberry.field(description="Mentees a licensed mentor can guide.")
    english_levels: list[SharedAttribute]
    points: ScoreBreakdown
    summary: str


@strawberry.type
class UnplacedMentee:
    mentee: ProposalPerson
    reason: UnplacedReason
    explanation: str
    remedies: list[str] = strawberry.field(description="What would place them.")


@strawberry.type
class GroupProposal:
    id: strawberry.ID
    cohort_id: strawberry.ID
    state: ProposalState
    proposed_at: str
    edits: int
    score: int
    points: ScoreBreakdown
    placed_count: int
    candidate_count: int
    min_group_size: int
    max_group_size: int
    weights: WeightsView
    solver: SolverReportView
    groups: list[ProposedGroup]
    unplaced: list[UnplacedMentee]
    rejection_reason: str | None
    formed_group_ids: strawberry.Private[list[str]]

    @strawberry.field
    async def cohort(self, info: Ctx) -> Cohort | None:
        row = await info.context.loaders.cohort.load(str(self.cohort_id))
        return Cohort.of(row) if row else None

    @strawberry.field(description="The groups formed when the proposal was accepted.")
    async def formed_groups(self, info: Ctx) -> list[Group]:
        tenant = info.context.tenant
        rows = [await info.context.read(q.group, tenant, ident) for ident in self.formed_group_ids]
        return [Group.of(r) for r in rows if r is not None]


def _people(evaluation: Evaluation) -> Iterable[str]:
    for g in evaluation.groups:
        yield str(g.mentor_id)
        yield from (str(m) for m in g.mentee_ids)
    for u in evaluation.unplaced:
        yield str(u.mentee_id)
        yield from (str(r.mentor_id) for r in u.remedies if r.mentor_id)


def _shared(s: Shared) -> SharedAttribute:
    return SharedAttribute(name=s.name, mentees=s.mentees)


def _group(g: GroupExplanation, person: Callable[[UUID], ProposalPerson]) -> ProposedGroup:
    return ProposedGroup(
        number=g.number,
        name=group_name(g),
        mentor=person(g.mentor_id),
        mentees=[person(m) for m in g.mentee_ids],
        size=len(g.mentee_ids),
        under_minimum_size=g.under_min_size,
        languages=[_shared(s) for s in g.languages],
        profession=_shared(g.profession),
        sub_field=_shared(g.sub_field) if g.sub_field else None,
        culture=_shared(g.culture),
        licence_path=g.licence_path,
        english_levels=[_shared(s) for s in g.english_levels],
        points=ScoreBreakdown.of(g.points),
        summary=g.summary,
    )


def to_proposal(row: mq.ProposalRow, names: Mapping[str, str]) -> GroupProposal:
    """The GraphQL view of a proposal row; ``names`` holds the people's names by id."""
    evaluation = Evaluation.from_dict(row.result)
    report = SolverReport.from_dict(row.report)
    weights = Weights.from_dict(row.settings["weights"])

    def person(ident: UUID) -> ProposalPerson:
        return ProposalPerson(id=strawberry.ID(str(ident)), name=names.get(str(ident)))

    def name_of(ident: UUID) -> str:
        return names.get(str(ident), "the mentor")

    return GroupProposal(
        id=strawberry.ID(row.id),
        cohort_id=strawberry.ID(row.cohort_id),
        state=ProposalState(row.state),
        proposed_at=row.proposed_at,
        edits=row.edits,
        score=evaluation.score,
        points=ScoreBreakdown.of(evaluation.points),
        placed_count=evaluation.placed,
        candidate_count=int(row.settings["mentees"]),
        min_group_size=int(row.settings["min_size"]),
        max_group_size=int(row.settings["max_size"]),
        weights=WeightsView(**weights.as_dict()),
        solver=SolverReportView(
            method=report.method,
            status=report.status,
            score=report.score,
            greedy_score=report.greedy_score,
            bound=report.bound,
            gap=report.gap,
            seconds=report.seconds,
            time_limit_seconds=report.time_limit,
        ),
        groups=[_group(g, person) for g in evaluation.groups],
        unplaced=[
            UnplacedMentee(
                mentee=person(u.mentee_id),
                reason=u.reason,
                explanation=u.explanation,
                remedies=[r.render(name_of) for r in u.remedies],
            )
            for u in evaluation.unplaced
        ],
        rejection_reason=row.rejection_reason,
        formed_group_ids=row.group_ids,
    )


async def _read_proposals(info: Ctx, rows: list[mq.ProposalRow]) -> list[GroupProposal]:
    """The proposals with their people's names, read in one query."""
    tenant = info.context.tenant
    ids = sorted({i for r in rows for i in _people(Evaluation.from_dict(r.result))})
    names = await info.context.read(mq.names, tenant, ids)
    return [to_proposal(r, names) for r in rows]


async def _own_proposal(info: Ctx, caller: TenantContext, ident: object) -> GroupProposal:
    row = found(
        await info.context.read(mq.proposal, str(caller.tenant_id), str(ident)),
        "group proposal",
        ident,
    )
    return (await _read_proposals(info, [row]))[0]


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
    @strawberry.field(description="Group proposals of your PIN, newest first (coordinators).")
    async def group_proposals(
        self,
        info: Ctx,
        cohort_id: strawberry.ID | None = None,
        state: ProposalState | None = None,
        consistent_with: int | None = None,
    ) -> list[GroupProposal]:
        await consistent(info, consistent_with)
        caller = info.context.reader(Role.COORDINATOR)
        rows = await info.context.read(
            mq.proposals,
            str(caller.tenant_id),
            cohort_id=str(parse_id(cohort_id, "cohortId")) if cohort_id is not None else None,
            state=state.value if state else None,
        )
        return await _read_proposals(info, rows)

    @strawberry.field(description="One group proposal with its explanations (coordinators).")
    async def group_proposal(
        self, info: Ctx, id: strawberry.ID, consistent_with: int | None = None
    ) -> GroupProposal:
        await consistent(info, consistent_with)
        caller = info.context.reader(Role.COORDINATOR)
        return await _own_proposal(info, caller, parse_id(id, "id"))


def _bounded(field: str, values: list[T]) -> list[T]:
    if len(values) > MAX_PEOPLE:
        raise BadInputError(f"{field} may hold at most {MAX_PEOPLE} entries.")
    return values


async def _proposal_payload(
    info: Ctx, use_case: Callable[..., Changed], command: object
) -> GroupProposalPayload:
    caller, changed = await run_use_case(info, use_case, command)
    return GroupProposalPayload(
        proposal=await _own_proposal(info, caller, changed.id), position=changed.position
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
        caller, changed = await run_use_case(info, mu.accept_proposal, command)
        proposal = await _own_proposal(info, caller, changed.id)
        tenant = str(caller.tenant_id)
        groups = [await info.context.read(q.group, tenant, i) for i in proposal.formed_group_ids]
        return AcceptProposalPayload(
            proposal=proposal,
            groups=[Group.of(g) for g in groups if g is not None],
            position=changed.position,
        )

    @strawberry.mutation(description="Reject a proposal; it is kept, with the reason.")
    async def reject_proposal(
        self, info: Ctx, proposal_id: strawberry.ID, reason: str | None = None
    ) -> GroupProposalPayload:
        command = mc.RejectProposal(parse_id(proposal_id, "proposalId"), reason)
        return await _proposal_payload(info, mu.reject_proposal, command)
