"""Group formation: who may be grouped with whom, and what makes a good group.

In the programme, a mentor leads five or six newcomers who share their language, culture and
profession. A ``MatchingProblem`` holds what a proposal is worked out from: the mentees of a
cohort still without a group, the mentors and the groups each may still lead, the coordinator's
pinned assignments and exclusions, the cohort's group sizes and the weights of the score.

Hard rules (``violations``): a group's size is within the cohort's bounds, a mentor leads no
more groups than they have free, every mentee shares a language with their mentor, pinned
mentees are with their mentor, and people kept apart are not together.

The score of a group adds, per mentee, the weights of what they share with their mentor
(being placed at all, profession, sub-field, cultural background, the licence path) and, per
group, the weight of its mix of English levels, so that stronger speakers help the others.
Everything here is pure and deterministic; the search for the best groups is in
``services/matching``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from domain.errors import InvalidValue, InvariantViolation
from domain.matching.profiles import (
    ENGLISH_ORDER,
    WORKING_LANGUAGE,
    Criterion,
    KeptApart,
    MenteeProfile,
    MentorProfile,
    Pinned,
    ProposedGroup,
    Weights,
    normalised,
    profession_parts,
    same_culture,
)
from domain.records import Record
from domain.values import LicenceStatus


@dataclass(frozen=True)
class MatchingProblem(Record):
    """Everything one proposal is worked out from; mentees and mentors in id order."""

    min_size: int
    max_size: int
    mentees: tuple[MenteeProfile, ...]
    mentors: tuple[MentorProfile, ...]
    pinned: tuple[Pinned, ...] = ()
    apart: tuple[KeptApart, ...] = ()
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        if not 1 <= self.min_size <= self.max_size:
            raise InvalidValue("group sizes must satisfy 1 <= minimum <= maximum.")
        # A canonical order: the same people give the same proposal, however listed.
        object.__setattr__(self, "mentees", tuple(sorted(self.mentees, key=lambda m: m.id)))
        object.__setattr__(self, "mentors", tuple(sorted(self.mentors, key=lambda t: t.id)))
        ids = [m.id for m in self.mentees] + [t.id for t in self.mentors]
        if len(set(ids)) != len(ids):
            raise InvalidValue("a person appears twice among the candidates.")
        self._check_pins_and_exclusions()

    def _check_pins_and_exclusions(self) -> None:
        seen: set[UUID] = set()
        per_mentor: defaultdict[UUID, int] = defaultdict(int)
        for pin in self.pinned:
            mentee = self.mentee_by_id.get(pin.mentee_id)
            mentor = self.mentor_by_id.get(pin.mentor_id)
            if mentee is None:
                raise InvalidValue(
                    f"pinned mentee {pin.mentee_id} is not waiting for a group in this cohort."
                )
            if mentor is None:
                raise InvalidValue(f"pinned mentor {pin.mentor_id} is not a mentor of this PIN.")
            if pin.mentee_id in seen:
                raise InvalidValue(f"mentee {pin.mentee_id} is pinned more than once.")
            seen.add(pin.mentee_id)
            if not self.shared_languages(mentee, mentor):
                raise InvariantViolation(
                    f"Mentee {mentee.id} cannot be pinned to mentor {mentor.id}: they share no "
                    "language, and every mentee shares a language with their mentor."
                )
            if self.kept_apart(mentee.id, mentor.id):
                raise InvalidValue(
                    f"mentee {mentee.id} is both pinned to and kept apart from mentor {mentor.id}."
                )
            per_mentor[mentor.id] += 1
        for mentor_id, count in per_mentor.items():
            mentor = self.mentor_by_id[mentor_id]
            if count > mentor.free_groups * self.max_size:
                raise InvariantViolation(
                    f"{count} mentees are pinned to mentor {mentor_id}, who may lead "
                    f"{mentor.free_groups} more group(s) of at most {self.max_size}."
                )
        known = set(self.mentee_by_id) | set(self.mentor_by_id)
        for pair in self.apart:
            if pair.first_id == pair.second_id:
                raise InvalidValue("a person cannot be kept apart from themselves.")
            if not {pair.first_id, pair.second_id} <= known:
                raise InvalidValue(
                    "people kept apart must be candidates of this proposal (mentees waiting "
                    "for a group, or mentors of the PIN)."
                )
            if pair.first_id in self.mentor_by_id and pair.second_id in self.mentor_by_id:
                raise InvalidValue("two mentors are never in one group; keep mentees apart.")
        for a, b in self._pinned_pairs_apart():
            raise InvariantViolation(
                f"Mentees {a} and {b} are kept apart but pinned to the same mentor."
            )

    def _pinned_pairs_apart(self) -> Iterable[tuple[UUID, UUID]]:
        for pair in self.apart:
            a, b = pair.first_id, pair.second_id
            if a in self.pin_of and self.pin_of.get(a) == self.pin_of.get(b):
                yield a, b

    @cached_property
    def mentee_by_id(self) -> dict[UUID, MenteeProfile]:
        return {m.id: m for m in self.mentees}

    @cached_property
    def mentor_by_id(self) -> dict[UUID, MentorProfile]:
        return {t.id: t for t in self.mentors}

    @cached_property
    def pin_of(self) -> dict[UUID, UUID]:
        return {p.mentee_id: p.mentor_id for p in self.pinned}

    @cached_property
    def apart_pairs(self) -> frozenset[frozenset[UUID]]:
        return frozenset(p.pair for p in self.apart)

    @cached_property
    def apart_from(self) -> dict[UUID, frozenset[UUID]]:
        """Per person, the people they are kept apart from."""
        partners: defaultdict[UUID, set[UUID]] = defaultdict(set)
        for pair in self.apart:
            partners[pair.first_id].add(pair.second_id)
            partners[pair.second_id].add(pair.first_id)
        return {k: frozenset(v) for k, v in partners.items()}

    def kept_apart(self, a: UUID, b: UUID) -> bool:
        return frozenset((a, b)) in self.apart_pairs

    @cached_property
    def spoken(self) -> dict[UUID, frozenset[str]]:
        """The languages of every candidate, normalised."""
        people: list[MenteeProfile | MentorProfile] = [*self.mentees, *self.mentors]
        return {p.id: frozenset(normalised(x) for x in p.languages) for p in people}

    @cached_property
    def pairing_languages(self) -> dict[UUID, frozenset[str]]:
        """Per mentee, the languages a mentor must share: heritage ones, else the working one."""
        working = normalised(WORKING_LANGUAGE)
        return {m.id: (self.spoken[m.id] - {working}) or self.spoken[m.id] for m in self.mentees}

    @cached_property
    def pair_scores(self) -> dict[tuple[int, int], int]:
        """The points of every pair the rules allow, by (mentee index, mentor index).

        Only mentors with a free group are paired. Mentors are looked up by language, so
        the work grows with the pairs that share a language, not with mentees x mentors.
        """
        by_language: defaultdict[str, list[int]] = defaultdict(list)
        for j, mentor in enumerate(self.mentors):
            if mentor.free_groups > 0:
                for language in self.spoken[mentor.id]:
                    by_language[language].append(j)
        pairs: dict[tuple[int, int], int] = {}
        for i, mentee in enumerate(self.mentees):
            pinned_to = self.pin_of.get(mentee.id)
            options = {j for x in self.pairing_languages[mentee.id] for j in by_language[x]}
            for j in sorted(options):
                mentor = self.mentors[j]
                if (pinned_to is None or pinned_to == mentor.id) and not self.kept_apart(
                    mentee.id, mentor.id
                ):
                    pairs[i, j] = self.pair_score(mentee, mentor)
        return pairs

    def shared_languages(self, mentee: MenteeProfile, mentor: MentorProfile) -> tuple[str, ...]:
        """The languages that make mentee and mentor a possible pair (see WORKING_LANGUAGE)."""
        spoken = self.spoken.get(mentor.id) or {normalised(x) for x in mentor.languages}
        unique: dict[str, str] = {}
        for language in mentee.languages:
            unique.setdefault(normalised(language), language)
        common = [x for key, x in unique.items() if key in spoken]
        heritage = [x for x in common if normalised(x) != normalised(WORKING_LANGUAGE)]
        if heritage:
            return tuple(heritage)
        only_working = all(normalised(x) == normalised(WORKING_LANGUAGE) for x in mentee.languages)
        return tuple(common) if only_working else ()

    def heritage_languages(self, mentee: MenteeProfile) -> tuple[str, ...]:
        own = [x for x in mentee.languages if normalised(x) != normalised(WORKING_LANGUAGE)]
        return tuple(own) or tuple(mentee.languages)

    def may_lead(self, mentor: MentorProfile, mentee: MenteeProfile) -> bool:
        """Whether ``mentor`` may lead ``mentee`` at all (language, exclusions and pins)."""
        pinned_to = self.pin_of.get(mentee.id)
        return (
            (pinned_to is None or pinned_to == mentor.id)
            and not self.kept_apart(mentee.id, mentor.id)
            and bool(self.shared_languages(mentee, mentor))
        )

    def pair_points(self, mentee: MenteeProfile, mentor: MentorProfile) -> dict[Criterion, int]:
        """The weighted points a mentee brings to a group of ``mentor``."""
        w = self.weights
        profession, sub_field = profession_parts(mentee.profession)
        mentor_profession, mentor_sub_field = profession_parts(mentor.profession)
        same_profession = profession == mentor_profession
        return {
            Criterion.PLACED: w.placed,
            Criterion.PROFESSION: w.profession if same_profession else 0,
            Criterion.SUB_FIELD: (
                w.sub_field
                if same_profession and sub_field is not None and sub_field == mentor_sub_field
                else 0
            ),
            Criterion.CULTURE: (
                w.culture if same_culture(mentee.origin, mentor.cultural_background) else 0
            ),
            Criterion.LICENCE: (
                w.licence
                if same_profession
                and mentor.licence_status == LicenceStatus.LICENSED
                and not mentee.licensed
                else 0
            ),
        }

    def pair_score(self, mentee: MenteeProfile, mentor: MentorProfile) -> int:
        return sum(self.pair_points(mentee, mentor).values())

    def english_mix(self, mentee_ids: Sequence[UUID]) -> int:
        """The weighted mix of English levels of one group: distinct levels beyond the first."""
        levels = {self.mentee_by_id[m].english_level for m in mentee_ids}
        return self.weights.english_mix * max(0, len(levels) - 1)

    def group_points(self, group: ProposedGroup) -> dict[Criterion, int]:
        mentor = self.mentor_by_id[group.mentor_id]
        points = dict.fromkeys(Criterion, 0)
        for mentee_id in group.mentee_ids:
            for criterion, value in self.pair_points(self.mentee_by_id[mentee_id], mentor).items():
                points[criterion] += value
        points[Criterion.ENGLISH_MIX] = self.english_mix(group.mentee_ids)
        return points

    def score(self, groups: Iterable[ProposedGroup]) -> int:
        return sum(sum(self.group_points(g).values()) for g in groups)


def violations(
    problem: MatchingProblem, groups: Sequence[ProposedGroup], *, edited: bool = False
) -> list[str]:
    """Every hard rule ``groups`` break, as sentences; empty when they keep them all.

    A coordinator's edit may leave a group under the minimum size (the domain allows it and
    flags it) and may overrule a pin; every other rule still holds.
    """
    found: list[str] = []
    seen: set[UUID] = set()
    led: defaultdict[UUID, list[ProposedGroup]] = defaultdict(list)
    for number, group in enumerate(groups, start=1):
        mentor = problem.mentor_by_id.get(group.mentor_id)
        if mentor is None:
            found.append(f"group {number}: its mentor is not a candidate.")
            continue
        led[mentor.id].append(group)
        size = len(group.mentee_ids)
        if not (1 if edited else problem.min_size) <= size <= problem.max_size:
            found.append(
                f"group {number} has {size} mentees; the cohort allows "
                f"{problem.min_size} to {problem.max_size}."
            )
        for mentee_id in group.mentee_ids:
            mentee = problem.mentee_by_id.get(mentee_id)
            if mentee is None:
                found.append(f"group {number}: mentee {mentee_id} is not a candidate.")
                continue
            if mentee_id in seen:
                found.append(f"mentee {mentee_id} is in more than one group.")
            seen.add(mentee_id)
            if not problem.shared_languages(mentee, mentor):
                found.append(
                    f"group {number}: mentee {mentee_id} shares no language with the mentor."
                )
            if problem.kept_apart(mentee_id, mentor.id):
                found.append(f"group {number}: mentee {mentee_id} is kept apart from the mentor.")
    for mentor_id, mentor_groups in led.items():
        free = problem.mentor_by_id[mentor_id].free_groups
        if len(mentor_groups) > free:
            found.append(f"mentor {mentor_id} leads {len(mentor_groups)} groups; {free} are free.")
        members = [m for g in mentor_groups for m in g.mentee_ids]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if problem.kept_apart(a, b):
                    found.append(
                        f"mentees {a} and {b} are kept apart but share mentor {mentor_id}."
                    )
    if not edited:
        mentor_of = {m: g.mentor_id for g in groups for m in g.mentee_ids}
        for pin in problem.pinned:
            if mentor_of.get(pin.mentee_id) != pin.mentor_id:
                found.append(f"mentee {pin.mentee_id} is pinned to mentor {pin.mentor_id}.")
    return found


def deal(
    problem: MatchingProblem, mentor_id: UUID, mentee_ids: Iterable[UUID], groups: int
) -> list[ProposedGroup]:
    """Split one mentor's mentees into ``groups`` groups of even size and mixed English.

    Sorted by English level and dealt in turn, each level reaches as many groups as it can
    (so the mix of every group is the best possible) and sizes differ by at most one.
    """
    ordered = sorted(
        mentee_ids, key=lambda m: (ENGLISH_ORDER[problem.mentee_by_id[m].english_level], m)
    )
    dealt: list[list[UUID]] = [[] for _ in range(groups)]
    for index, mentee_id in enumerate(ordered):
        dealt[index % groups].append(mentee_id)
    return [ProposedGroup(mentor_id, tuple(sorted(g))) for g in dealt if g]
