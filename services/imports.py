"""Importing a list of mentees or mentors (a PIN's spreadsheet): all rows or none, once.

Every row is checked as its own enrolment would be, and a problem is reported with the row's
line. A list with any problem enrols nobody; a dry run only reports. A list that was imported
before changes nothing when imported again: its key, a hash of the PIN and the rows, is
stored with the enrolments' events in one transaction (``MentoringStore.request``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid5

from domain.errors import DomainError, InvalidValue
from domain.people import Mentee, Mentor
from domain.pin import Pin
from domain.values import EnglishLevel, LicenceStatus
from services.commands import fields_of
from services.context import Role, TenantContext
from services.errors import BadInput, Forbidden
from services.store import AlreadyApplied, MentoringStore
from services.use_cases import Changed, load, save, use_case

MAX_ROWS = 500
NOTHING_SAVED = 0
"""The position of an import that saved nothing: nothing to wait for."""
IMPORTS = UUID("6f1d3c2a-9b8e-4f70-a1d2-3c4b5a697881")
"""Namespace of import ids (an import's id is derived from its key)."""


@dataclass(frozen=True)
class MenteeRow:
    line: int
    name: str
    profession: str
    origin: str
    languages: tuple[str, ...]
    english_level: str
    enrolled_on: str
    email: str | None = None
    goals: str | None = None


@dataclass(frozen=True)
class MentorRow:
    line: int
    name: str
    profession: str
    languages: tuple[str, ...]
    cultural_background: str
    licence_status: str = "NOT_REGULATED"
    capacity: int = 1
    email: str | None = None


@dataclass(frozen=True)
class ImportPeople:
    rows: tuple[MenteeRow | MentorRow, ...]
    """Rows of one kind: all mentees or all mentors."""
    dry_run: bool = False


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ImportReport(Changed):
    """What an import did: ``imported`` people (0 for a dry run, a list with problems, or a
    list imported before), the problems by line, and whether it was imported before."""

    rows: int = 0
    imported: int = 0
    problems: tuple[RowProblem, ...] = ()
    already_imported: bool = False


E = TypeVar("E", EnglishLevel, LicenceStatus)


def _choice(field: str, value: str, allowed: type[E]) -> E:
    """An enumerated value by its name, whatever its case and spacing."""
    spelled = "_".join(value.strip().upper().replace("-", " ").split())
    if spelled not in allowed.__members__:
        names = ", ".join(allowed.__members__)
        raise InvalidValue(f"{field} must be one of {names}, not {value.strip()!r}.")
    return allowed[spelled]


def _day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(f"{field} must be a date written YYYY-MM-DD, not {value!r}.") from None


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _enrol(pin: Pin, tenant_id: UUID, row: MenteeRow | MentorRow) -> Mentee | Mentor:
    """The enrolment a row stands for, checked as ``enrol_mentee``/``enrol_mentor`` check it."""
    given = fields_of(
        row, email=_blank_is_none(row.email), profession=pin.listed_profession(row.profession)
    )
    del given["line"]  # where the row stands, not what it says
    if isinstance(row, MenteeRow):
        return Mentee.enrol(
            tenant_id,
            **given
            | {
                "english_level": _choice("english level", row.english_level, EnglishLevel),
                "goals": _blank_is_none(row.goals),
                "enrolled_on": _day("enrolled on", row.enrolled_on),
            },
        )
    licence_status = _choice("licence status", row.licence_status, LicenceStatus)
    return Mentor.enrol(tenant_id, **given | {"licence_status": licence_status})


def import_key(tenant_id: UUID, command: ImportPeople) -> str:
    """The key of a list: the same rows (in the same order) for the same PIN, the same key."""
    kind = type(command.rows[0]).__name__ if command.rows else "none"
    rows = [{k: v for k, v in asdict(row).items() if k != "line"} for row in command.rows]
    text = json.dumps([str(tenant_id), kind, rows], sort_keys=True, ensure_ascii=False)
    return "import:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _checked(
    pin: Pin, tenant_id: UUID, rows: tuple[MenteeRow | MentorRow, ...]
) -> tuple[list[Mentee | Mentor], list[RowProblem]]:
    people: list[Mentee | Mentor] = []
    problems: list[RowProblem] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        same = (" ".join(row.name.lower().split()), (row.email or "").strip().lower())
        if same in first_line:
            problems.append(RowProblem(row.line, f"the same person as line {first_line[same]}."))
            continue
        first_line[same] = row.line
        try:
            people.append(_enrol(pin, tenant_id, row))
        except DomainError as error:
            problems.append(RowProblem(row.line, str(error)))
    return people, problems


@use_case
def import_people(store: MentoringStore, cmd: ImportPeople, ctx: TenantContext) -> ImportReport:
    """Enrol every row's person, or nobody: the coordinator's import of a list."""
    if ctx.role != Role.COORDINATOR:
        raise Forbidden(f"The {ctx.role} role may not do this.")
    if not cmd.rows:
        raise BadInput("rows must hold at least one row.")
    if len({type(row) for row in cmd.rows}) > 1:
        raise BadInput("rows must be all mentees or all mentors.")
    if len(cmd.rows) > MAX_ROWS:
        raise BadInput(f"rows may hold at most {MAX_ROWS} rows; split the list.")
    pin = load(store, Pin, ctx.tenant_id, ctx)
    key = import_key(ctx.tenant_id, cmd)
    import_id, rows = uuid5(IMPORTS, key), len(cmd.rows)
    if store.applied(key):
        return ImportReport(import_id, NOTHING_SAVED, rows, already_imported=True)
    people, problems = _checked(pin, ctx.tenant_id, cmd.rows)
    if problems or cmd.dry_run:
        return ImportReport(import_id, NOTHING_SAVED, rows, problems=tuple(problems))
    try:
        with store.request(key):
            position = save(store, *people)
    except AlreadyApplied:  # the same list, imported at the same moment
        return ImportReport(import_id, NOTHING_SAVED, rows, already_imported=True)
    return ImportReport(import_id, position, rows, imported=len(people))
