"""Who the matching groups: the profiles of mentees and mentors, the coordinator's pins and
exclusions, and the criteria and weights of a group's score.

Profiles hold no personal data. ``same_culture`` and ``profession_parts`` read the free-text
vocabularies (origins, backgrounds, "Engineering / Civil") the way the score needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import lru_cache
from typing import Self
from uuid import UUID

from domain.errors import InvalidValue
from domain.records import Record
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
class Weights(Record):
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
    def from_dict(cls, data: Mapping[str, int]) -> Self:
        """Weights from a coordinator's settings; a weight not named keeps its default."""
        unknown = set(data) - {c.value for c in Criterion}
        if unknown:
            raise InvalidValue(f"unknown weight(s): {', '.join(sorted(unknown))}.")
        return super().from_dict(data)


@dataclass(frozen=True)
class MenteeProfile(Record):
    """What the matching knows of a mentee (no personal data)."""

    id: UUID
    profession: str
    origin: str
    languages: tuple[str, ...]
    english_level: EnglishLevel
    licensed: bool = False  # already holds a licence: the licence path no longer applies


@dataclass(frozen=True)
class MentorProfile(Record):
    """What the matching knows of a mentor, and how many groups they may still lead."""

    id: UUID
    profession: str
    cultural_background: str
    languages: tuple[str, ...]
    licence_status: LicenceStatus
    capacity: int  # groups per round
    free_groups: int  # groups they may still lead in this cohort


@dataclass(frozen=True)
class Pinned(Record):
    """The coordinator's decision: this mentee goes to a group of this mentor."""

    AS_PAIR = True

    mentee_id: UUID
    mentor_id: UUID


@dataclass(frozen=True)
class KeptApart(Record):
    """Two people who must not be together: a mentee and a mentor (not in any of the
    mentor's groups), or two mentees (not in a group of the same mentor)."""

    AS_PAIR = True

    first_id: UUID
    second_id: UUID

    @property
    def pair(self) -> frozenset[UUID]:
        return frozenset((self.first_id, self.second_id))


@dataclass(frozen=True)
class ProposedGroup(Record):
    """One group of a proposal: its mentor and its mentees."""

    mentor_id: UUID
    mentee_ids: tuple[UUID, ...]
