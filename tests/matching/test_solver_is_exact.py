"""On small cohorts (up to 12 mentees) the solver finds the best groups: brute force agrees."""

from __future__ import annotations

import random

import pytest

from domain.errors import InvariantViolation
from domain.matching.problem import MatchingProblem, violations
from services.matching.greedy import greedy_groups
from services.matching.solver import solve
from tests.matching.helpers import brute_force, random_problem, search_size

MAX_SEARCH = 60_000


def small_problem(seed: int, mentees: int) -> MatchingProblem:
    """A random cohort of ``mentees`` that brute force can search (deterministic per seed)."""
    rng = random.Random(seed)
    while True:
        problem = random_problem(rng, mentees, rng.randint(1, 3))
        if search_size(problem) <= MAX_SEARCH:
            return problem


@pytest.mark.parametrize("seed", range(30))
def test_the_solver_scores_what_brute_force_finds_best(seed: int) -> None:
    problem = small_problem(seed, mentees=4 + seed % 9)  # 4 to 12 mentees

    best, _ = brute_force(problem)
    try:
        groups, report = solve(problem)
    except InvariantViolation:
        assert best == -1, "the solver gave up on pins that brute force could keep"
        return

    assert problem.score(groups) == best
    assert report.score == best
    assert report.status == "optimal"
    assert report.gap == 0
    assert violations(problem, groups) == []


@pytest.mark.parametrize("seed", range(101, 111))
def test_twelve_mentees_brute_force_and_solver_agree(seed: int) -> None:
    problem = small_problem(seed, mentees=12)

    best, _ = brute_force(problem)
    try:
        groups, _ = solve(problem)
    except InvariantViolation:
        assert best == -1
        return

    assert problem.score(groups) == best


@pytest.mark.parametrize("seed", range(10))
def test_the_greedy_baseline_never_beats_the_solver(seed: int) -> None:
    problem = small_problem(seed + 500, mentees=12)
    try:
        groups, report = solve(problem)
        greedy = greedy_groups(problem)
    except InvariantViolation:
        return

    assert problem.score(greedy) <= problem.score(groups)
    assert report.greedy_score == problem.score(greedy)
