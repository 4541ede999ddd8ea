"""Queries of a PIN's people: its mentors and mentees, their trainings and outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from projections.database import Executor
from projections.query_pages import Filters, Page, by_id, listed_in, one, page
from projections.rows import MenteeRow, MentorRow, OutcomeRow, TrainingRow

# A mentor sees the mentees of the groups they lead.
_MENTORED_BY = (
    "id IN (SELECT m.mentee_id FROM group_members m JOIN mentoring_groups g "
    "ON g.id = m.group_id WHERE g.mentor_id = ?)"
)


def _language(language: str) -> str:
    return "%" + json.dumps(language, ensure_ascii=False) + "%"


def _name_contains(text: str) -> tuple[str, str]:
    """People whose name contains ``text``, ignoring case (in SQLite, of ASCII letters only)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ("LOWER(name) LIKE ? ESCAPE '\\'", f"%{escaped}%")


def mentor_filters(
    tenant_id: str,
    profession: str | None = None,
    language: str | None = None,
    only: str | None = None,
    name_contains: str | None = None,
) -> Filters:
    filters: Filters = [("tenant_id = ?", tenant_id)]
    if only is not None:
        filters.append(("id = ?", only))
    if profession is not None:
        filters.append(("profession = ?", profession))
    if language is not None:
        filters.append(("languages LIKE ?", _language(language)))
    if name_contains:
        filters.append(_name_contains(name_contains))
    return filters


def mentee_filters(
    tenant_id: str,
    profession: str | None = None,
    language: str | None = None,
    cohort_id: str | None = None,
    mentored_by: str | None = None,
    name_contains: str | None = None,
) -> Filters:
    filters: Filters = [("tenant_id = ?", tenant_id)]
    if name_contains:
        filters.append(_name_contains(name_contains))
    if mentored_by is not None:
        filters.append((_MENTORED_BY, mentored_by))
    if profession is not None:
        filters.append(("profession = ?", profession))
    if language is not None:
        filters.append(("languages LIKE ?", _language(language)))
    if cohort_id is not None:
        filters.append(
            (
                "id IN (SELECT m.mentee_id FROM group_members m JOIN mentoring_groups g "
                "ON g.id = m.group_id WHERE g.tenant_id = mentees.tenant_id AND g.cohort_id = ?)",
                cohort_id,
            )
        )
    return filters


def mentors(
    conn: Executor,
    tenant_id: str,
    *,
    first: int,
    after: int | None,
    profession: str | None = None,
    language: str | None = None,
    only: str | None = None,
    name_contains: str | None = None,
) -> Page[MentorRow]:
    filters = mentor_filters(tenant_id, profession, language, only, name_contains)
    return page(conn, "mentors", filters, first, after, MentorRow)


def mentor(conn: Executor, tenant_id: str, ident: str) -> MentorRow | None:
    return one(conn, "mentors", tenant_id, ident, MentorRow)


def mentees(
    conn: Executor,
    tenant_id: str,
    *,
    first: int,
    after: int | None,
    profession: str | None = None,
    language: str | None = None,
    cohort_id: str | None = None,
    mentored_by: str | None = None,
    name_contains: str | None = None,
) -> Page[MenteeRow]:
    filters = mentee_filters(tenant_id, profession, language, cohort_id, mentored_by, name_contains)
    return page(conn, "mentees", filters, first, after, MenteeRow)


def mentee(
    conn: Executor, tenant_id: str, ident: str, mentored_by: str | None = None
) -> MenteeRow | None:
    row = one(conn, "mentees", tenant_id, ident, MenteeRow)
    if row is None or mentored_by is None:
        return row
    led = conn.execute(
        f"SELECT 1 AS led FROM mentees WHERE id = ? AND {_MENTORED_BY}", (ident, mentored_by)
    ).fetchone()
    return row if led else None


def mentors_by_id(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, MentorRow]:
    return by_id(conn, "mentors", tenant_id, ids, MentorRow)


def trainings_of(
    conn: Executor, tenant_id: str, person_ids: Sequence[str]
) -> dict[str, list[TrainingRow]]:
    order = "person_id, version"
    return listed_in(conn, tenant_id, person_ids, TrainingRow, "trainings", "person_id", order)


def outcomes_of(
    conn: Executor, tenant_id: str, mentee_ids: Sequence[str]
) -> dict[str, list[OutcomeRow]]:
    return listed_in(conn, tenant_id, mentee_ids, OutcomeRow, "outcomes", "mentee_id", "seq")
