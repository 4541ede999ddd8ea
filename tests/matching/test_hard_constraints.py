"""Every proposal keeps the programme's hard rules, on any cohort (hypothesis), deterministically."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvariantViolation
from domain.matching.explanations import evaluate
from domain.matching.problem import MatchingProblem, violations
from services.matching.greedy import greedy_groups
from services.matching.solver import solve
from tests.matching.helpers import random_problem


@st.composite
def cohorts(draw: st.DrawFn) -> MatchingProblem:
    """Cohorts of up to 40 mentees and 8 mentors, with pins, exclusions and any weights."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    mentees = draw(st.integers(min_value=0, max_value=40))
    mentors = draw(st.integers(min_value=0, max_value=8))
    return random_problem(random.Random(seed), mentees, mentors)


@settings(max_examples=80, deadline=None)
@given(cohorts())
def test_every_proposal_keeps_every_hard_rule(problem: MatchingProblem) -> None:
    try:
        groups, report = solve(problem)
    except InvariantViolation as error:
        message = str(error)
    else:
        message = ""
    if message:  # only pins can make a cohort impossible, and the message says so
        assert problem.pinned
        assert "pin" in message
        return

    assert violations(problem, groups) == []
    for group in groups:
        assert problem.min_size <= len(group.mentee_ids) <= problem.max_size
        mentor = problem.mentor_by_id[group.mentor_id]
        for mentee_id in group.mentee_ids:
            assert problem.shared_languages(problem.mentee_by_id[mentee_id], mentor)
    assert report.score == problem.score(groups) == evaluate(problem, groups).score
    assert report.greedy_score <= report.score


@settings(max_examples=40, deadline=None)
@given(cohorts())
def test_the_greedy_baseline_keeps_every_hard_rule_too(problem: MatchingProblem) -> None:
    try:
        groups = greedy_groups(problem)
    except InvariantViolation:
        assert problem.pinned
        return

    assert violations(problem, groups) == []


@settings(max_examples=25, deadline=None)
@given(cohorts())
def test_the_same_cohort_gets_the_same_proposal_however_it_is_listed(
    problem: MatchingProblem,
) -> None:
    reordered = dataclasses.replace(
        problem, mentees=problem.mentees[::-1], mentors=problem.mentors[::-1]
    )
    try:
        first, _ = solve(problem)
    except InvariantViolation:
        return
    again, _ = solve(problem)
    listed_otherwise, _ = solve(reordered)

    assert first == again == listed_otherwise


def test_a_mentee_left_out_explains_itself_in_every_proposal() -> None:
    rng = random.Random(11)
    for _ in range(30):
        problem = random_problem(rng, rng.randint(5, 30), rng.randint(1, 5))
        try:
            groups, _ = solve(problem)
        except InvariantViolation:
            continue
        evaluation = evaluate(problem, groups)
        placed = {m for g in groups for m in g.mentee_ids}
        assert {u.mentee_id for u in evaluation.unplaced} == {
            m.id for m in problem.mentees
        } - placed
        for unplaced in evaluation.unplaced:
            assert unplaced.explanation
            assert unplaced.remedies


@settings(max_examples=40, deadline=None)
@given(cohorts())
def test_the_solvers_pair_table_follows_the_rules(problem: MatchingProblem) -> None:
    expected = {
        (i, j): problem.pair_score(m, t)
        for i, m in enumerate(problem.mentees)
        for j, t in enumerate(problem.mentors)
        if t.free_groups > 0 and problem.may_lead(t, m)
    }

    assert problem.pair_scores == expected
