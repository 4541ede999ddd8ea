"""Queries of a person's privacy: their consents and erasure, and every read-model row about them.

Scoped to the caller's PIN like every query (``tenant_id`` in each statement; row-level
security in PostgreSQL as well).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from domain.privacy import Purpose
from projections.database import Executor


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    given: bool
    recorded_at: str | None  # None: as agreed at enrolment, nothing recorded since


@dataclass(frozen=True)
class PrivacyRow:
    person_id: str
    kind: str
    erased_at: str | None
    consents: list[ConsentRow]


def privacy_of(conn: Executor, tenant_id: str, person_id: str) -> PrivacyRow | None:
    """A mentee's or mentor's consents and erasure, as the read models know them."""
    for table, kind in (("mentees", "mentee"), ("mentors", "mentor")):
        row = conn.execute(
            f"SELECT erased_at, consents FROM {table} WHERE tenant_id = ? AND id = ?",
            (tenant_id, person_id),
        ).fetchone()
        if row is None:
            continue
        recorded = json.loads(row["consents"])
        consents = [
            ConsentRow(
                purpose.value,
                bool(recorded.get(purpose.value, {}).get("given", True)),
                recorded.get(purpose.value, {}).get("at"),
            )
            for purpose in Purpose
        ]
        return PrivacyRow(person_id, kind, row["erased_at"], consents)
    return None


# (table, column naming the person); every one also filtered by the caller's PIN.
_ABOUT = (
    ("mentees", "id"),
    ("mentors", "id"),
    ("trainings", "person_id"),
    ("outcomes", "mentee_id"),
    ("follow_ups", "mentee_id"),
    ("group_members", "mentee_id"),
    ("attendance", "mentee_id"),
    ("mentoring_groups", "mentor_id"),
    ("activity_feed", "aggregate_id"),
)


def rows_about(conn: Executor, tenant_id: str, person_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row of the caller's PIN that names the person, by table."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, column in _ABOUT:
        rows = conn.execute(
            f"SELECT * FROM {table} WHERE tenant_id = ? AND {column} = ?", (tenant_id, person_id)
        ).fetchall()
        if rows:
            found[table] = [dict(r) for r in rows]
    registrations = conn.execute(
        "SELECT r.*, a.title, a.held_on FROM activity_registrations r "
        "JOIN shared_activities a ON a.id = r.activity_id "
        "WHERE r.person_tenant_id = ? AND r.person_id = ?",
        (tenant_id, person_id),
    ).fetchall()
    if registrations:
        found["activity_registrations"] = [dict(r) for r in registrations]
    return found
