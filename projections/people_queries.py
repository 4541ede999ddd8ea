"""Queries of a PIN's people: its mentors and mentees, their trainings and outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from projections.database import Executor
from projections.query_pages import Filters, Page, by_id, in_pin, listed_in, one, page
from projections.rows import MenteeRow, MentorRow, OutcomeRow, TrainingRow

# A mentor sees the mentees of the groups they lead.
_MENTORED_BY = (
    "id IN (SELECT m.mentee_id FROM group_members m JOIN mentoring_groups g "
    "ON g.id = m.group_id WHERE g.mentor_id = ?)"
)
# A mentee of a group of the cohort.
_IN_COHORT = (
    "id IN (SELECT m.mentee_id FROM group_members m JOIN mentoring_groups g "
    "ON g.id = m.group_id WHERE g.tenant_id = mentees.tenant_id AND g.cohort_id = ?)"
)
_NAME_CONTAINS = "LOWER(name) LIKE ? ESCAPE '\\'"


def _language(language: str | None) -> str | None:
    return None if language is None else "%" + json.dumps(language, ensure_ascii=False) + "%"


def _name_contains(text: str | None) -> str | None:
    """The pattern of the people whose name contains ``text``, ignoring case (in SQLite, of
    ASCII letters only); None for no text."""
    if not text:
        return None
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def mentor_filters(
    tenant_id: str,
    profession: str | None = None,
    language: str | None = None,
    only: str | None = None,
    name_contains: str | None = None,
) -> Filters:
    return in_pin(
        tenant_id,
        ("id = ?", only),
        ("profession = ?", profession),
        ("languages LIKE ?", _language(language)),
        (_NAME_CONTAINS, _name_contains(name_contains)),
    )


def mentee_filters(
    tenant_id: str,
    profession: str | None = None,
    language: str | None = None,
    cohort_id: str | None = None,
    mentored_by: str | None = None,
    name_contains: str | None = None,
) -> Filters:
    return in_pin(
        tenant_id,
        (_NAME_CONTAINS, _name_contains(name_contains)),
        (_MENTORED_BY, mentored_by),
        ("profession = ?", profession),
        ("languages LIKE ?", _language(language)),
        (_IN_COHORT, cohort_id),
    )


def mentors(
    conn: Executor, tenant_id: str, *, first: int, after: int | None, **filters: str | None
) -> Page[MentorRow]:
    """A page of the PIN's mentors, by the ``filters`` of ``mentor_filters``."""
    return page(conn, "mentors", mentor_filters(tenant_id, **filters), first, after, MentorRow)


def mentor(conn: Executor, tenant_id: str, ident: str) -> MentorRow | None:
    return one(conn, "mentors", tenant_id, ident, MentorRow)


def mentees(
    conn: Executor, tenant_id: str, *, first: int, after: int | None, **filters: str | None
) -> Page[MenteeRow]:
    """A page of the PIN's mentees, by the ``filters`` of ``mentee_filters``."""
    return page(conn, "mentees", mentee_filters(tenant_id, **filters), first, after, MenteeRow)


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


trainings_of = listed_in(TrainingRow, "trainings", "person_id", "person_id, version")
outcomes_of = listed_in(OutcomeRow, "outcomes", "mentee_id", "seq")
