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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any
from uuid import UUID

from domain.errors import InvalidValue, InvariantViolation
from domain.values import EnglishLevel, LicenceStatus

# The programme's working language: everyone is expected to speak it, so on its own it does
# not make a shared language; groups form around a heritage language. A mentee who lists no
# other language shares it with any mentor who speaks it.
WORKING_LANGUAGE = "English"
MAX_WEIGHT = 100
ENGLISH_ORDER = {level: rank for rank, level in enumerate(EnglishLevel)}

_LATIN_AMERICA = frozenset(
    {
        "argentina", "bolivia", "chile", "colombia", "costa rica", "cuba", "dominican republic",
        "ecuador", "el salvador", "guatemala", "honduras", "mexico", "nicaragua", "panama",
        "paraguay", "peru", "puerto rico", "spain", "uruguay", "venezuela",
    }
)  # fmt: skip
# Communities whose name is not a form of the country's (Romania/Romanian is found by itself).
_COMMUNITY_ORIGINS: dict[str, frozenset[str]] = {
    "filipino": frozenset({"philippines"}),
    "hispanic": _LATIN_AMERICA,
    "latin american": _LATIN_AMERICA,
    "latino": _LATIN_AMERICA,
}


class Criterion(StrEnum):
    """What a group's score is made of; each has a coordinator-set weight."""

    PLACED = "placed"
    PROFESSION = "profession"
    SUB_FIELD = "sub_field"
    CULTURE = "culture"
    LICENCE = "licence"
    ENGLISH_MIX = "english_mix"


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=4096)
def profession_parts(profession: str) -> tuple[str, str | None]:
    """``"Engineering / Civil"`` is the profession Engineering with the sub-field Civil."""
    main, _, sub = profession.partition("/")
    return normalised(main), (normalised(sub) or None)


@lru_cache(maxsize=4096)
def same_culture(origin: str, background: str) -> bool:
    """Whether a mentee from ``origin`` shares a mentor's cultural ``background``.

    Equal names, a community of several countries (Hispanic), or a country and its demonym
    (Romania and Romanian, Iraq and Iraqi, Mexico and Mexican).
    """
    country, community = normalised(origin), normalised(background)
    if country == community or country in _COMMUNITY_ORIGINS.get(community, ()):
        return True
    common = 0
    for a, b in zip(country, community, strict=False):
        if a != b:
            break
        common += 1
    return common >= 4 and common >= min(len(country), len(community)) - 1


@dataclass(frozen=True)
class Weights:
    """How much each criterion counts, from 0 to 100 (being placed at least 1)."""

    placed: int = 10
    profession: int = 8
    sub_field: int = 2
    culture: int = 3
    licence: int = 2
    english_mix: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
                raise InvalidValue(
                    f"weight {f.name} must be a whole number from 0 to {MAX_WEIGHT}."
                )
        if self.placed < 1:
            raise InvalidValue("weight placed must be at least 1: placing a mentee always counts.")

    def of(self, criterion: Criterion) -> int:
        value: int = getattr(self, criterion.value)
        return value

    def as_dict(self) -> dict[str, int]:
        return {c.value: self.of(c) for c in Criterion}

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> Weights:
        unknown = set(data) - {c.value for c in Criterion}
        if unknown:
            raise InvalidValue(f"unknown weight(s): {', '.join(sorted(unknown))}.")
        return cls(**{k: int(v) for k, v in data.items()})


@dataclass(frozen=True)
class MenteeProfile:
    """What the matching knows of a mentee (no personal data)."""

    id: UUID
    profession: str
    origin: str
    languages: tuple[str, ...]
    english_level: EnglishLevel
    licensed: bool = False  # already holds a licence: the licence path no longer applies

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "profession": self.profession,
            "origin": self.origin,
            "languages": list(self.languages),
            "english_level": self.english_level.value,
            "licensed": self.licensed,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MenteeProfile:
        return cls(
            UUID(str(d["id"])),
            d["profession"],
            d["origin"],
            tuple(d["languages"]),
            EnglishLevel(d["english_level"]),
            bool(d["licensed"]),
        )


@dataclass(frozen=True)
class MentorProfile:
    """What the matching knows of a mentor, and how many groups they may still lead."""

    id: UUID
    profession: str
    cultural_background: str
    languages: tuple[str, ...]
    licence_status: LicenceStatus
    capacity: int  # groups per round
    free_groups: int  # groups they may still lead in this cohort

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "profession": self.profession,
            "cultural_background": self.cultural_background,
            "languages": list(self.languages),
            "licence_status": self.licence_status.value,
            "capacity": self.capacity,
            "free_groups": self.free_groups,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MentorProfile:
        return cls(
            UUID(str(d["id"])),
            d["profession"],
            d["cultural_background"],
            tuple(d["languages"]),
            LicenceStatus(d["licence_status"]),
            int(d["capacity"]),
            int(d["free_groups"]),
        )


@dataclass(frozen=True)
class Pinned:
    """The coordinator's decision: this mentee goes to a group of this mentor."""

    mentee_id: UUID
    mentor_id: UUID


@dataclass(frozen=True)
class KeptApart:
    """Two people who must not be together: a mentee and a mentor (not in any of the
    mentor's groups), or two mentees (not in a group of the same mentor)."""

    first_id: UUID
    second_id: UUID

    @property
    def pair(self) -> frozenset[UUID]:
        return frozenset((self.first_id, self.second_id))


@dataclass(frozen=True)
class ProposedGroup:
    """One group of a proposal: its mentor and its mentees."""

    mentor_id: UUID
    mentee_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class MatchingProblem:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_size": self.min_size,
            "max_size": self.max_size,
            "mentees": [m.to_dict() for m in self.mentees],
            "mentors": [t.to_dict() for t in self.mentors],
            "pinned": [[str(p.mentee_id), str(p.mentor_id)] for p in self.pinned],
            "apart": [[str(p.first_id), str(p.second_id)] for p in self.apart],
            "weights": self.weights.as_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MatchingProblem:
        return cls(
            min_size=int(d["min_size"]),
            max_size=int(d["max_size"]),
            mentees=tuple(MenteeProfile.from_dict(m) for m in d["mentees"]),
            mentors=tuple(MentorProfile.from_dict(t) for t in d["mentors"]),
            pinned=tuple(Pinned(UUID(a), UUID(b)) for a, b in d["pinned"]),
            apart=tuple(KeptApart(UUID(a), UUID(b)) for a, b in d["apart"]),
            weights=Weights.from_dict(d["weights"]),
        )


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
