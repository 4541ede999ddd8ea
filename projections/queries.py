"""Queries over the read models. Every query is scoped to one tenant by its signature.

The gateway passes the caller's tenant id; no function here returns a row of another
PIN, except shared activities, which every PIN sees (without other PINs' personal data).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from projections.database import Executor

T = TypeVar("T")
MAX_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[int, T]]  # (seq, row): seq is the stable paging key
    total: int
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class CohortRow:
    id: str
    name: str
    starts_on: str
    ends_on: str
    planned_sessions: int
    min_group_size: int
    max_group_size: int
    state: str
    group_count: int
    mentee_count: int


@dataclass(frozen=True)
class GroupRow:
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
class MentorRow:
    id: str
    name: str
    email: str | None
    profession: str
    languages: list[str]
    cultural_background: str
    licence_status: str
    capacity: int


@dataclass(frozen=True)
class MenteeRow:
    id: str
    name: str
    email: str | None
    profession: str
    origin: str
    languages: list[str]
    english_level: str
    goals: str | None
    enrolled_on: str


@dataclass(frozen=True)
class SessionRow:
    group_id: str
    number: int
    scheduled_on: str
    agenda: str
    held: bool


@dataclass(frozen=True)
class AttendanceRow:
    group_id: str
    number: int
    mentee_id: str
    present: bool


@dataclass(frozen=True)
class OutcomeRow:
    id: str
    mentee_id: str
    kind: str
    occurred_on: str
    evidence: str
    cohort_id: str | None


@dataclass(frozen=True)
class TrainingRow:
    person_id: str
    name: str
    completed_on: str


@dataclass(frozen=True)
class PinRow:
    tenant_id: str
    slug: str
    name: str
    communities: list[str]
    professions: list[str]


@dataclass(frozen=True)
class ActivityRow:
    id: str
    host_tenant_id: str
    host_name: str
    title: str
    held_on: str
    description: str
    capacity: int


@dataclass(frozen=True)
class RegistrationRow:
    activity_id: str
    person_id: str
    person_tenant_id: str
    kind: str
    name: str | None  # only for members of the caller's own PIN


def _cohort(r: Any) -> CohortRow:
    return CohortRow(
        r["id"],
        r["name"],
        r["starts_on"],
        r["ends_on"],
        r["planned_sessions"],
        r["min_group_size"],
        r["max_group_size"],
        r["state"],
        r["group_count"],
        r["mentee_count"],
    )


def _group(r: Any) -> GroupRow:
    return GroupRow(
        r["id"],
        r["cohort_id"],
        r["name"],
        r["mentor_id"],
        r["min_size"],
        r["max_size"],
        r["planned_sessions"],
        r["mentee_count"],
        r["sessions_held"],
    )


def _mentor(r: Any) -> MentorRow:
    return MentorRow(
        r["id"],
        r["name"],
        r["email"],
        r["profession"],
        json.loads(r["languages"]),
        r["cultural_background"],
        r["licence_status"],
        r["capacity"],
    )


def _mentee(r: Any) -> MenteeRow:
    return MenteeRow(
        r["id"],
        r["name"],
        r["email"],
        r["profession"],
        r["origin"],
        json.loads(r["languages"]),
        r["english_level"],
        r["goals"],
        r["enrolled_on"],
    )


def _page(
    conn: Executor,
    table: str,
    filters: Sequence[tuple[str, Any]],
    first: int,
    after: int | None,
    to_row: Callable[[Any], T],
) -> Page[T]:
    """A page of ``table`` in ``seq`` order; ``filters`` are (SQL condition, parameter)."""
    first = max(0, min(first, MAX_PAGE))
    where = " AND ".join(cond for cond, _ in filters) or "1=1"
    params = [p for _, p in filters]
    total = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE {where}", params).fetchone()["n"]
    cursor_filter = " AND seq > ?" if after is not None else ""
    rows = conn.execute(
        f"SELECT * FROM {table} WHERE {where}{cursor_filter} ORDER BY seq LIMIT ?",
        [*params, *([after] if after is not None else []), first + 1],
    ).fetchall()
    return Page(
        items=[(r["seq"], to_row(r)) for r in rows[:first]],
        total=int(total),
        has_next=len(rows) > first,
        has_previous=after is not None,
    )


def _one(
    conn: Executor, table: str, tenant_id: str, ident: str, to_row: Callable[[Any], T]
) -> T | None:
    row = conn.execute(
        f"SELECT * FROM {table} WHERE tenant_id = ? AND id = ?",
        (tenant_id, ident),
    ).fetchone()
    return to_row(row) if row else None


def _language(language: str) -> str:
    return "%" + json.dumps(language, ensure_ascii=False) + "%"


def _name_contains(text: str) -> tuple[str, str]:
    """People whose name contains ``text``, ignoring case (in SQLite, of ASCII letters only)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ("LOWER(name) LIKE ? ESCAPE '\\'", f"%{escaped}%")


# Counts across aggregates are computed here, not kept by the projection (see the migration).
COHORTS = (
    "(SELECT c.*, "
    "(SELECT count(*) FROM mentoring_groups g WHERE g.cohort_id = c.id) AS group_count, "
    "(SELECT count(*) FROM group_members m JOIN mentoring_groups g ON g.id = m.group_id "
    "WHERE g.cohort_id = c.id) AS mentee_count "
    "FROM cohorts c) AS cohorts"
)


Filters = list[tuple[str, Any]]
"""(SQL condition, parameter) pairs of a page's WHERE clause; shared with gateway/read_plan.py,
which plans the same pages into one statement."""


def cohort_filters(tenant_id: str, state: str | None = None) -> Filters:
    filters: Filters = [("tenant_id = ?", tenant_id)]
    if state is not None:
        filters.append(("state = ?", state))
    return filters


def group_filters(
    tenant_id: str, cohort_id: str | None = None, mentor_id: str | None = None
) -> Filters:
    filters: Filters = [("tenant_id = ?", tenant_id)]
    if cohort_id is not None:
        filters.append(("cohort_id = ?", cohort_id))
    if mentor_id is not None:
        filters.append(("mentor_id = ?", mentor_id))
    return filters


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


def pin(conn: Executor, tenant_id: str) -> PinRow | None:
    r = conn.execute("SELECT * FROM pins WHERE tenant_id = ?", (tenant_id,)).fetchone()
    if r is None:
        return None
    return PinRow(
        r["tenant_id"],
        r["slug"],
        r["name"],
        json.loads(r["communities"]),
        json.loads(r["professions"]),
    )


def cohorts(
    conn: Executor, tenant_id: str, *, first: int, after: int | None, state: str | None = None
) -> Page[CohortRow]:
    return _page(conn, COHORTS, cohort_filters(tenant_id, state), first, after, _cohort)


def cohort(conn: Executor, tenant_id: str, ident: str) -> CohortRow | None:
    return _one(conn, COHORTS, tenant_id, ident, _cohort)


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
    return _page(conn, "mentoring_groups", filters, first, after, _group)


def group(conn: Executor, tenant_id: str, ident: str) -> GroupRow | None:
    return _one(conn, "mentoring_groups", tenant_id, ident, _group)


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
    return _page(conn, "mentors", filters, first, after, _mentor)


def mentor(conn: Executor, tenant_id: str, ident: str) -> MentorRow | None:
    return _one(conn, "mentors", tenant_id, ident, _mentor)


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
    return _page(conn, "mentees", filters, first, after, _mentee)


def mentee(
    conn: Executor, tenant_id: str, ident: str, mentored_by: str | None = None
) -> MenteeRow | None:
    row = _one(conn, "mentees", tenant_id, ident, _mentee)
    if row is None or mentored_by is None:
        return row
    led = conn.execute(
        f"SELECT 1 AS led FROM mentees WHERE id = ? AND {_MENTORED_BY}", (ident, mentored_by)
    ).fetchone()
    return row if led else None


# A mentor sees the mentees of the groups they lead.
_MENTORED_BY = (
    "id IN (SELECT m.mentee_id FROM group_members m JOIN mentoring_groups g "
    "ON g.id = m.group_id WHERE g.mentor_id = ?)"
)


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


def mentors_by_id(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, MentorRow]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT * FROM mentors WHERE tenant_id = ? AND id IN ({_in(ids)})",
        [tenant_id, *ids],
    ).fetchall()
    return {r["id"]: _mentor(r) for r in rows}


def cohorts_by_id(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, CohortRow]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT * FROM {COHORTS} WHERE tenant_id = ? AND id IN ({_in(ids)})",
        [tenant_id, *ids],
    ).fetchall()
    return {r["id"]: _cohort(r) for r in rows}


def members_of(
    conn: Executor, tenant_id: str, group_ids: Sequence[str]
) -> dict[str, list[MenteeRow]]:
    result: dict[str, list[MenteeRow]] = defaultdict(list)
    if group_ids:
        rows = conn.execute(
            "SELECT gm.group_id AS group_id, m.* FROM group_members gm "
            "JOIN mentees m ON m.id = gm.mentee_id AND m.tenant_id = gm.tenant_id "
            f"WHERE gm.tenant_id = ? AND gm.group_id IN ({_in(group_ids)}) "
            "ORDER BY gm.seq",
            [tenant_id, *group_ids],
        ).fetchall()
        for r in rows:
            result[r["group_id"]].append(_mentee(r))
    return result


def groups_of_mentees(
    conn: Executor, tenant_id: str, mentee_ids: Sequence[str], led_by: str | None = None
) -> dict[str, list[GroupRow]]:
    result: dict[str, list[GroupRow]] = defaultdict(list)
    if mentee_ids:
        rows = conn.execute(
            "SELECT gm.mentee_id AS member_id, g.* FROM group_members gm "
            "JOIN mentoring_groups g ON g.id = gm.group_id AND g.tenant_id = gm.tenant_id "
            f"WHERE gm.tenant_id = ? AND gm.mentee_id IN ({_in(mentee_ids)}) "
            + ("AND g.mentor_id = ? " if led_by else "")
            + "ORDER BY g.seq",
            [tenant_id, *mentee_ids, *([led_by] if led_by else [])],
        ).fetchall()
        for r in rows:
            result[r["member_id"]].append(_group(r))
    return result


def sessions_of(
    conn: Executor, tenant_id: str, group_ids: Sequence[str]
) -> dict[str, list[SessionRow]]:
    result: dict[str, list[SessionRow]] = defaultdict(list)
    if group_ids:
        rows = conn.execute(
            "SELECT * FROM group_sessions "
            f"WHERE tenant_id = ? AND group_id IN ({_in(group_ids)}) "
            "ORDER BY group_id, number",
            [tenant_id, *group_ids],
        ).fetchall()
        for r in rows:
            result[r["group_id"]].append(
                SessionRow(
                    r["group_id"], r["number"], r["scheduled_on"], r["agenda"], bool(r["held"])
                )
            )
    return result


def attendance_of(
    conn: Executor, tenant_id: str, group_ids: Sequence[str]
) -> dict[tuple[str, int], list[AttendanceRow]]:
    result: dict[tuple[str, int], list[AttendanceRow]] = defaultdict(list)
    if group_ids:
        rows = conn.execute(
            "SELECT * FROM attendance "
            f"WHERE tenant_id = ? AND group_id IN ({_in(group_ids)}) "
            "ORDER BY group_id, number, mentee_id",
            [tenant_id, *group_ids],
        ).fetchall()
        for r in rows:
            key = (r["group_id"], r["number"])
            result[key].append(
                AttendanceRow(r["group_id"], r["number"], r["mentee_id"], bool(r["present"]))
            )
    return result


def outcomes_of(
    conn: Executor, tenant_id: str, mentee_ids: Sequence[str]
) -> dict[str, list[OutcomeRow]]:
    result: dict[str, list[OutcomeRow]] = defaultdict(list)
    if mentee_ids:
        rows = conn.execute(
            f"SELECT * FROM outcomes WHERE tenant_id = ? AND mentee_id IN ({_in(mentee_ids)}) "
            "ORDER BY seq",
            [tenant_id, *mentee_ids],
        ).fetchall()
        for r in rows:
            result[r["mentee_id"]].append(
                OutcomeRow(
                    r["id"],
                    r["mentee_id"],
                    r["kind"],
                    r["occurred_on"],
                    r["evidence"],
                    r["cohort_id"],
                )
            )
    return result


def trainings_of(
    conn: Executor, tenant_id: str, person_ids: Sequence[str]
) -> dict[str, list[TrainingRow]]:
    result: dict[str, list[TrainingRow]] = defaultdict(list)
    if person_ids:
        rows = conn.execute(
            f"SELECT * FROM trainings WHERE tenant_id = ? AND person_id IN ({_in(person_ids)}) "
            "ORDER BY person_id, version",
            [tenant_id, *person_ids],
        ).fetchall()
        for r in rows:
            result[r["person_id"]].append(TrainingRow(r["person_id"], r["name"], r["completed_on"]))
    return result


def _activity(r: Any) -> ActivityRow:
    return ActivityRow(
        r["id"],
        r["tenant_id"],
        r["host_name"],
        r["title"],
        r["held_on"],
        r["description"],
        r["capacity"],
    )


_ACTIVITIES = (
    "SELECT a.*, p.name AS host_name FROM shared_activities a "
    "LEFT JOIN pins p ON p.tenant_id = a.tenant_id"
)


def shared_activities(conn: Executor) -> list[ActivityRow]:
    """Every PIN's shared activities: they are open to members of every PIN."""
    return [_activity(r) for r in conn.execute(f"{_ACTIVITIES} ORDER BY a.seq").fetchall()]


def shared_activity(conn: Executor, ident: str) -> ActivityRow | None:
    r = conn.execute(f"{_ACTIVITIES} WHERE a.id = ?", (ident,)).fetchone()
    return _activity(r) if r else None


def registrations_of(
    conn: Executor, viewer_tenant_id: str, activity_ids: Sequence[str]
) -> dict[str, list[RegistrationRow]]:
    """The registrations the viewer may see; names only of people of the viewer's own PIN.

    People of other PINs who withdrew consent to cross-network sharing are left out, so the
    number of rows is the registration count the viewer is shown (nothing to compare with).
    """
    result: dict[str, list[RegistrationRow]] = defaultdict(list)
    if activity_ids:
        rows = conn.execute(
            "SELECT r.*, COALESCE(me.name, mo.name) AS person_name FROM activity_registrations r "
            "LEFT JOIN mentees me ON me.id = r.person_id AND me.tenant_id = ? "
            "LEFT JOIN mentors mo ON mo.id = r.person_id AND mo.tenant_id = ? "
            f"WHERE r.activity_id IN ({_in(activity_ids)}) AND (r.person_tenant_id = ? OR "
            "r.person_id NOT IN (SELECT person_id FROM sharing_withdrawn)) ORDER BY r.seq",
            [viewer_tenant_id, viewer_tenant_id, *activity_ids, viewer_tenant_id],
        ).fetchall()
        for r in rows:
            own = r["person_tenant_id"] == viewer_tenant_id
            result[r["activity_id"]].append(
                RegistrationRow(
                    r["activity_id"],
                    r["person_id"] if own else "",
                    r["person_tenant_id"],
                    r["kind"],
                    r["person_name"] if own else None,
                )
            )
    return result


@dataclass(frozen=True)
class ApiKeyRow:
    id: str
    tenant_id: str
    name: str
    role: str
    secret_hash: str
    expires_at: str | None
    revoked: bool
    created_at: str


def _api_key(r: Any) -> ApiKeyRow:
    return ApiKeyRow(
        r["id"],
        r["tenant_id"],
        r["name"],
        r["role"],
        r["secret_hash"],
        r["expires_at"],
        bool(r["revoked"]),
        r["created_at"],
    )


def api_key(conn: Executor, ident: str) -> ApiKeyRow | None:
    """A key by id, of any PIN: used to authenticate, before the caller's PIN is known."""
    row = conn.execute("SELECT * FROM api_keys WHERE id = ?", (ident,)).fetchone()
    return _api_key(row) if row else None


def api_keys(conn: Executor, tenant_id: str) -> list[ApiKeyRow]:
    rows = conn.execute(
        "SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY seq", (tenant_id,)
    ).fetchall()
    return [_api_key(r) for r in rows]


@dataclass(frozen=True)
class FeedRow:
    position: int
    event_type: str
    aggregate_id: str
    occurred_at: str


def activity_after(conn: Executor, tenant_id: str, after: int, limit: int = 100) -> list[FeedRow]:
    """What happened in a PIN after store position ``after``, oldest first."""
    rows = conn.execute(
        "SELECT * FROM activity_feed WHERE tenant_id = ? AND position > ? "
        "ORDER BY position LIMIT ?",
        (tenant_id, after, limit),
    ).fetchall()
    return [
        FeedRow(r["position"], r["event_type"], r["aggregate_id"], r["occurred_at"]) for r in rows
    ]


def last_activity(conn: Executor, tenant_id: str) -> int:
    row = conn.execute(
        "SELECT coalesce(max(position), 0) AS position FROM activity_feed WHERE tenant_id = ?",
        (tenant_id,),
    ).fetchone()
    return int(row["position"])


def pins(conn: Executor) -> list[PinRow]:
    """Every PIN (names and communities are public)."""
    return [
        PinRow(
            r["tenant_id"],
            r["slug"],
            r["name"],
            json.loads(r["communities"]),
            json.loads(r["professions"]),
        )
        for r in conn.execute("SELECT * FROM pins ORDER BY seq").fetchall()
    ]
