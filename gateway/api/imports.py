"""Mutations that import a PIN's list of mentees or mentors: all rows or none, once.

Values that a spreadsheet may get wrong (a level, a status, a date) are taken as text and
checked per row, so a bad row is reported with its line instead of refusing the request.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from gateway.conversion import FromRow
from gateway.resolvers import run_use_case
from gateway.types import Ctx
from services import imports


@strawberry.input(description="One mentee of a list; checked as enrolMentee checks it.")
class MenteeImportRow:
    name: str
    profession: str
    origin: str
    languages: list[str]
    english_level: str = strawberry.field(description="BASIC, INTERMEDIATE, ADVANCED or FLUENT.")
    enrolled_on: str = strawberry.field(description="A date, YYYY-MM-DD.")
    email: str | None = None
    goals: str | None = None
    line: int | None = strawberry.field(
        default=None, description="The row's line in your file (default: its place in rows)."
    )


@strawberry.input(description="One mentor of a list; checked as enrolMentor checks it.")
class MentorImportRow:
    name: str
    profession: str
    languages: list[str]
    cultural_background: str
    licence_status: str = strawberry.field(
        default="NOT_REGULATED",
        description="NOT_REGULATED, NOT_STARTED, IN_PROGRESS or LICENSED.",
    )
    capacity: int = 1
    email: str | None = None
    line: int | None = strawberry.field(
        default=None, description="The row's line in your file (default: its place in rows)."
    )


@strawberry.type
class ImportRowProblem(FromRow):
    line: int
    message: str


@strawberry.type(description="What an import did; with any problem, nothing was imported.")
class ImportReport(FromRow):
    rows: int
    imported: int
    already_imported: bool = strawberry.field(
        description="The same list was imported before: nothing was changed now."
    )
    problems: list[ImportRowProblem]
    position: int = strawberry.field(
        description="The store position of the enrolments (for consistentWith); 0 when "
        "nothing was saved."
    )


def _rows(
    kind: type[imports.MenteeRow | imports.MentorRow],
    rows: Sequence[MenteeImportRow | MentorImportRow],
) -> tuple[imports.MenteeRow | imports.MentorRow, ...]:
    """The rows as the use case takes them; a row's line is its place unless given."""
    return tuple(
        kind(
            **{
                **vars(row),
                "line": place if row.line is None else row.line,
                "languages": tuple(row.languages),
            }
        )
        for place, row in enumerate(rows, start=1)
    )


async def _import(
    info: Ctx, rows: tuple[imports.MenteeRow | imports.MentorRow, ...], dry_run: bool
) -> ImportReport:
    command = imports.ImportPeople(rows=rows, dry_run=dry_run)
    _, report = await run_use_case(info, imports.import_people, command)
    assert isinstance(report, imports.ImportReport)
    return ImportReport.of(report)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Enrol a list of mentees (a coordinator's spreadsheet), all or none: with a "
        "problem in any row nobody is enrolled, and each problem is reported with its line. "
        "`dryRun` only checks. The same list imported again changes nothing (alreadyImported)."
    )
    async def import_mentees(
        self, info: Ctx, rows: list[MenteeImportRow], dry_run: bool = False
    ) -> ImportReport:
        return await _import(info, _rows(imports.MenteeRow, rows), dry_run)

    @strawberry.mutation(description="Enrol a list of mentors, all or none (as importMentees).")
    async def import_mentors(
        self, info: Ctx, rows: list[MentorImportRow], dry_run: bool = False
    ) -> ImportReport:
        return await _import(info, _rows(imports.MentorRow, rows), dry_run)
