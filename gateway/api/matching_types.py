"""The GraphQL view of a group proposal: its groups, scores, explanations and solver report.

A proposal names people by id in the read model; their names are read once per request from
the caller's own PIN (``read_proposals``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from uuid import UUID

import strawberry

from domain.matching.explanations import Evaluation, GroupExplanation, UnplacedReason
from domain.matching.profiles import Criterion, Weights
from domain.proposal import ProposalState, SolverReport, group_name
from gateway.conversion import FromRow
from gateway.types import Cohort, Ctx, Group
from projections import queries as q
from projections.matching import queries as mq

for _vocabulary in (ProposalState, UnplacedReason):
    strawberry.enum(_vocabulary)


@strawberry.type
class WeightsView:
    placed: int
    profession: int
    sub_field: int
    culture: int
    licence: int
    english_mix: int


@strawberry.type(description="Points per criterion, with the weights applied.")
class ScoreBreakdown(WeightsView):  # the same criteria, in points, and their total
    total: int


def score_breakdown(points: Mapping[Criterion, int]) -> ScoreBreakdown:
    """Points per criterion (0 where none), and their total."""
    per_criterion = {c.value: points.get(c, 0) for c in Criterion}
    return ScoreBreakdown(**per_criterion, total=sum(points.values()))


@strawberry.type
class SolverReportView(FromRow, renamed={"time_limit_seconds": "time_limit"}):
    method: str = strawberry.field(description="milp (exact), or milp+greedy after a time limit.")
    status: str
    score: int
    greedy_score: int = strawberry.field(description="The greedy baseline's score.")
    bound: float | None = strawberry.field(description="The best score possible, as proven.")
    gap: float | None = strawberry.field(description="(bound - score) / bound; 0 is optimal.")
    seconds: float
    time_limit_seconds: float


@strawberry.type
class SharedAttribute(FromRow):
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
        return await Cohort.load_one(info.context.loaders.cohort, str(self.cohort_id))

    @strawberry.field(description="The groups formed when the proposal was accepted.")
    async def formed_groups(self, info: Ctx) -> list[Group]:
        return await groups_formed(info, self.formed_group_ids)


async def groups_formed(info: Ctx, ids: list[str]) -> list[Group]:
    """The caller's PIN's groups of ``ids`` that are there."""
    rows = [await info.context.read(q.group, info.context.tenant, ident) for ident in ids]
    return [Group.of(r) for r in rows if r is not None]


def people_in(evaluation: Evaluation) -> Iterable[str]:
    for g in evaluation.groups:
        yield str(g.mentor_id)
        yield from (str(m) for m in g.mentee_ids)
    for u in evaluation.unplaced:
        yield str(u.mentee_id)
        yield from (str(r.mentor_id) for r in u.remedies if r.mentor_id)


def _group(g: GroupExplanation, person: Callable[[UUID], ProposalPerson]) -> ProposedGroup:
    return ProposedGroup(
        number=g.number,
        name=group_name(g),
        mentor=person(g.mentor_id),
        mentees=[person(m) for m in g.mentee_ids],
        size=len(g.mentee_ids),
        under_minimum_size=g.under_min_size,
        languages=[SharedAttribute.of(s) for s in g.languages],
        profession=SharedAttribute.of(g.profession),
        sub_field=SharedAttribute.of(g.sub_field) if g.sub_field else None,
        culture=SharedAttribute.of(g.culture),
        licence_path=g.licence_path,
        english_levels=[SharedAttribute.of(s) for s in g.english_levels],
        points=score_breakdown(g.points),
        summary=g.summary,
    )


def _text(moment: datetime | str) -> str:
    # The schema gives the time as the stored text (ISO 8601), as rows held it before typing.
    return moment if isinstance(moment, str) else moment.isoformat()


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
        proposed_at=_text(row.proposed_at),
        edits=row.edits,
        score=evaluation.score,
        points=score_breakdown(evaluation.points),
        placed_count=evaluation.placed,
        candidate_count=int(row.settings["mentees"]),
        min_group_size=int(row.settings["min_size"]),
        max_group_size=int(row.settings["max_size"]),
        weights=WeightsView(**weights.as_dict()),
        solver=SolverReportView.of(report),
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


async def read_proposals(info: Ctx, rows: list[mq.ProposalRow]) -> list[GroupProposal]:
    """The proposals with their people's names, read in one query."""
    tenant = info.context.tenant
    ids = sorted({i for r in rows for i in people_in(Evaluation.from_dict(r.result))})
    names = await info.context.read(mq.names, tenant, ids)
    return [to_proposal(r, names) for r in rows]
