"""The exact solver: the best groups as a mixed-integer program, solved by HiGHS (scipy).

Mentees whom the rules and the score cannot tell apart (the same mentors allowed, with the
same points each, and the same English level; nobody pinned or kept apart) form a class;
the program counts mentees per class instead of naming them, which removes the symmetry of
interchangeable mentees and shrinks the program several times. Variables, per mentor t who
may still lead groups:

* ``x[k, t]`` (integer, at most the size of class k): mentees of class k led by t, only
  for pairs the rules allow (a shared language, not kept apart, the pin if any). A pinned
  mentee is a class of one, fixed to their mentor.
* ``g[t]`` (integer, 0 to t's free groups): the number of groups t leads.
* ``w[t, l]`` (continuous): how many of t's groups hold English level l, at most ``g[t]``
  and at most the number of t's mentees at level l.

Constraints: each class placed at most once per member; ``min_size * g[t] <= sum_k x[k, t]
<= max_size * g[t]``; two mentees kept apart are not both with t. Objective: the sum of pair
points (``MatchingProblem.pair_scores``) plus ``english_mix * (sum_l w[t, l] - g[t])``.

A mentor's mentees are then dealt into ``g[t]`` groups (``domain.matching.problem.deal``): sizes
within the bounds, and each level in ``min(g[t], count)`` groups, which is what ``w``
counted. So the program's optimum is the score (``MatchingProblem.score``) of the best
groups, exactly. Counting a mentor's groups rather than naming them keeps the program free
of the symmetry of interchangeable groups too.

The problem is first split into independent parts (people linked by allowed pairs), each
solved on its own. HiGHS is deterministic; when the time limit is reached in a part, that
part's greedy groups are used (deterministic too) and the gap to the solver's bound is
reported.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from domain.errors import InvariantViolation
from domain.matching.problem import MatchingProblem, deal
from domain.matching.profiles import MenteeProfile, MentorProfile, ProposedGroup
from domain.proposal import SolverReport
from domain.values import EnglishLevel
from services.matching.greedy import greedy_groups

DEFAULT_TIME_LIMIT = 8.0
MAX_TIME_LIMIT = 60.0
_OPTIMAL, _INFEASIBLE = 0, 2


@dataclass
class _Program:
    """The integer program of one problem, and how to read its solution back."""

    classes: list[list[int]]  # mentee indices of each class, in id order
    pairs: list[tuple[int, int]]  # (class, mentor index) of each x
    group_columns: dict[int, int]  # mentor index -> column of g
    objective: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    rows: list[int]
    cols: list[int]
    values: list[float]
    row_lower: list[float]
    row_upper: list[float]

    def add_row(self, terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        row = len(self.row_lower)
        for col, value in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.values.append(value)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def matrix(self) -> coo_array:
        return coo_array(
            (self.values, (self.rows, self.cols)),
            shape=(len(self.row_lower), len(self.objective)),
        )


def _options(problem: MatchingProblem) -> dict[int, list[tuple[int, int]]]:
    """Per mentee index, the (mentor index, points) of every allowed pair."""
    options: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for (i, j), points in sorted(problem.pair_scores.items()):
        options[i].append((j, points))
    return options


def _classes(
    problem: MatchingProblem, options: dict[int, list[tuple[int, int]]]
) -> list[list[int]]:
    special = set(problem.pin_of) | set(problem.apart_from)
    classes: dict[object, list[int]] = {}
    for i in sorted(options):
        mentee = problem.mentees[i]
        key: object = (
            ("one", i) if mentee.id in special else (tuple(options[i]), mentee.english_level)
        )
        classes.setdefault(key, []).append(i)
    return list(classes.values())


def _program(problem: MatchingProblem) -> _Program:
    options = _options(problem)
    classes = _classes(problem, options)
    pairs: list[tuple[int, int]] = []
    gains: list[float] = []
    for k, members in enumerate(classes):
        for j, points in options[members[0]]:
            pairs.append((k, j))
            gains.append(float(points))
    by_mentor: defaultdict[int, list[int]] = defaultdict(list)
    by_class: defaultdict[int, list[int]] = defaultdict(list)
    for col, (k, j) in enumerate(pairs):
        by_mentor[j].append(col)
        by_class[k].append(col)
    mix = problem.weights.english_mix
    group_columns = {j: len(pairs) + n for n, j in enumerate(sorted(by_mentor))}
    level_columns: dict[tuple[int, EnglishLevel], int] = {}

    def level(col: int) -> EnglishLevel:
        return problem.mentees[classes[pairs[col][0]][0]].english_level

    if mix:
        for j in sorted(by_mentor):
            for lv in sorted({level(c) for c in by_mentor[j]}, key=list(EnglishLevel).index):
                level_columns[j, lv] = len(pairs) + len(group_columns) + len(level_columns)
    size = len(pairs) + len(group_columns) + len(level_columns)
    objective = np.zeros(size)
    objective[: len(pairs)] = gains
    lower, upper = np.zeros(size), np.ones(size)
    integrality = np.ones(size)
    for col, (k, _) in enumerate(pairs):
        upper[col] = min(
            len(classes[k]), problem.max_size * problem.mentors[pairs[col][1]].free_groups
        )
        if problem.mentees[classes[k][0]].id in problem.pin_of:
            lower[col] = 1
    for j, col in group_columns.items():
        upper[col] = problem.mentors[j].free_groups
        objective[col] = -mix
    for (j, _), col in level_columns.items():
        upper[col] = problem.mentors[j].free_groups
        objective[col] = mix
        integrality[col] = 0
    program = _Program(
        classes, pairs, group_columns, objective, lower, upper, integrality, [], [], [], [], []
    )
    for k, cols in by_class.items():
        if len(cols) > 1:
            program.add_row([(c, 1.0) for c in cols], 0, len(classes[k]))
    lo, hi = problem.min_size, problem.max_size
    for j, cols in by_mentor.items():
        g = group_columns[j]
        terms = [(c, 1.0) for c in cols]
        program.add_row([*terms, (g, -float(lo))], 0, np.inf)
        program.add_row([*terms, (g, -float(hi))], -np.inf, 0)
    for (j, lv), col in level_columns.items():
        program.add_row([(col, 1.0), (group_columns[j], -1.0)], -np.inf, 0)
        at_level = [(c, -1.0) for c in by_mentor[j] if level(c) == lv]
        program.add_row([(col, 1.0), *at_level], -np.inf, 0)
    # Mentees kept apart are classes of one: their index is their class.
    column = {(problem.mentees[classes[k][0]].id, j): c for c, (k, j) in enumerate(pairs)}
    for pair in problem.apart:
        for j in by_mentor:
            a, b = column.get((pair.first_id, j)), column.get((pair.second_id, j))
            if a is not None and b is not None:
                program.add_row([(a, 1.0), (b, 1.0)], -np.inf, 1)
    return program


def _groups(problem: MatchingProblem, program: _Program, x: np.ndarray) -> list[ProposedGroup]:
    members: defaultdict[int, list[UUID]] = defaultdict(list)
    waiting = [list(reversed(c)) for c in program.classes]  # pop() takes them in id order
    for col, (k, j) in enumerate(program.pairs):
        for _ in range(round(x[col])):
            members[j].append(problem.mentees[waiting[k].pop()].id)
    groups: list[ProposedGroup] = []
    for j in sorted(members):
        count = round(x[program.group_columns[j]])
        groups.extend(deal(problem, problem.mentors[j].id, members[j], count))
    return groups


def _greedy_or_none(problem: MatchingProblem) -> list[ProposedGroup] | None:
    try:
        return greedy_groups(problem)
    except InvariantViolation:
        return None


def components(problem: MatchingProblem) -> list[MatchingProblem]:
    """The independent parts of ``problem``: people linked by the pairs the rules allow.

    No group mixes two parts, so each is solved on its own and the best groups of the whole
    are the best groups of the parts. Mentees no mentor may lead are in no part. Smallest
    parts first, so the largest gets what is left of the time.
    """
    parent: dict[UUID, UUID] = {}

    def root(x: UUID) -> UUID:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in problem.pair_scores:
        a, b = root(problem.mentees[i].id), root(problem.mentors[j].id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    mentees: defaultdict[UUID, list[MenteeProfile]] = defaultdict(list)
    mentors: defaultdict[UUID, list[MentorProfile]] = defaultdict(list)
    for mentee in problem.mentees:
        if mentee.id in parent:
            mentees[root(mentee.id)].append(mentee)
    for mentor in problem.mentors:
        if mentor.id in parent:
            mentors[root(mentor.id)].append(mentor)
    parts = []
    for key in sorted(mentees, key=lambda k: (len(mentees[k]), k)):
        ids = {m.id for m in mentees[key]} | {t.id for t in mentors[key]}
        parts.append(
            MatchingProblem(
                problem.min_size,
                problem.max_size,
                tuple(mentees[key]),
                tuple(mentors[key]),
                tuple(p for p in problem.pinned if p.mentee_id in ids),
                tuple(a for a in problem.apart if a.first_id in ids and a.second_id in ids),
                problem.weights,
            )
        )
    return parts


@dataclass(frozen=True)
class _Outcome:
    groups: list[ProposedGroup]
    optimal: bool
    bound: float | None
    greedy: list[ProposedGroup] | None


def _solve_part(part: MatchingProblem, time_limit: float) -> _Outcome:
    greedy = _greedy_or_none(part)
    program = _program(part)
    matrix = program.matrix().tocsr()
    result = milp(
        -program.objective,
        integrality=program.integrality,
        bounds=Bounds(program.lower, program.upper),
        constraints=LinearConstraint(matrix, program.row_lower, program.row_upper),
        # The objective is whole points: no gap at all proves the optimum.
        options={"time_limit": max(0.05, time_limit), "mip_rel_gap": 0.0, "disp": False},
    )
    if result.status == _INFEASIBLE:
        raise InvariantViolation(
            "The pinned assignments cannot all be kept: a mentor with pinned mentees needs "
            f"at least {part.min_size} mentees per group who share a language with them."
        )
    raw_bound = getattr(result, "mip_dual_bound", None)
    bound = None if raw_bound is None or not np.isfinite(raw_bound) else float(-raw_bound)
    if result.status == _OPTIMAL and result.x is not None:
        groups = _groups(part, program, result.x)
        if greedy is not None and part.score(greedy) > part.score(groups):
            groups = greedy  # numerical safety; not expected
        return _Outcome(groups, True, float(part.score(groups)), greedy)
    if greedy is not None:
        return _Outcome(greedy, False, bound, greedy)
    if result.x is not None:  # the pins defeat the greedy: the solver's best so far
        return _Outcome(_groups(part, program, result.x), False, bound, greedy)
    raise InvariantViolation(
        "No groups keeping every pin were found within the time limit; allow more time or "
        "pin fewer mentees."
    )


def solve(
    problem: MatchingProblem, time_limit: float = DEFAULT_TIME_LIMIT
) -> tuple[list[ProposedGroup], SolverReport]:
    """The best groups for ``problem`` (exactly, within ``time_limit`` seconds) and a report.

    Raises ``InvariantViolation`` when the pinned assignments cannot all be kept.
    """
    started = time.perf_counter()
    outcomes = [
        _solve_part(part, time_limit - (time.perf_counter() - started))
        for part in components(problem)
    ]
    order = {t.id: j for j, t in enumerate(problem.mentors)}
    groups = sorted(
        (g for o in outcomes for g in o.groups), key=lambda g: (order[g.mentor_id], g.mentee_ids)
    )
    score = problem.score(groups)
    greedy_score = problem.score([g for o in outcomes for g in (o.greedy or o.groups)])
    optimal = all(o.optimal for o in outcomes)
    bound = None if any(o.bound is None for o in outcomes) else sum(o.bound or 0 for o in outcomes)
    gap = None if bound is None else max(0.0, (bound - score) / max(abs(bound), 1.0))
    return groups, SolverReport(
        method="milp" if optimal else "milp+greedy",
        status="optimal" if optimal else "time_limit",
        score=score,
        greedy_score=greedy_score,
        bound=bound,
        gap=gap,
        seconds=round(time.perf_counter() - started, 3),
        time_limit=time_limit,
    )
