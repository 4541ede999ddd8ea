"""Mutations that import a PIN's list of mentees or mentors: all rows or none, once.

Values that a spreadsheet may get wrong (a level, a status, a date) are taken as text and
checked per row, so a bad row is reported with its line instead of refusing the request.
"""

from __future__ import annotations

import strawberry

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
class ImportRowProblem:
    line: int
    message: str


@strawberry.type(description="What an import did; with any problem, nothing was imported.")
class ImportReport:
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


def _line(given: int | None, place: int) -> int:
    return given if given is not None else place


async def _import(
    info: Ctx, rows: tuple[imports.MenteeRow | imports.MentorRow, ...], dry_run: bool
) -> ImportReport:
    command = imports.ImportPeople(rows=rows, dry_run=dry_run)
    _, report = await run_use_case(info, imports.import_people, command)
    assert isinstance(report, imports.ImportReport)
    return ImportReport(
        rows=report.rows,
        imported=report.imported,
        already_imported=report.already_imported,
        problems=[ImportRowProblem(line=p.line, message=p.message) for p in report.problems],
        position=report.position,
    )


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
        made = tuple(
            imports.MenteeRow(
                line=_line(row.line, place),
                name=row.name,
                profession=row.profession,
                origin=row.origin,
                languages=tuple(row.languages),
                english_level=row.english_level,
                enrolled_on=row.enrolled_on,
                email=row.email,
                goals=row.goals,
            )
            for place, row in enumerate(rows, start=1)
        )
        return await _import(info, made, dry_run)

    @strawberry.mutation(description="Enrol a list of mentors, all or none (as importMentees).")
    async def import_mentors(
        self, info: Ctx, rows: list[MentorImportRow], dry_run: bool = False
    ) -> ImportReport:
        made = tuple(
            imports.MentorRow(
                line=_line(row.line, place),
                name=row.name,
                profession=row.profession,
                languages=tuple(row.languages),
                cultural_background=row.cultural_background,
                licence_status=row.licence_status,
                capacity=row.capacity,
                email=row.email,
            )
            for place, row in enumerate(rows, start=1)
        )
        return await _import(info, made, dry_run)
