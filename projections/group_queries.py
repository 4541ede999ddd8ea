"""Queries of a PIN's rounds (cohorts) and groups: members, sessions and attendance."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from projections.database import Executor
from projections.query_pages import (
    Filters,
    Page,
    by_id,
    in_pin,
    listed_by,
    listed_in,
    marks,
    one,
    page,
)
from projections.rows import AttendanceRow, CohortRow, GroupRow, MenteeRow, SessionRow

# Counts across aggregates are computed here, not kept by the projection (see the migration).
COHORTS = (
    "(SELECT c.*, "
    "(SELECT count(*) FROM mentoring_groups g WHERE g.cohort_id = c.id) AS group_count, "
    "(SELECT count(*) FROM group_members m JOIN mentoring_groups g ON g.id = m.group_id "
    "WHERE g.cohort_id = c.id) AS mentee_count "
    "FROM cohorts c) AS cohorts"
)


def cohort_filters(tenant_id: str, state: str | None = None) -> Filters:
    return in_pin(tenant_id, ("state = ?", state))


def group_filters(
    tenant_id: str, cohort_id: str | None = None, mentor_id: str | None = None
) -> Filters:
    return in_pin(tenant_id, ("cohort_id = ?", cohort_id), ("mentor_id = ?", mentor_id))


def cohorts(
    conn: Executor, tenant_id: str, *, first: int, after: int | None, state: str | None = None
) -> Page[CohortRow]:
    return page(conn, COHORTS, cohort_filters(tenant_id, state), first, after, CohortRow)


def cohort(conn: Executor, tenant_id: str, ident: str) -> CohortRow | None:
    return one(conn, COHORTS, tenant_id, ident, CohortRow)


def cohorts_by_id(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, CohortRow]:
    return by_id(conn, COHORTS, tenant_id, ids, CohortRow)


def groups(
    conn: Executor,
    tenant_id: str,
    *,
    first: int,
    after: int | None,
    cohort_id: str | None = None,
    mentor_id: str | None = None,
) -> Page[GroupRow]:
    filters = group_filters(tenant_id, cohort_id, mentor_id)
    return page(conn, "mentoring_groups", filters, first, after, GroupRow)


def group(conn: Executor, tenant_id: str, ident: str) -> GroupRow | None:
    return one(conn, "mentoring_groups", tenant_id, ident, GroupRow)


def members_of(
    conn: Executor, tenant_id: str, group_ids: Sequence[str]
) -> dict[str, list[MenteeRow]]:
    """The mentees of each group, in the order they joined."""
    sql = (
        f"SELECT gm.group_id AS group_id, {MenteeRow.select('m')} FROM group_members gm "
        "JOIN mentees m ON m.id = gm.mentee_id AND m.tenant_id = gm.tenant_id "
        f"WHERE gm.tenant_id = ? AND gm.group_id IN ({marks(group_ids)}) ORDER BY gm.seq"
    )
    key = itemgetter("group_id")
    return listed_by(key, MenteeRow, group_ids, conn, sql, [tenant_id, *group_ids])


def groups_of_mentees(
    conn: Executor, tenant_id: str, mentee_ids: Sequence[str], led_by: str | None = None
) -> dict[str, list[GroupRow]]:
    """The groups of each mentee (only those ``led_by`` a mentor, when given)."""
    led = "AND g.mentor_id = ? " if led_by else ""
    sql = (
        f"SELECT gm.mentee_id AS member_id, {GroupRow.select('g')} FROM group_members gm "
        "JOIN mentoring_groups g ON g.id = gm.group_id AND g.tenant_id = gm.tenant_id "
        f"WHERE gm.tenant_id = ? AND gm.mentee_id IN ({marks(mentee_ids)}) {led}ORDER BY g.seq"
    )
    params = [tenant_id, *mentee_ids, *([led_by] if led_by else [])]
    return listed_by(itemgetter("member_id"), GroupRow, mentee_ids, conn, sql, params)


sessions_of = listed_in(SessionRow, "group_sessions", "group_id", "group_id, number")


def attendance_of(
    conn: Executor, tenant_id: str, group_ids: Sequence[str]
) -> dict[tuple[str, int], list[AttendanceRow]]:
    """Each session's attendance, by (group id, session number)."""
    sql = (
        f"SELECT {AttendanceRow.select()} FROM attendance "
        f"WHERE tenant_id = ? AND group_id IN ({marks(group_ids)}) "
        "ORDER BY group_id, number, mentee_id"
    )
    key = itemgetter("group_id", "number")
    return listed_by(key, AttendanceRow, group_ids, conn, sql, [tenant_id, *group_ids])
