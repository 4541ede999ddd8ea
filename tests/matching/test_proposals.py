"""A coordinator proposes groups, edits, accepts or rejects them: through the use cases."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.group import Group
from domain.matching.explanations import UnplacedReason
from domain.matching.profiles import KeptApart, Pinned
from domain.people import Mentee
from domain.proposal import GroupProposal, Move, ProposalState
from gateway.bootstrap import Platform
from projections.matching.queries import ReadModelCandidates, proposals
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.errors import Forbidden, NotFound
from services.matching import use_cases as mu
from services.matching.commands import AcceptProposal, EditProposal, ProposeGroups, RejectProposal
from tests.matching.conftest import WaitingRound


def propose(platform: Platform, waiting: WaitingRound, **options: object) -> GroupProposal:
    command = ProposeGroups(waiting.cohort_id, **options)  # type: ignore[arg-type]
    changed = mu.propose_groups(
        platform.store, command, waiting.ctx, ReadModelCandidates(platform.read_models)
    )
    proposal: GroupProposal = platform.store.repository.get(changed.id)
    return proposal


def get(platform: Platform, ident: UUID) -> object:
    return platform.store.repository.get(ident)


def test_a_proposal_forms_nothing_until_accepted(
    platform: Platform, arec_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)

    assert proposal.state == ProposalState.PROPOSED
    assert [len(g.mentee_ids) for g in proposal.groups] in ([6, 5], [5, 6])
    cohort = get(platform, arec_round.cohort_id)
    assert isinstance(cohort, Cohort)
    assert cohort.group_ids == []
    assert proposal.report.status == "optimal"


def test_mentees_too_few_for_a_group_are_explained(
    platform: Platform, arec_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)

    arabic = set(arec_round.mentee_ids[-2:])
    assert {u.mentee_id for u in proposal.evaluation.unplaced} == arabic
    assert {u.reason for u in proposal.evaluation.unplaced} == {UnplacedReason.TOO_FEW_FOR_A_GROUP}


def test_accepting_forms_the_groups_under_the_rules_of_the_programme(
    platform: Platform, arec_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)

    mu.accept_proposal(platform.store, AcceptProposal(proposal.id), arec_round.ctx)

    accepted = get(platform, proposal.id)
    assert isinstance(accepted, GroupProposal)
    assert accepted.state == ProposalState.ACCEPTED
    cohort = get(platform, arec_round.cohort_id)
    assert isinstance(cohort, Cohort)
    assert cohort.group_ids == accepted.group_ids
    for group_id, proposed in zip(accepted.group_ids, proposal.groups, strict=True):
        group = get(platform, group_id)
        assert isinstance(group, Group)
        assert group.mentor_id == proposed.mentor_id
        assert sorted(group.mentee_ids) == sorted(proposed.mentee_ids)
        assert 5 <= len(group.mentee_ids) <= 6
        for mentee_id in group.mentee_ids:
            mentee = get(platform, mentee_id)
            assert isinstance(mentee, Mentee)
            assert arec_round.cohort_id in mentee.rounds


def test_the_next_proposal_leaves_out_who_is_placed(
    platform: Platform, arec_round: WaitingRound
) -> None:
    first = propose(platform, arec_round)
    changed = mu.accept_proposal(platform.store, AcceptProposal(first.id), arec_round.ctx)
    platform.catch_up(changed.position)

    second = propose(platform, arec_round)

    assert {m.id for m in second.problem.mentees} == set(arec_round.mentee_ids[-2:])
    assert second.groups == []


def test_data_of_another_pin_never_enters_a_proposal(
    platform: Platform, arec_round: WaitingRound, cniea_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)

    assert {m.id for m in proposal.problem.mentees} == set(arec_round.mentee_ids)
    assert {t.id for t in proposal.problem.mentors} == set(arec_round.mentor_ids)
    with platform.read_models.reading(str(cniea_round.ctx.tenant_id)) as conn:
        assert proposals(conn, str(cniea_round.ctx.tenant_id)) == []


def test_another_pins_cohort_is_not_found(
    platform: Platform, arec_round: WaitingRound, cniea_round: WaitingRound
) -> None:
    intruder = ProposeGroups(cniea_round.cohort_id)
    candidates = ReadModelCandidates(platform.read_models)

    with pytest.raises(NotFound):
        mu.propose_groups(platform.store, intruder, arec_round.ctx, candidates)


def test_another_pins_proposal_and_people_are_not_found(
    platform: Platform, arec_round: WaitingRound, cniea_round: WaitingRound
) -> None:
    theirs = propose(platform, cniea_round)

    with pytest.raises(NotFound):
        mu.accept_proposal(platform.store, AcceptProposal(theirs.id), arec_round.ctx)
    with pytest.raises(NotFound):
        mu.reject_proposal(platform.store, RejectProposal(theirs.id), arec_round.ctx)
    pin_their_mentor = [Pinned(arec_round.mentee_ids[0], cniea_round.mentor_ids[0])]
    with pytest.raises(NotFound):
        propose(platform, arec_round, pinned=pin_their_mentor)
    with pytest.raises(NotFound):
        propose(platform, arec_round, mentee_ids=[cniea_round.mentee_ids[0]])


def test_only_a_coordinator_forms_groups(platform: Platform, arec_round: WaitingRound) -> None:
    mentor = TenantContext(arec_round.ctx.tenant_id, Role.MENTOR, str(arec_round.mentor_ids[0]))
    candidates = ReadModelCandidates(platform.read_models)

    with pytest.raises(Forbidden):
        mu.propose_groups(platform.store, ProposeGroups(arec_round.cohort_id), mentor, candidates)


def test_pins_and_exclusions_are_kept(platform: Platform, arec_round: WaitingRound) -> None:
    civil, electrical, _ = arec_round.mentor_ids
    a, b = arec_round.mentee_ids[0], arec_round.mentee_ids[1]

    proposal = propose(
        platform,
        arec_round,
        pinned=[Pinned(a, electrical)],
        apart=[KeptApart(a, b), KeptApart(b, electrical)],
    )

    mentor_of = {m: g.mentor_id for g in proposal.groups for m in g.mentee_ids}
    assert mentor_of[a] == electrical
    assert mentor_of.get(b) not in (electrical, None)
    assert civil in mentor_of.values()


def test_a_rejected_proposal_is_kept_with_its_reason(
    platform: Platform, arec_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)

    changed = mu.reject_proposal(
        platform.store, RejectProposal(proposal.id, "Two mentors are away in September."),
        arec_round.ctx,
    )  # fmt: skip
    platform.catch_up(changed.position)

    rejected = get(platform, proposal.id)
    assert isinstance(rejected, GroupProposal)
    assert rejected.state == ProposalState.REJECTED
    assert rejected.rejection_reason == "Two mentors are away in September."
    with platform.read_models.reading(str(arec_round.ctx.tenant_id)) as conn:
        [row] = proposals(conn, str(arec_round.ctx.tenant_id))
    assert (row.state, row.rejection_reason) == ("rejected", "Two mentors are away in September.")
    with pytest.raises(InvariantViolation, match="already rejected"):
        mu.accept_proposal(platform.store, AcceptProposal(proposal.id), arec_round.ctx)


def test_a_proposal_is_accepted_once(platform: Platform, arec_round: WaitingRound) -> None:
    proposal = propose(platform, arec_round)
    mu.accept_proposal(platform.store, AcceptProposal(proposal.id), arec_round.ctx)

    with pytest.raises(InvariantViolation, match="already accepted"):
        mu.accept_proposal(platform.store, AcceptProposal(proposal.id), arec_round.ctx)


def test_accepting_is_all_or_nothing(platform: Platform, arec_round: WaitingRound) -> None:
    proposal = propose(platform, arec_round)
    store, ctx = platform.store, arec_round.ctx
    # Meanwhile, the coordinator places one of the proposed mentees by hand.
    arabic_mentor = arec_round.mentor_ids[2]
    group = uc.form_group_in_cohort(
        store, c.FormGroup(arec_round.cohort_id, arabic_mentor, "By hand"), ctx
    )
    taken = proposal.groups[0].mentee_ids[0]
    uc.add_mentee_to_group(store, c.AddMenteeToGroup(group.id, taken), ctx)

    with pytest.raises(InvariantViolation, match="already in another group"):
        mu.accept_proposal(store, AcceptProposal(proposal.id), ctx)

    cohort = get(platform, arec_round.cohort_id)
    assert isinstance(cohort, Cohort)
    assert cohort.group_ids == [group.id]
    still = get(platform, proposal.id)
    assert isinstance(still, GroupProposal)
    assert still.state == ProposalState.PROPOSED


def test_an_edit_moves_mentees_and_explains_again(
    platform: Platform, arec_round: WaitingRound
) -> None:
    proposal = propose(platform, arec_round)
    smaller = min(range(2), key=lambda n: len(proposal.groups[n].mentee_ids))
    leaving = proposal.groups[smaller].mentee_ids[0]

    mu.edit_proposal(
        platform.store, EditProposal(proposal.id, [Move(leaving, None)]), arec_round.ctx
    )

    edited = get(platform, proposal.id)
    assert isinstance(edited, GroupProposal)
    assert leaving in {u.mentee_id for u in edited.evaluation.unplaced}
    assert edited.evaluation.groups[smaller].under_min_size
    [explained] = [u for u in edited.evaluation.unplaced if u.mentee_id == leaving]
    assert explained.reason == UnplacedReason.ROOM_AVAILABLE
    assert edited.evaluation.score < proposal.evaluation.score


def test_an_edit_cannot_break_a_hard_rule(platform: Platform, arec_round: WaitingRound) -> None:
    proposal = propose(platform, arec_round)
    full = next(n for n, g in enumerate(proposal.groups, start=1) if len(g.mentee_ids) == 6)
    arabic = arec_round.mentee_ids[-1]
    other = next(n for n in (1, 2) if n != full)

    with pytest.raises(InvariantViolation, match="shares no language"):
        mu.edit_proposal(
            platform.store, EditProposal(proposal.id, [Move(arabic, other)]), arec_round.ctx
        )
    mover = proposal.groups[other - 1].mentee_ids[0]
    with pytest.raises(InvariantViolation, match="7 mentees"):
        mu.edit_proposal(
            platform.store, EditProposal(proposal.id, [Move(mover, full)]), arec_round.ctx
        )
