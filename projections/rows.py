"""The rows the read-model queries return: one frozen dataclass per kind, with real types.

A row's fields are the columns (or column aliases) of the queries that read it, and a row is
decoded by those names: ``CohortRow.decode(record)`` for a ``sqlite3.Row`` or a psycopg dict
row alike. How each column turns into its field's type (text to ``date``, text to an enum,
JSON text to a list, 0/1 to ``bool``; None stays None) is derived once, from the type hints,
when the row class is made, and kept on the class.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

from domain.privacy import Purpose
from domain.proposal import ProposalState
from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind, ParticipantKind

Convert = Callable[[Any], Any]


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _json(value: Any) -> Any:
    # SQLite keeps JSON as text; a PostgreSQL json column would arrive already decoded.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _nullable(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def converter(hint: Any) -> Convert | None:
    """How a column becomes a field of type ``hint``; None where the stored value is the field."""
    if get_origin(hint) in (Union, types.UnionType):
        present = [arg for arg in get_args(hint) if arg is not type(None)]
        convert = converter(present[0]) if len(present) == 1 else None
        return _nullable(convert) if convert else None
    if get_origin(hint) in (list, dict):
        return _json
    if hint is bool:
        return bool
    if hint is datetime:  # before date: a datetime is a date too
        return _datetime
    if hint is date:
        return _date
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    return None


class Row:
    """A read-model row: subclasses are frozen dataclasses whose fields are column names."""

    _columns: ClassVar[tuple[tuple[str, Convert | None], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._columns = tuple(
            (name, converter(hint))
            for name, hint in get_type_hints(cls).items()
            if get_origin(hint) is not ClassVar
        )

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The names of the columns a query selects for this row, in field order."""
        return tuple(name for name, _ in cls._columns)

    @classmethod
    def select(cls, alias: str = "") -> str:
        """The select list of this row's columns, each qualified by ``alias`` when given."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + name for name in cls.columns())

    @classmethod
    def decode(cls, record: Any, **known: Any) -> Self:
        """The row of a database record, read by column name; ``known`` fields are taken as
        given instead of read."""
        values = {
            name: (convert(record[name]) if convert else record[name])
            for name, convert in cls._columns
            if name not in known
        }
        return cls(**values, **known)


@dataclass(frozen=True)
class CohortRow(Row):
    id: str
    name: str
    starts_on: date
    ends_on: date
    planned_sessions: int
    min_group_size: int
    max_group_size: int
    state: CohortState
    group_count: int
    mentee_count: int


@dataclass(frozen=True)
class GroupRow(Row):
    id: str
    cohort_id: str
    name: str
    mentor_id: str
    min_size: int
    max_size: int
    planned_sessions: int
    mentee_count: int
    sessions_held: int


@dataclass(frozen=True)
class MentorRow(Row):
    id: str
    name: str
    email: str | None
    profession: str
    languages: list[str]
    cultural_background: str
    licence_status: LicenceStatus
    capacity: int


@dataclass(frozen=True)
class MenteeRow(Row):
    id: str
    name: str
    email: str | None
    profession: str
    origin: str
    languages: list[str]
    english_level: EnglishLevel
    goals: str | None
    enrolled_on: date


@dataclass(frozen=True)
class SessionRow(Row):
    group_id: str
    number: int
    scheduled_on: date
    agenda: str
    held: bool


@dataclass(frozen=True)
class AttendanceRow(Row):
    group_id: str
    number: int
    mentee_id: str
    present: bool


@dataclass(frozen=True)
class OutcomeRow(Row):
    id: str
    mentee_id: str
    kind: OutcomeKind
    occurred_on: date
    evidence: str
    cohort_id: str | None


@dataclass(frozen=True)
class TrainingRow(Row):
    person_id: str
    name: str
    completed_on: date


@dataclass(frozen=True)
class PinRow(Row):
    tenant_id: str
    slug: str
    name: str
    communities: list[str]
    professions: list[str]


@dataclass(frozen=True)
class ActivityRow(Row):
    id: str
    host_tenant_id: str
    host_name: str
    title: str
    held_on: date
    description: str
    capacity: int


@dataclass(frozen=True)
class RegistrationRow(Row):
    activity_id: str
    person_id: str  # "" for people of other PINs
    person_tenant_id: str
    kind: ParticipantKind
    name: str | None  # only for members of the caller's own PIN


@dataclass(frozen=True)
class ApiKeyRow(Row):
    id: str
    tenant_id: str
    name: str
    role: str
    secret_hash: str
    expires_at: datetime | None
    revoked: bool
    created_at: datetime


@dataclass(frozen=True)
class FeedRow(Row):
    position: int
    event_type: str
    aggregate_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class ProposalRow(Row):
    id: str
    cohort_id: str
    state: ProposalState
    result: dict[str, Any]  # domain.matching_explanations.Evaluation.to_dict()
    report: dict[str, Any]  # domain.proposal.SolverReport.to_dict()
    settings: dict[str, Any]
    edits: int
    group_ids: list[str]
    rejection_reason: str | None
    proposed_at: datetime


@dataclass(frozen=True)
class FollowUpRow(Row):
    mentee_id: str
    mentee_name: str
    cohort_id: str
    cohort_name: str
    round_ends_on: date | None
    months: int
    due_on: date
    recorded_on: date | None
    outcome_id: str | None
    outcome_kind: OutcomeKind | None
    outcome_occurred_on: date | None
    outcome_evidence: str | None
    contact_allowed: bool
    """False when the mentee withdrew consent to follow-up contact."""


@dataclass(frozen=True)
class ConsentRow(Row):
    purpose: Purpose
    given: bool
    recorded_at: datetime | None  # None: as agreed at enrolment, nothing recorded since


@dataclass(frozen=True)
class PrivacyRow(Row):
    person_id: str
    kind: ParticipantKind
    erased_at: datetime | None
    consents: list[ConsentRow]
