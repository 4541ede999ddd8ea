"""Queries of a person's privacy: their consents and erasure, and every read-model row about them.

Scoped to the caller's PIN like every query (``tenant_id`` in each statement; row-level
security in PostgreSQL as well).
"""

from __future__ import annotations

import json
from typing import Any

from domain.privacy import Purpose
from domain.values import ParticipantKind
from projections.database import Executor
from projections.rows import ConsentRow as ConsentRow
from projections.rows import PrivacyRow as PrivacyRow


def privacy_of(conn: Executor, tenant_id: str, person_id: str) -> PrivacyRow | None:
    """A mentee's or mentor's consents and erasure, as the read models know them."""
    for table, kind in (("mentees", ParticipantKind.MENTEE), ("mentors", ParticipantKind.MENTOR)):
        row = conn.execute(
            f"SELECT id AS person_id, erased_at, consents FROM {table} "
            "WHERE tenant_id = ? AND id = ?",
            (tenant_id, person_id),
        ).fetchone()
        if row is not None:
            return PrivacyRow.decode(row, kind=kind, consents=_consents(row["consents"]))
    return None


def _consents(recorded_json: str) -> list[ConsentRow]:
    """Each purpose's consent as last recorded; one never recorded is as agreed at enrolment."""
    recorded = json.loads(recorded_json)
    consents = []
    for purpose in Purpose:
        entry = recorded.get(purpose.value, {})
        record = {
            "purpose": purpose,
            "given": entry.get("given", True),
            "recorded_at": entry.get("at"),
        }
        consents.append(ConsentRow.decode(record))
    return consents


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
