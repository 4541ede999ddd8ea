"""Use cases of group formation: propose groups for a cohort, edit, accept or reject.

Coordinators only. Every person and record is loaded from the event store and checked
against the caller's PIN (another PIN's id reads as unknown), so nothing of another PIN
enters a proposal. Accepting forms the groups through the domain's own operations and saves
the cohort, the proposal, the new groups and the mentees in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain.cohort import Cohort
from domain.matching.problem import MatchingProblem
from domain.matching.profiles import MenteeProfile, MentorProfile
from domain.people import Mentee, Mentor
from domain.proposal import GroupProposal
from domain.values import OutcomeKind
from services.context import Role, TenantContext
from services.errors import BadInput, Forbidden, NotFound
from services.matching.candidates import CandidateIndex
from services.matching.commands import AcceptProposal, EditProposal, ProposeGroups, RejectProposal
from services.matching.solver import MAX_TIME_LIMIT, solve
from services.store import MentoringStore
from services.use_cases import Changed, load, use_case


def _require_coordinator(ctx: TenantContext) -> None:
    if ctx.role != Role.COORDINATOR:
        raise Forbidden(f"The {ctx.role} role may not form groups.")


def _save(store: MentoringStore, *aggregates: Aggregate) -> int:
    return store.save(*aggregates)[-1].notification.id


def load_proposal(store: MentoringStore, ident: UUID, ctx: TenantContext) -> GroupProposal:
    """The proposal ``ident`` of the caller's PIN, else ``NotFound``."""
    try:
        proposal: Aggregate = store.repository.get(ident)
    except AggregateNotFoundError:
        raise NotFound("group proposal", ident) from None
    if not isinstance(proposal, GroupProposal) or proposal.tenant_id != ctx.tenant_id:
        raise NotFound("group proposal", ident)
    return proposal


def mentee_profile(mentee: Mentee) -> MenteeProfile:
    return MenteeProfile(
        id=mentee.id,
        profession=mentee.profession,
        origin=mentee.origin,
        languages=tuple(mentee.languages),
        english_level=mentee.english_level,
        licensed=any(o.kind == OutcomeKind.LICENCE_OBTAINED for o in mentee.outcomes),
    )


def mentor_profile(mentor: Mentor, cohort: Cohort) -> MentorProfile:
    return MentorProfile(
        id=mentor.id,
        profession=mentor.profession,
        cultural_background=mentor.cultural_background,
        languages=tuple(mentor.languages),
        licence_status=mentor.licence_status,
        capacity=mentor.capacity,
        free_groups=max(0, mentor.capacity - cohort.mentor_groups[mentor.id]),
    )


def _require_own_people(
    store: MentoringStore,
    ctx: TenantContext,
    mentee_ids: list[UUID],
    mentor_ids: list[UUID],
    either: list[UUID] | None = None,
) -> None:
    """NOT_FOUND for anyone named who is not a mentee (mentor) of the caller's PIN."""
    for ident in mentee_ids:
        load(store, Mentee, ident, ctx)
    for ident in mentor_ids:
        load(store, Mentor, ident, ctx)
    for ident in either or []:
        try:
            load(store, Mentee, ident, ctx)
        except NotFound:
            try:
                load(store, Mentor, ident, ctx)
            except NotFound:
                raise NotFound("mentee or mentor", ident) from None


def matching_problem(
    store: MentoringStore,
    cmd: ProposeGroups,
    ctx: TenantContext,
    cohort: Cohort,
    candidates: CandidateIndex,
) -> MatchingProblem:
    """The caller's mentees waiting for a group and mentors, as the solver sees them."""
    if cmd.mentee_ids is not None:
        mentees = [load(store, Mentee, ident, ctx) for ident in dict.fromkeys(cmd.mentee_ids)]
        placed = [m.id for m in mentees if m.id in cohort.mentee_groups]
        if placed:
            raise BadInput(f"mentee {placed[0]} is already in a group of '{cohort.name}'.")
    else:
        mentees = [
            mentee
            for ident in candidates.waiting_mentees(ctx.tenant_id)
            if (mentee := load(store, Mentee, ident, ctx)).id not in cohort.mentee_groups
            and mentee.can_take_part()  # not erased, not withdrawn from the programme
        ]
    _require_own_people(store, ctx, [p.mentee_id for p in cmd.pinned], [])
    _require_own_people(store, ctx, [], [p.mentor_id for p in cmd.pinned])
    for pair in cmd.apart:
        _require_own_people(store, ctx, [], [], either=[pair.first_id, pair.second_id])
    mentor_ids = dict.fromkeys([*candidates.mentors(ctx.tenant_id)])
    mentor_ids.update(dict.fromkeys(p.mentor_id for p in cmd.pinned))
    pinned_mentors = {p.mentor_id for p in cmd.pinned}
    mentors = [
        mentor
        for ident in mentor_ids
        if (mentor := load(store, Mentor, ident, ctx)).can_take_part() or ident in pinned_mentors
    ]
    return MatchingProblem(
        min_size=cohort.min_group_size,
        max_size=cohort.max_group_size,
        mentees=tuple(mentee_profile(m) for m in mentees),
        mentors=tuple(mentor_profile(t, cohort) for t in mentors),
        pinned=tuple(cmd.pinned),
        apart=tuple(cmd.apart),
        weights=cmd.weights,
    )


@use_case
def propose_groups(
    store: MentoringStore, cmd: ProposeGroups, ctx: TenantContext, candidates: CandidateIndex
) -> Changed:
    """Work out and record a proposal of groups for a cohort; nothing is formed yet."""
    _require_coordinator(ctx)
    if not 0 < cmd.time_limit <= MAX_TIME_LIMIT:
        raise BadInput(f"timeLimitSeconds must be more than 0 and at most {MAX_TIME_LIMIT:g}.")
    cohort = load(store, Cohort, cmd.cohort_id, ctx)
    cohort.require_open()
    problem = matching_problem(store, cmd, ctx, cohort, candidates)
    groups, report = solve(problem, cmd.time_limit)
    proposal = GroupProposal.propose(cohort, problem, groups, report)
    return Changed(proposal.id, _save(store, proposal))


def _decide(
    store: MentoringStore,
    proposal_id: UUID,
    ctx: TenantContext,
    decision: Callable[[GroupProposal], None],
) -> Changed:
    """The coordinator's ``decision`` on the proposal, saved."""
    _require_coordinator(ctx)
    proposal = load_proposal(store, proposal_id, ctx)
    decision(proposal)
    return Changed(proposal.id, _save(store, proposal))


@use_case
def edit_proposal(store: MentoringStore, cmd: EditProposal, ctx: TenantContext) -> Changed:
    """Move mentees between the proposed groups (or out of them)."""
    return _decide(store, cmd.proposal_id, ctx, lambda proposal: proposal.edit(cmd.moves))


@use_case
def accept_proposal(store: MentoringStore, cmd: AcceptProposal, ctx: TenantContext) -> Changed:
    """Form the proposed groups, all or none."""
    _require_coordinator(ctx)
    proposal = load_proposal(store, cmd.proposal_id, ctx)
    proposal.require_proposed()
    cohort = load(store, Cohort, proposal.cohort_id, ctx)
    groups = proposal.groups
    mentors = {g.mentor_id: load(store, Mentor, g.mentor_id, ctx) for g in groups}
    mentees = {m: load(store, Mentee, m, ctx) for g in groups for m in g.mentee_ids}
    formed = proposal.accept(cohort, mentors, mentees)
    return Changed(proposal.id, _save(store, cohort, proposal, *formed, *mentees.values()))


@use_case
def reject_proposal(store: MentoringStore, cmd: RejectProposal, ctx: TenantContext) -> Changed:
    """Reject a proposal; it is kept, with the reason."""
    return _decide(store, cmd.proposal_id, ctx, lambda proposal: proposal.reject(cmd.reason))
