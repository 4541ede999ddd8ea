"""Queries of follow-ups: the mentees due for a follow-up, and one follow-up.

Scoped to the caller's PIN like every query (``tenant_id`` in each statement; row-level
security in PostgreSQL as well). Erased mentees have no follow-ups left to do: they are not
listed.
"""

from __future__ import annotations

import json
from typing import Any

from domain.privacy import Purpose
from projections.database import Executor
from projections.query_pages import Page
from projections.rows import FollowUpRow as FollowUpRow

_FROM = (
    "FROM follow_ups f JOIN mentees m ON m.id = f.mentee_id AND m.tenant_id = f.tenant_id "
    "LEFT JOIN cohorts c ON c.id = f.cohort_id AND c.tenant_id = f.tenant_id "
    "LEFT JOIN outcomes o ON o.id = f.outcome_id AND o.tenant_id = f.tenant_id "
    "WHERE f.tenant_id = ? AND m.erased_at IS NULL"
)
_COLUMNS = (
    "SELECT f.mentee_id, m.name AS mentee_name, m.consents, f.cohort_id, "
    "COALESCE(c.name, '') AS cohort_name, c.ends_on AS round_ends_on, "
    "f.months, f.due_on, f.recorded_on, "
    "f.outcome_id, o.kind AS outcome_kind, o.occurred_on AS outcome_occurred_on, "
    "o.evidence AS outcome_evidence "
)


def _row(r: Any) -> FollowUpRow:
    consent = json.loads(r["consents"]).get(Purpose.FOLLOW_UP.value, {})
    return FollowUpRow.decode(r, contact_allowed=bool(consent.get("given", True)))


def follow_ups_due(
    conn: Executor,
    tenant_id: str,
    due_by: str,
    *,
    include_recorded: bool = False,
    first: int = 50,
    after: int | None = None,
) -> Page[FollowUpRow]:
    """The follow-ups due on or before ``due_by``, the earliest first; only those not yet
    recorded unless ``include_recorded``. ``after``: how many of the list to skip."""
    where = (
        _FROM + " AND f.due_on <= ?" + ("" if include_recorded else " AND f.recorded_on IS NULL")
    )
    params = (tenant_id, due_by)
    total = int(conn.execute(f"SELECT count(*) AS n {where}", params).fetchone()["n"])
    skip = after or 0
    rows = conn.execute(
        f"{_COLUMNS}{where} ORDER BY f.due_on, f.months, m.name, f.mentee_id, f.cohort_id "
        "LIMIT ? OFFSET ?",
        (*params, first, skip),
    ).fetchall()
    items = [(skip + index + 1, _row(r)) for index, r in enumerate(rows)]
    return Page(items, total, skip + len(items) < total, skip > 0)


def follow_up(
    conn: Executor, tenant_id: str, mentee_id: str, cohort_id: str, months: int
) -> FollowUpRow | None:
    """One follow-up of one of the PIN's mentees (None: unknown, or the mentee was erased)."""
    row = conn.execute(
        f"{_COLUMNS}{_FROM} AND f.mentee_id = ? AND f.cohort_id = ? AND f.months = ?",
        (tenant_id, mentee_id, cohort_id, months),
    ).fetchone()
    return _row(row) if row else None
