"""Reading a PIN's CSV list of mentees or mentors into the rows of importMentees/importMentors.

Column names are matched whatever their case, spacing or underscores (``English level``,
``english_level``, ``englishLevel``). What the file itself gets wrong (a missing column, a row
of the wrong length, a capacity that is no number) is a problem of that row's line; the rest
is the API's to check.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.console.strings import t

MAX_ROWS = 500
KINDS = ("mentees", "mentors")


@dataclass(frozen=True)
class Column:
    name: str
    """The field of the import row (the API's name)."""
    required: bool = True
    is_list: bool = False
    is_count: bool = False


COLUMNS: dict[str, tuple[Column, ...]] = {
    "mentees": (
        Column("name"),
        Column("email", required=False),
        Column("profession"),
        Column("origin"),
        Column("languages", is_list=True),
        Column("englishLevel"),
        Column("enrolledOn"),
        Column("goals", required=False),
    ),
    "mentors": (
        Column("name"),
        Column("email", required=False),
        Column("profession"),
        Column("languages", is_list=True),
        Column("culturalBackground"),
        Column("licenceStatus", required=False),
        Column("capacity", required=False, is_count=True),
    ),
}


@dataclass
class CsvList:
    """A file read: the rows for the API (with their lines), and the file's own problems."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    """A problem per line."""
    refusal: str | None = None
    """Why the whole file cannot be read (no rows, missing columns...)."""


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", header).lower()


def column_names(kind: str) -> str:
    """The columns of a kind of list, as the upload form shows them."""
    return ", ".join(column.name for column in COLUMNS[kind])


def read_csv(kind: str, text: str) -> CsvList:
    """The rows of a CSV list of ``kind``; blank lines are skipped."""
    read = CsvList()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        read.refusal = t("import.empty")
        return read
    positions = {_key(name): place for place, name in enumerate(header)}
    columns = COLUMNS[kind]
    missing = [c.name for c in columns if c.required and _key(c.name) not in positions]
    if missing:
        read.refusal = t("import.missing_columns", columns=", ".join(missing))
        return read
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        if len(cells) != len(header):
            read.problems[line] = t("import.wrong_length", cells=len(cells), columns=len(header))
        row: dict[str, Any] = {"line": line}
        for column in columns:
            place = positions.get(_key(column.name))
            value = cells[place].strip() if place is not None and place < len(cells) else ""
            if column.is_list:
                row[column.name] = [part.strip() for part in re.split(r"[;,]", value)]
                row[column.name] = [part for part in row[column.name] if part]
            elif column.is_count:
                if value and not value.isdigit():
                    read.problems.setdefault(line, t("import.not_a_number", column=column.name))
                row[column.name] = int(value) if value.isdigit() else 1
            elif value or column.required:
                row[column.name] = value
        read.rows.append(row)
        if len(read.rows) > MAX_ROWS:
            read.refusal = t("import.too_many", limit=MAX_ROWS)
            return read
    if not read.rows:
        read.refusal = t("import.empty")
    return read
