"""Value objects and vocabularies of the group-mentoring programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidValue


@dataclass(frozen=True)
class PersonalData:
    """A piece of personal data (a name, an e-mail, a free-text note about a person).

    It names its data subject, so that storage can protect it per person (encryption
    with a per-person key, erasure by destroying that key) without any event schema
    knowing how. ``repr`` never shows the value, so it does not end up in logs.
    """

    subject_id: UUID
    value: str

    def __repr__(self) -> str:
        return f"PersonalData(subject_id={self.subject_id!s}, value=<{len(self.value)} chars>)"

    def __str__(self) -> str:
        return self.value


class CohortState(StrEnum):
    PLANNING = "planning"
    RUNNING = "running"
    CLOSED = "closed"


class OutcomeKind(StrEnum):
    JOB_IN_FIELD = "job_in_field"
    JOB_OUTSIDE_FIELD = "job_outside_field"
    BUSINESS_STARTED = "business_started"
    LICENCE_OBTAINED = "licence_obtained"
    LICENSING_EXAM_PASSED = "licensing_exam_passed"
    FURTHER_EDUCATION = "further_education"


class EnglishLevel(StrEnum):
    """Canadian Language Benchmark bands, coarse enough for group balance."""

    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    FLUENT = "fluent"


class LicenceStatus(StrEnum):
    NOT_REGULATED = "not_regulated"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    LICENSED = "licensed"


class ParticipantKind(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"


@dataclass(frozen=True)
class DateRange:
    """The dates of a round, both days included."""

    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidValue(
                f"A round cannot end ({self.ends_on}) before it starts ({self.starts_on})."
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day <= self.ends_on


def require_text(field: str, value: str, *, max_length: int = 200) -> str:
    """Strip ``value`` and refuse it when empty or longer than ``max_length``."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidValue(f"{field} must not be empty.")
    if len(cleaned) > max_length:
        raise InvalidValue(f"{field} must be at most {max_length} characters long.")
    return cleaned


def require_names(field: str, values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Clean a list of short names (languages, professions), refusing an empty list."""
    cleaned = tuple(dict.fromkeys(require_text(field, v, max_length=80) for v in values))
    if not cleaned:
        raise InvalidValue(f"{field} must name at least one entry.")
    return cleaned
