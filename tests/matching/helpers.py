"""Small matching problems to test the solver on, and the brute force it must agree with."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from functools import cache
from uuid import UUID

from domain.matching.problem import MatchingProblem
from domain.matching.profiles import (
    KeptApart,
    MenteeProfile,
    MentorProfile,
    Pinned,
    ProposedGroup,
    Weights,
)
from domain.values import EnglishLevel, LicenceStatus

LANGUAGES = ("Romanian", "Arabic", "Spanish")
PROFESSIONS = ("Engineering / Civil", "Engineering / Electrical", "Accounting", "Architecture")
ORIGINS = {"Romanian": "Romania", "Arabic": "Iraq", "Spanish": "Mexico"}
BACKGROUNDS = {"Romanian": "Romanian", "Arabic": "Iraqi", "Spanish": "Hispanic"}

Split = tuple[int, tuple[ProposedGroup, ...]]  # (English-mix points, groups) of one mentor
_ids = itertools.count(1)


def new_id() -> UUID:
    return UUID(int=next(_ids))


def mentee(
    language: str = "Romanian",
    profession: str = "Engineering / Civil",
    level: EnglishLevel = EnglishLevel.INTERMEDIATE,
    *,
    origin: str | None = None,
    also: Sequence[str] = (),
    licensed: bool = False,
) -> MenteeProfile:
    return MenteeProfile(
        id=new_id(),
        profession=profession,
        origin=origin or ORIGINS.get(language, "Canada"),
        languages=(language, "English", *also),
        english_level=level,
        licensed=licensed,
    )


def mentor(
    language: str = "Romanian",
    profession: str = "Engineering / Civil",
    *,
    capacity: int = 1,
    free: int | None = None,
    licence: LicenceStatus = LicenceStatus.LICENSED,
    background: str | None = None,
    also: Sequence[str] = (),
) -> MentorProfile:
    return MentorProfile(
        id=new_id(),
        profession=profession,
        cultural_background=background or BACKGROUNDS.get(language, "Canadian"),
        languages=(language, "English", *also),
        licence_status=licence,
        capacity=capacity,
        free_groups=capacity if free is None else free,
    )


def random_problem(rng: random.Random, mentees: int, mentors: int) -> MatchingProblem:
    """A random small cohort, with sizes, capacities, pins and exclusions."""
    lo = rng.choice((1, 2, 2, 3, 5))
    hi = lo + rng.choice((0, 1, 1, 2))
    languages = LANGUAGES[: rng.choice((1, 2, 3))]
    mentor_list = [
        mentor(
            rng.choice(languages),
            rng.choice(PROFESSIONS),
            capacity=(capacity := rng.choice((1, 1, 2, 3))),
            free=rng.randint(0, capacity) if rng.random() < 0.2 else capacity,
            licence=rng.choice(list(LicenceStatus)),
            also=rng.sample(LANGUAGES, 1) if rng.random() < 0.2 else (),
        )
        for _ in range(mentors)
    ]
    mentee_list = [
        mentee(
            rng.choice(languages),
            rng.choice(PROFESSIONS),
            rng.choice(list(EnglishLevel)),
            licensed=rng.random() < 0.1,
            also=rng.sample(LANGUAGES, 1) if rng.random() < 0.2 else (),
        )
        for _ in range(mentees)
    ]
    weights = Weights(
        placed=rng.randint(1, 12),
        profession=rng.randint(0, 10),
        sub_field=rng.randint(0, 4),
        culture=rng.randint(0, 4),
        licence=rng.randint(0, 3),
        english_mix=rng.randint(0, 3),
    )
    draft = MatchingProblem(lo, hi, tuple(mentee_list), tuple(mentor_list), weights=weights)
    pinned: list[Pinned] = []
    if rng.random() < 0.3 and mentee_list:
        m = rng.choice(draft.mentees)
        options = [t for t in draft.mentors if t.free_groups and draft.shared_languages(m, t)]
        if options:
            pinned.append(Pinned(m.id, rng.choice(options).id))
    apart: list[KeptApart] = []
    if rng.random() < 0.4 and len(mentee_list) >= 2:
        a, b = rng.sample(mentee_list, 2)
        if not {a.id, b.id} & {p.mentee_id for p in pinned}:
            apart.append(KeptApart(a.id, b.id))
    if rng.random() < 0.3 and mentee_list and mentor_list:
        m, t = rng.choice(mentee_list), rng.choice(mentor_list)
        if m.id not in {p.mentee_id for p in pinned}:
            apart.append(KeptApart(m.id, t.id))
    return MatchingProblem(
        lo, hi, draft.mentees, draft.mentors, tuple(pinned), tuple(apart), weights
    )


def _partitions(members: tuple[UUID, ...], groups: int) -> Iterator[list[list[UUID]]]:
    """Every split of ``members`` into exactly ``groups`` non-empty groups (no repeats)."""
    if not members:
        if groups == 0:
            yield []
        return

    def place(index: int, current: list[list[UUID]]) -> Iterator[list[list[UUID]]]:
        if index == len(members):
            if len(current) == groups:
                yield [list(g) for g in current]
            return
        for g in current:
            g.append(members[index])
            yield from place(index + 1, current)
            g.pop()
        if len(current) < groups:
            current.append([members[index]])
            yield from place(index + 1, current)
            current.pop()

    yield from place(0, [])


def brute_force(problem: MatchingProblem) -> tuple[int, list[ProposedGroup]]:
    """The best score over every grouping the rules allow, found by trying them all."""
    lo, hi = problem.min_size, problem.max_size
    mentors = [t for t in problem.mentors if t.free_groups > 0]

    @cache
    def best_split(mentor_id: UUID, members: tuple[UUID, ...]) -> Split | None:
        if any(problem.kept_apart(a, b) for a, b in itertools.combinations(members, 2)):
            return None
        free = problem.mentor_by_id[mentor_id].free_groups
        best: Split | None = None
        for count in range(1, free + 1):
            for split in _partitions(members, count):
                if all(lo <= len(g) <= hi for g in split):
                    groups = tuple(ProposedGroup(mentor_id, tuple(sorted(g))) for g in split)
                    value = sum(problem.english_mix(g.mentee_ids) for g in groups)
                    if best is None or value > best[0]:
                        best = (value, groups)
        return best

    options = []
    for m in problem.mentees:
        allowed: list[MentorProfile | None] = [t for t in mentors if problem.may_lead(t, m)]
        if m.id not in problem.pin_of:
            allowed.append(None)
        options.append(allowed)
    best_score, best_groups = -1, []
    for choice in itertools.product(*options):
        led: dict[UUID, list[UUID]] = {}
        score = 0
        for m, t in zip(problem.mentees, choice, strict=True):
            if t is not None:
                led.setdefault(t.id, []).append(m.id)
                score += problem.pair_score(m, t)
        groups: list[ProposedGroup] = []
        for mentor_id, members in led.items():
            split = best_split(mentor_id, tuple(members))
            if split is None:
                break
            score += split[0]
            groups.extend(split[1])
        else:
            if score > best_score:
                best_score, best_groups = score, groups
    return best_score, best_groups


def search_size(problem: MatchingProblem) -> int:
    """How many assignments the brute force tries."""
    size = 1
    for m in problem.mentees:
        allowed = sum(1 for t in problem.mentors if t.free_groups and problem.may_lead(t, m))
        size *= allowed + (0 if m.id in problem.pin_of else 1)
    return size
