"""The greedy baseline: best group first, then the leftovers where they fit best.

Used as the baseline the exact solver is measured against, and as its fallback when the
time limit is reached. Deterministic: every tie is broken by id.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from uuid import UUID

from domain.errors import InvariantViolation
from domain.matching.problem import MatchingProblem, deal
from domain.matching.profiles import MentorProfile, ProposedGroup


class _Greedy:
    def __init__(self, problem: MatchingProblem) -> None:
        self.p = problem
        self.mentors = [t for t in problem.mentors if t.free_groups > 0]
        self.score: dict[tuple[UUID, UUID], int] = {
            (problem.mentors[j].id, problem.mentees[i].id): points
            for (i, j), points in problem.pair_scores.items()
        }
        # Per mentor, the mentees they may lead, best pair first.
        ranked: defaultdict[UUID, list[tuple[int, UUID]]] = defaultdict(list)
        for (mentor_id, mentee_id), points in self.score.items():
            ranked[mentor_id].append((-points, mentee_id))
        self.ranked = {t.id: [m for _, m in sorted(ranked[t.id])] for t in self.mentors}
        self.members: defaultdict[UUID, list[UUID]] = defaultdict(list)
        self.opened: Counter[UUID] = Counter()
        self.placed: set[UUID] = set()

    def fits(self, mentor_id: UUID, mentee_id: UUID, chosen: Sequence[UUID] = ()) -> bool:
        if mentee_id in self.placed:
            return False
        partners = self.p.apart_from.get(mentee_id)
        return not partners or partners.isdisjoint((*self.members[mentor_id], *chosen))

    def best_group(self, mentor: MentorProfile) -> tuple[int, list[UUID]]:
        chosen: list[UUID] = []
        for mentee_id in self.ranked[mentor.id]:
            if len(chosen) == self.p.max_size:
                break
            if self.fits(mentor.id, mentee_id, chosen):
                chosen.append(mentee_id)
        if len(chosen) < self.p.min_size:
            return 0, []
        return sum(self.score[mentor.id, m] for m in chosen), chosen

    def place(self, mentor_id: UUID, mentee_ids: Sequence[UUID]) -> None:
        self.members[mentor_id].extend(mentee_ids)
        self.placed.update(mentee_ids)

    def pinned(self) -> None:
        for pin in sorted(self.p.pinned, key=lambda x: (x.mentor_id, x.mentee_id)):
            self.place(pin.mentor_id, [pin.mentee_id])
        for mentor_id, members in sorted(self.members.items()):
            self.opened[mentor_id] = -(-len(members) // self.p.max_size)
            for mentee_id in self.ranked[mentor_id]:
                if len(members) >= self.p.min_size * self.opened[mentor_id]:
                    break
                if self.fits(mentor_id, mentee_id):
                    self.place(mentor_id, [mentee_id])

    def open_groups(self) -> None:
        by_id = {t.id: t for t in self.mentors}
        heap = [
            (-value, t.id)
            for t in self.mentors
            if self.opened[t.id] < t.free_groups
            for value, chosen in [self.best_group(t)]
            if chosen
        ]
        heapq.heapify(heap)
        while heap:
            _, mentor_id = heapq.heappop(heap)
            mentor = by_id[mentor_id]
            value, chosen = self.best_group(mentor)
            if not chosen:
                continue
            # A group's value only falls as mentees are placed: a stale entry is an upper bound.
            if heap and (-value, mentor_id) > heap[0]:
                heapq.heappush(heap, (-value, mentor_id))
                continue
            self.place(mentor_id, chosen)
            self.opened[mentor_id] += 1
            if self.opened[mentor_id] < mentor.free_groups:
                value, chosen = self.best_group(mentor)
                if chosen:
                    heapq.heappush(heap, (-value, mentor_id))

    def leftovers(self) -> None:
        for mentee in self.p.mentees:
            if mentee.id in self.placed:
                continue
            options = [
                (-self.score[t.id, mentee.id], t.id)
                for t in self.mentors
                if (t.id, mentee.id) in self.score
                and len(self.members[t.id]) < self.p.max_size * self.opened[t.id]
                and self.fits(t.id, mentee.id)
            ]
            if options:
                self.place(min(options)[1], [mentee.id])

    def groups(self) -> list[ProposedGroup]:
        result: list[ProposedGroup] = []
        for mentor_id in sorted(self.members):
            members = self.members[mentor_id]
            if len(members) < self.p.min_size * self.opened[mentor_id]:
                raise InvariantViolation(
                    f"The mentees pinned to mentor {mentor_id} cannot make a group of at least "
                    f"{self.p.min_size} with the mentees who share a language with them."
                )
            result.extend(deal(self.p, mentor_id, members, self.opened[mentor_id]))
        return result


def greedy_groups(problem: MatchingProblem) -> list[ProposedGroup]:
    """Groups found greedily; raises ``InvariantViolation`` when the pins cannot be kept."""
    greedy = _Greedy(problem)
    greedy.pinned()
    greedy.open_groups()
    greedy.leftovers()
    return greedy.groups()
