"""Queries across the network: the PINs, and the shared activities every PIN's people join."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from projections.database import Executor
from projections.query_pages import listed_by, marks
from projections.rows import ActivityRow, PinRow, RegistrationRow


def pin(conn: Executor, tenant_id: str) -> PinRow | None:
    sql = f"SELECT {PinRow.select()} FROM pins WHERE tenant_id = ?"
    found = conn.execute(sql, (tenant_id,)).fetchone()
    return PinRow.decode(found) if found else None


def pins(conn: Executor) -> list[PinRow]:
    """Every PIN (names and communities are public)."""
    rows = conn.execute(f"SELECT {PinRow.select()} FROM pins ORDER BY seq").fetchall()
    return [PinRow.decode(r) for r in rows]


_ACTIVITIES = (
    "SELECT a.id, a.tenant_id AS host_tenant_id, p.name AS host_name, a.title, a.held_on, "
    "a.description, a.capacity FROM shared_activities a "
    "LEFT JOIN pins p ON p.tenant_id = a.tenant_id"
)


def shared_activities(conn: Executor) -> list[ActivityRow]:
    """Every PIN's shared activities: they are open to members of every PIN."""
    rows = conn.execute(f"{_ACTIVITIES} ORDER BY a.seq").fetchall()
    return [ActivityRow.decode(r) for r in rows]


def shared_activity(conn: Executor, ident: str) -> ActivityRow | None:
    r = conn.execute(f"{_ACTIVITIES} WHERE a.id = ?", (ident,)).fetchone()
    return ActivityRow.decode(r) if r else None


def registrations_of(
    conn: Executor, viewer_tenant_id: str, activity_ids: Sequence[str]
) -> dict[str, list[RegistrationRow]]:
    """The registrations the viewer may see; names only of people of the viewer's own PIN.

    People of other PINs who withdrew consent to cross-network sharing are left out, so the
    number of rows is the registration count the viewer is shown (nothing to compare with).
    """
    own = "r.person_tenant_id = ?"
    return listed_by(
        itemgetter("activity_id"),
        RegistrationRow,
        activity_ids,
        conn,
        f"SELECT r.activity_id, CASE WHEN {own} THEN r.person_id ELSE '' END AS person_id, "
        "r.person_tenant_id, r.kind, "
        f"CASE WHEN {own} THEN COALESCE(me.name, mo.name) END AS name "
        "FROM activity_registrations r "
        "LEFT JOIN mentees me ON me.id = r.person_id AND me.tenant_id = ? "
        "LEFT JOIN mentors mo ON mo.id = r.person_id AND mo.tenant_id = ? "
        f"WHERE r.activity_id IN ({marks(activity_ids)}) AND ({own} OR "
        "r.person_id NOT IN (SELECT person_id FROM sharing_withdrawn)) ORDER BY r.seq",
        [*[viewer_tenant_id] * 4, *activity_ids, viewer_tenant_id],
    )
