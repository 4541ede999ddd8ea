"""Why a proposal looks the way it does: per group what its people share and how it scores,
per mentee left without a group the reason and what would place them.

Explanations name people by id only (no personal data); a remedy's text may hold
``{mentor}``, which readers replace with the mentor's name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from domain.matching.problem import MatchingProblem
from domain.matching.profiles import (
    ENGLISH_ORDER,
    Criterion,
    MenteeProfile,
    MentorProfile,
    ProposedGroup,
    profession_parts,
    same_culture,
)
from domain.people import MAX_CAPACITY
from domain.records import Record
from domain.values import LicenceStatus

MAX_REMEDIES = 4
MAX_GROUP_SIZE = 12  # the cohort's own limit (domain.cohort)


class UnplacedReason(StrEnum):
    NO_SHARED_LANGUAGE = "no_shared_language"
    KEPT_APART = "kept_apart"
    CAPACITY_EXHAUSTED = "capacity_exhausted"
    TOO_FEW_FOR_A_GROUP = "too_few_for_a_group"
    ROOM_AVAILABLE = "room_available"
    GROUP_NOT_FORMED = "group_not_formed"


# When several mentors could take a mentee, the reason given is the one closest to a place.
_CLOSEST_FIRST = (
    UnplacedReason.ROOM_AVAILABLE,
    UnplacedReason.GROUP_NOT_FORMED,
    UnplacedReason.TOO_FEW_FOR_A_GROUP,
    UnplacedReason.CAPACITY_EXHAUSTED,
    UnplacedReason.KEPT_APART,
    UnplacedReason.NO_SHARED_LANGUAGE,
)


@dataclass(frozen=True)
class Remedy(Record):
    """A change that would place the mentee; ``{mentor}`` in the text names ``mentor_id``."""

    text: str
    mentor_id: UUID | None = None

    def render(self, name_of: Callable[[UUID], str]) -> str:
        if self.mentor_id is None:
            return self.text
        return self.text.replace("{mentor}", name_of(self.mentor_id))


@dataclass(frozen=True)
class UnplacedExplanation(Record):
    mentee_id: UUID
    reason: UnplacedReason
    explanation: str
    remedies: tuple[Remedy, ...]


@dataclass(frozen=True)
class Shared(Record):
    """An attribute of the mentor (or a level) and how many of the group's mentees share it."""

    name: str
    mentees: int


@dataclass(frozen=True)
class GroupExplanation(Record):
    number: int
    mentor_id: UUID
    mentee_ids: tuple[UUID, ...]
    languages: tuple[Shared, ...]
    profession: Shared
    sub_field: Shared | None
    culture: Shared
    licence_path: int
    english_levels: tuple[Shared, ...]
    under_min_size: bool
    points: Mapping[Criterion, int]
    score: int
    summary: str

    @property
    def group(self) -> ProposedGroup:
        return ProposedGroup(self.mentor_id, self.mentee_ids)


@dataclass(frozen=True)
class Evaluation(Record):
    """A proposal's groups and unplaced mentees, explained, and its score."""

    groups: tuple[GroupExplanation, ...]
    unplaced: tuple[UnplacedExplanation, ...]
    score: int
    points: Mapping[Criterion, int]

    @property
    def placed(self) -> int:
        return sum(len(g.mentee_ids) for g in self.groups)


def evaluate(problem: MatchingProblem, groups: Sequence[ProposedGroup]) -> Evaluation:
    """Explain and score ``groups``; groups are numbered in the given order."""
    explained = tuple(
        _explain_group(problem, number, group) for number, group in enumerate(groups, start=1)
    )
    placed = {m for g in groups for m in g.mentee_ids}
    waiting = [m for m in problem.mentees if m.id not in placed]
    unplaced = tuple(_explain_unplaced(problem, groups, m, waiting) for m in waiting)
    totals = dict.fromkeys(Criterion, 0)
    for g in explained:
        for criterion, value in g.points.items():
            totals[criterion] += value
    return Evaluation(explained, unplaced, sum(totals.values()), totals)


def _explain_group(problem: MatchingProblem, number: int, group: ProposedGroup) -> GroupExplanation:
    mentor = problem.mentor_by_id[group.mentor_id]
    mentees = [problem.mentee_by_id[m] for m in group.mentee_ids]
    size = len(mentees)
    language_counts: Counter[str] = Counter()
    for mentee in mentees:
        language_counts.update(dict.fromkeys(problem.shared_languages(mentee, mentor), 1))
    languages = tuple(
        Shared(name, n) for name, n in sorted(language_counts.items(), key=lambda x: (-x[1], x[0]))
    )
    mentor_profession, mentor_sub_field = profession_parts(mentor.profession)
    parts = [profession_parts(m.profession) for m in mentees]
    same_profession = sum(1 for p, _ in parts if p == mentor_profession)
    sub_field = None
    if mentor_sub_field is not None:
        same_sub = sum(1 for p, s in parts if p == mentor_profession and s == mentor_sub_field)
        sub_field = Shared(mentor.profession.partition("/")[2].strip(), same_sub)
    profession = Shared(mentor.profession.partition("/")[0].strip(), same_profession)
    culture = Shared(
        mentor.cultural_background,
        sum(1 for m in mentees if same_culture(m.origin, mentor.cultural_background)),
    )
    licence_path = (
        sum(
            1
            for m, (p, _) in zip(mentees, parts, strict=True)
            if p == mentor_profession and not m.licensed
        )
        if mentor.licence_status == LicenceStatus.LICENSED
        else 0
    )
    levels = Counter(m.english_level for m in mentees)
    english = tuple(
        Shared(level.value, n)
        for level, n in sorted(levels.items(), key=lambda x: ENGLISH_ORDER[x[0]])
    )
    points = problem.group_points(group)
    under = size < problem.min_size
    return GroupExplanation(
        number=number,
        mentor_id=mentor.id,
        mentee_ids=group.mentee_ids,
        languages=languages,
        profession=profession,
        sub_field=sub_field,
        culture=culture,
        licence_path=licence_path,
        english_levels=english,
        under_min_size=under,
        points=points,
        score=sum(points.values()),
        summary=_group_summary(
            size,
            languages,
            profession,
            sub_field,
            culture,
            licence_path,
            english,
            under,
            problem.min_size,
        ),
    )


def _of(n: int, size: int) -> str:
    return "all" if n == size and size > 1 else f"{n} of {size}"


def _group_summary(
    size: int,
    languages: tuple[Shared, ...],
    profession: Shared,
    sub_field: Shared | None,
    culture: Shared,
    licence_path: int,
    english: tuple[Shared, ...],
    under: bool,
    min_size: int,
) -> str:
    parts = [f"{size} mentee{'s' if size != 1 else ''}"]
    if languages:
        top = languages[0]
        parts.append(f"{_of(top.mentees, size)} speak {top.name} with the mentor")
    parts.append(f"{_of(profession.mentees, size)} in {profession.name}")
    if sub_field is not None and sub_field.mentees:
        parts.append(f"{_of(sub_field.mentees, size)} in {sub_field.name}")
    if culture.mentees:
        parts.append(f"{_of(culture.mentees, size)} of {culture.name} background")
    if licence_path:
        parts.append(f"a licensed mentor for {_of(licence_path, size)} on the licence path")
    parts.append("English " + ", ".join(f"{s.mentees} {s.name}" for s in english))
    sentence = "; ".join(parts) + "."
    if under:
        sentence += f" Under the cohort's minimum of {min_size}."
    return sentence[0].upper() + sentence[1:]


@dataclass(frozen=True)
class _Finding:
    reason: UnplacedReason
    explanation: str
    remedies: tuple[Remedy, ...]


def _explain_unplaced(
    problem: MatchingProblem,
    groups: Sequence[ProposedGroup],
    mentee: MenteeProfile,
    waiting: Sequence[MenteeProfile],
) -> UnplacedExplanation:
    languages = " or ".join(problem.heritage_languages(mentee))
    speakers = [t for t in problem.mentors if problem.shared_languages(mentee, t)]
    if not speakers:
        return UnplacedExplanation(
            mentee.id,
            UnplacedReason.NO_SHARED_LANGUAGE,
            f"No mentor available in this cohort speaks {languages}.",
            (Remedy(f"Enrol a mentor who speaks {languages}, or give one free capacity."),),
        )
    allowed = [t for t in speakers if not problem.kept_apart(mentee.id, t.id)]
    if not allowed:
        return UnplacedExplanation(
            mentee.id,
            UnplacedReason.KEPT_APART,
            f"Every mentor who speaks {languages} is to be kept apart from this mentee.",
            tuple(
                Remedy("Lift the exclusion between this mentee and {mentor}.", t.id)
                for t in speakers[:MAX_REMEDIES]
            ),
        )
    led: defaultdict[UUID, list[ProposedGroup]] = defaultdict(list)
    for g in groups:
        led[g.mentor_id].append(g)
    findings = [_finding(problem, mentee, t, led[t.id], waiting, languages) for t in allowed]
    findings.sort(key=lambda f: _CLOSEST_FIRST.index(f.reason))
    remedies: list[Remedy] = []
    for f in findings:
        for r in f.remedies:
            if r not in remedies:
                remedies.append(r)
    if findings[0].reason == UnplacedReason.CAPACITY_EXHAUSTED:
        remedies.append(Remedy(f"Enrol another mentor who speaks {languages}."))
    return UnplacedExplanation(
        mentee.id, findings[0].reason, findings[0].explanation, tuple(remedies[:MAX_REMEDIES])
    )


def _finding(
    problem: MatchingProblem,
    mentee: MenteeProfile,
    mentor: MentorProfile,
    mentor_groups: Sequence[ProposedGroup],
    waiting: Sequence[MenteeProfile],
    languages: str,
) -> _Finding:
    """Why ``mentor`` does not take ``mentee``, and what would change that."""
    lo, hi = problem.min_size, problem.max_size
    conflicts: list[ProposedGroup] = []
    for g in mentor_groups:
        if any(problem.kept_apart(mentee.id, m) for m in g.mentee_ids):
            conflicts.append(g)
        elif len(g.mentee_ids) < hi:
            return _Finding(
                UnplacedReason.ROOM_AVAILABLE,
                f"A group of a mentor who speaks {languages} has room ({len(g.mentee_ids)} of "
                f"{hi}); the proposal leaves this mentee out.",
                (Remedy("Move this mentee into the group of {mentor}.", mentor.id),),
            )
    if conflicts:
        return _Finding(
            UnplacedReason.KEPT_APART,
            "The groups that could take this mentee hold someone they are kept apart from.",
            (
                Remedy(
                    "Lift the exclusion that keeps this mentee from {mentor}'s groups.", mentor.id
                ),
            ),
        )
    if len(mentor_groups) < mentor.free_groups:
        pool = [m for m in waiting if problem.may_lead(mentor, m)]
        if len(pool) < lo:
            need = lo - len(pool)
            return _Finding(
                UnplacedReason.TOO_FEW_FOR_A_GROUP,
                f"Only {len(pool)} mentee(s) waiting share a language with a mentor who could "
                f"lead another group; a group needs at least {lo}.",
                (
                    Remedy(
                        f"{need} more mentee(s) who speak {languages} would let {{mentor}} "
                        "open a group.",
                        mentor.id,
                    ),
                    Remedy(f"Lower the cohort's minimum group size to {len(pool)}."),
                ),
            )
        return _Finding(
            UnplacedReason.GROUP_NOT_FORMED,
            f"{len(pool)} mentees waiting share a language with a mentor who could lead "
            "another group, but the proposal forms none (people kept apart, or an edit).",
            (Remedy("Propose again, or pin this mentee to {mentor}.", mentor.id),),
        )
    remedies = []
    if hi < MAX_GROUP_SIZE and mentor_groups:
        remedies.append(Remedy(f"Raise the cohort's maximum group size to {hi + 1}."))
    if mentor.capacity < MAX_CAPACITY:
        members = sum(len(g.mentee_ids) for g in mentor_groups)
        waiting_for_mentor = sum(1 for m in waiting if problem.may_lead(mentor, m))
        need = max(0, lo * (len(mentor_groups) + 1) - members - waiting_for_mentor)
        more = f", with {need} more mentee(s) who speak {languages}," if need else ""
        remedies.append(
            Remedy(
                f"{{mentor}} leading {mentor.capacity + 1} groups per round{more} would make room.",
                mentor.id,
            )
        )
    full = "; their groups are full" if mentor_groups else ""
    return _Finding(
        UnplacedReason.CAPACITY_EXHAUSTED,
        f"The mentors who speak {languages} lead as many groups as they can{full}.",
        tuple(remedies),
    )
